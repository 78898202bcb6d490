"""Options built from settings dataclasses: a flag's default and help are its field's."""

from dataclasses import dataclass, field

import click
import pytest
import typer.main
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.cli.options import config_field, config_option, field_help


@dataclass(frozen=True)
class Settings:
    n: int = field(default=5, metadata={"help": "How many (default {default})."})
    on: bool = field(default=True, metadata={"help": "Switch (default {default})."})
    tags: tuple[str, ...] = field(default=("a", "b"), metadata={"help": "Tags: {default}."})


def test_help_shows_the_fields_default():
    assert [field_help(config_field(Settings, n)) for n in ("n", "on", "tags")] == [
        "How many (default 5).",
        "Switch (default on).",
        "Tags: a, b.",
    ]


def test_option_takes_the_fields_default_and_derived_names():
    n, on = config_option(Settings, "n"), config_option(Settings, "on")
    assert (n.default, n.param_decls, n.help) == (5, ("--n",), "How many (default 5).")
    assert (on.default, on.param_decls) == (True, ("--on/--no-on",))
    given = config_option(Settings, "n", "--count", "-c", default=None, min=1)
    assert (given.default, given.param_decls, given.min) == (None, ("--count", "-c"), 1)


def _params(command: str) -> dict[str, click.Parameter]:
    return {p.name: p for p in typer.main.get_command(app).commands[command].params}


@pytest.mark.parametrize(
    "command, config, n_options",
    [
        ("pretrain", "enhancerlm.train.pretrain_config:PretrainConfig", 12),
        ("scan", "enhancerlm.scan.config:ScanConfig", 12),
        ("variants", "enhancerlm.variants.config:VariantConfig", 8),
        ("demo", "enhancerlm.experiment.config:DemoConfig", 4),
    ],
)
def test_options_are_generated_from_the_config(command, config, n_options):
    # name, default and help of every option come from the field; fields without help are not options
    import importlib

    module, name = config.split(":")
    cls = getattr(importlib.import_module(module), name)
    params, defaults = _params(command), cls()
    documented = [f for f in cls.__dataclass_fields__.values() if "help" in f.metadata]
    assert len(documented) == n_options
    for f in documented:
        assert params[f.name].default == getattr(defaults, f.name), f.name
        assert params[f.name].help == field_help(f), f.name


def test_run_options_are_every_run_config_field_unset():
    from enhancerlm.experiment.config import RunConfig

    params = _params("run")
    assert all(params[name].default is None for name in RunConfig.__dataclass_fields__)
    assert "default: from the backbone" in params["lr"].help  # FinetuneDefaults' help, with a note
    assert params["quantize"].metavar == "none|int8" and params["mode"].metavar == "finetune|probe|both"


@pytest.mark.parametrize(
    "command, config", [("scan", "enhancerlm.scan:ScanConfig"), ("explain", "enhancerlm.interpret:ExplainConfig")]
)
def test_scan_and_explain_help_is_the_configs(command, config):
    import importlib

    module, name = config.split(":")
    cls = getattr(importlib.import_module(module), name)
    helps = {p.help for p in _params(command).values()}
    documented = [f for f in cls.__dataclass_fields__.values() if "help" in f.metadata]
    assert len(documented) == {"scan": 12, "explain": 10}[command]  # quantize included
    assert all(field_help(f) in helps for f in documented)
    assert CliRunner().invoke(app, [command, "--help"]).exit_code == 0


def _all_options():
    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")
        for param in command.params:
            yield path, param

    yield from walk(typer.main.get_command(app), "enhancerlm")


def test_no_help_text_is_eaten_as_rich_markup():
    # Rich reads "[default: x]" or "[red]" as a style tag and drops it from --help: write "(default: x)".
    import re

    tag = re.compile(r"\[[a-z#/@]")
    eaten = [(path, p.name) for path, p in _all_options() if tag.search(getattr(p, "help", None) or "")]
    assert not eaten
    assert sum(1 for _ in _all_options()) > 100  # the walk reached every command's options


def _commands_with_out():
    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])
        if any(p.name == "out" for p in command.params):
            yield path

    return list(walk(typer.main.get_command(app), []))


def test_every_out_is_checked_before_any_work(tmp_path):
    # A parent that is a file: the output cannot be written on any system, as any user.
    afile = tmp_path / "a.fa"
    afile.write_text(">a\nACGTACGT\n")
    bad = afile / "out"
    run_args = ["--train", f"{afile}:x", "--test", f"{afile}:y", "--backbone", "kmer-lr"]
    commands = _commands_with_out()
    assert len(commands) >= 13  # run, demo, pretrain, predict, embed, explain, scan, variants, mutagenesis, data x4
    for command in commands:
        # --out first: it is checked before any other option, so the other required ones may be missing
        args = [*command, "--out", str(bad), *(run_args if command == ["run"] else [])]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (command, result.output)
        assert f"error: --out {bad}: {afile} is a file" in result.output, (command, result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.fa"]


def test_predict_refuses_an_unwritable_out_before_loading_the_model(tmp_path, monkeypatch):
    import enhancerlm.models

    monkeypatch.setattr(enhancerlm.models, "load_classifier", lambda *a, **k: pytest.fail("model loaded"))
    fasta = tmp_path / "a.fa"
    fasta.write_text(">a\nACGTACGT\n")
    (tmp_path / "taken").mkdir()
    result = CliRunner().invoke(
        app, ["predict", "-m", str(tmp_path), "-i", str(fasta), "--out", str(tmp_path / "taken")]
    )
    assert result.exit_code == 2
    assert result.output.strip() == f"error: --out {tmp_path / 'taken'}: a folder is there; give a file name"
