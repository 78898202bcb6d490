"""``enhancerlm explain``: which bases and motifs make a model call a sequence an enhancer."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from enhancerlm.cli.data import MIN_LENGTH_HELP, STRICT_IDS_HELP


class Method(str, Enum):
    """Per-base attribution methods."""

    ism = "ism"
    ig = "ig"
    attention = "attention"


def _config(config_file: Optional[Path], flags: dict):
    """defaults < config file (its ``explain:`` section, or the whole file) < flags that were given."""
    import yaml

    from enhancerlm.errors import ConfigError
    from enhancerlm.interpret import ExplainConfig

    data = {}
    if config_file is not None:
        loaded = yaml.safe_load(config_file.read_text()) or {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{config_file}: expected a mapping of explain settings")
        data = dict(loaded.get("explain", loaded))
    data.update({k: v for k, v in flags.items() if v is not None})
    return ExplainConfig.from_dict(data)


def explain(
    model: Path = typer.Option(..., "--model", "-m", help="Saved model folder (OUT/model of `enhancerlm run`)."),
    inputs: List[str] = typer.Option(..., "--input", "-i", help="Input SPEC (repeatable): PATH or PATH:LABEL; "
                                     "labels split the motif counts by class."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (replaced whole, or left as it was on error)."),
    methods: Optional[List[Method]] = typer.Option(None, "--method", help="Attribution method (repeatable; "
                                                   "default ism). The first one drives motif discovery."),
    max_seqs: Optional[int] = typer.Option(None, "--max-seqs", min=1, help="Explain at most N sequences "
                                           "(seeded random subset; default 1000)."),
    n_plots: Optional[int] = typer.Option(None, "--n-plots", min=0, help="Attribution-track PNGs (default 10)."),
    motifs: Optional[bool] = typer.Option(None, "--motifs/--no-motifs", help="Discover motifs and match them "
                                          "to JASPAR (default on)."),
    target: Optional[str] = typer.Option(None, "--target", help="Class to explain (default: the positive class)."),
    rc_seqs: Optional[int] = typer.Option(None, "--rc-seqs", min=0, help="Sequences checked for reverse-"
                                          "complement consistency (default 50)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, help="Inference batch size."),
    jaspar_release: Optional[str] = typer.Option(None, "--jaspar-release", help="e.g. JASPAR2024 (default: newest "
                                                 "bundled with pyjaspar)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of sampling and shuffles (default 0)."),
    config_file: Optional[Path] = typer.Option(None, "--config", exists=True, dir_okay=False,
                                               help="YAML with explain settings (flags override it)."),
    strict_ids: bool = typer.Option(False, "--strict-ids", help=STRICT_IDS_HELP),
    min_length: Optional[int] = typer.Option(None, "--min-length", min=1, help=MIN_LENGTH_HELP),
) -> None:
    """Write attribution tracks (TSV, PNG), top mutations, motifs matched to JASPAR, logos and explain.html.

    A repeated id is renamed NAME~2, NAME~3, ... (logged); every table also has the row number seq_index.
    """
    from enhancerlm.interpret import explain as run_explain  # imported late: `enhancerlm --help` stays fast
    from enhancerlm.models import load_classifier
    from enhancerlm.sequences.spec import read_specs

    config = _config(config_file, {
        "methods": [m.value for m in methods] if methods else None, "max_seqs": max_seqs, "n_plots": n_plots,
        "motifs": motifs, "target": target, "rc_seqs": rc_seqs, "batch_size": batch_size,
        "jaspar_release": jaspar_release, "seed": seed})
    classifier = load_classifier(model)
    k = getattr(getattr(classifier, "encoder", None), "k", None)
    table = read_specs(list(inputs), min_length=min_length, warn_below=k, strict_ids=strict_ids)
    result = run_explain(classifier, table, out, config)
    typer.echo(f"explained {len(result.table)} sequences with {classifier.backbone} "
               f"({', '.join(config.methods)}); {len(result.motifs)} motifs; see {out / 'explain.html'}", err=True)


def register(app: typer.Typer) -> None:
    app.command("explain")(explain)
