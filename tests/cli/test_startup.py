"""`enhancerlm --help` starts fast: the command modules import no heavy library at import time."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "pandas", "sklearn", "scipy", "matplotlib")


def loaded_after(statement: str) -> list[str]:
    """The HEAVY libraries a fresh interpreter has loaded after running ``statement``."""
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_cli_imports_no_heavy_library():
    assert loaded_after("import enhancerlm.cli.main") == []


@pytest.mark.parametrize(
    "module",
    [
        "enhancerlm.scan.config",
        "enhancerlm.interpret.config",
        "enhancerlm.variants.config",
        "enhancerlm.data.peaks.build_config",
    ],
)
def test_config_modules_behind_cli_flags_are_light(module):
    assert loaded_after(f"import {module}") == []


def test_the_check_sees_a_heavy_import():
    # the check itself can fail: a module that does import pandas is reported
    assert "pandas" in loaded_after("import enhancerlm.sequences.records")


def test_naming_a_backbone_imports_no_model_library():
    # the registry's specs are plain data (models/catalog.py); a family module loads with its class only
    statement = "from enhancerlm.models.registry import list_backbones, resolve_backbone\nlist_backbones()\n"
    statement += "resolve_backbone('dnabert-6'); resolve_backbone('zhihan1996/DNABERT-2-117M')"
    assert not {"torch", "transformers"} & set(loaded_after(statement))


def test_a_kmer_baseline_loads_without_torch():
    statement = "from enhancerlm.models.registry import family_class\nfamily_class('kmer-lr'); family_class('gc')"
    assert not {"torch", "transformers"} & set(loaded_after(statement))


def test_import_enhancerlm_imports_no_heavy_library():
    # the verbs of `import enhancerlm as elm` load on first use (PEP 562 __getattr__)
    assert loaded_after("import enhancerlm") == []


def test_naming_a_verb_imports_no_model_library():
    assert not {"torch", "transformers"} & set(loaded_after("import enhancerlm as elm\nelm.predict, elm.scan_genome"))
