"""``enhancerlm explain``: which bases and motifs make a model call a sequence an enhancer."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from enhancerlm.cli.data import MIN_LENGTH_HELP, STRICT_IDS_HELP
from enhancerlm.cli.options import genome_option, map_chroms_option, options_from, writable_folder
from enhancerlm.config import load_yaml
from enhancerlm.errors import ConfigError
from enhancerlm.interpret.config import METHODS, ExplainConfig


def _config(config_file: Optional[Path], flags: dict):
    """defaults < config file (its ``explain:`` section, or the whole file) < flags that were given."""
    data = {}
    if config_file is not None:
        loaded = load_yaml(config_file)
        section = loaded.get("explain", loaded)
        if not isinstance(section, dict):
            raise ConfigError(f"{config_file}: expected a mapping of explain settings")
        data = dict(section)
    data.update({k: v for k, v in flags.items() if v is not None and v != []})
    return ExplainConfig.from_dict(data)


# Every option defaults to None, "not given", so that a --config file can set it (its help names the real default).
@options_from(ExplainConfig, unset=True, flags={"methods": "--method"}, metavars={"methods": "|".join(METHODS)})
def explain(
    model: Path = typer.Option(
        ..., "--model", "-m", help="Saved model folder (OUT/model of `enhancerlm run`), or the run folder OUT."
    ),
    inputs: List[str] = typer.Option(
        ...,
        "--input",
        "-i",
        help="Input SPEC (repeatable): PATH or PATH:LABEL; labels split the motif counts by class.",
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (replaced whole, or left as it was on error).", callback=writable_folder
    ),
    config_file: Optional[Path] = typer.Option(
        None, "--config", exists=True, dir_okay=False, help="YAML with explain settings (flags override it)."
    ),
    strict_ids: bool = typer.Option(False, "--strict-ids", help=STRICT_IDS_HELP),
    min_length: Optional[int] = typer.Option(None, "--min-length", min=1, help=MIN_LENGTH_HELP),
    genome: Optional[Path] = genome_option(),
    map_chroms: bool = map_chroms_option(),
    **settings,
) -> None:
    """Write attribution tracks (TSV, PNG), top mutations, motifs matched to JASPAR, logos and explain.html.

    A repeated id is renamed NAME~2, NAME~3, ... (logged); every table also has the row number seq_index.
    """
    from enhancerlm.api import explain as run_explain  # imported late: `enhancerlm --help` stays fast
    from enhancerlm.api import load
    from enhancerlm.sequences.spec import Genome, read_specs

    config = _config(config_file, settings)
    classifier = load(model, require_trained=True)
    table = read_specs(
        list(inputs),
        min_length=min_length,
        warn_below=classifier.min_bp,
        strict_ids=strict_ids,
        genome=Genome(genome, map_chroms),
    )
    result = run_explain(classifier, table, out, config=config)
    typer.echo(
        f"explained {len(result.table)} sequences with {classifier.backbone} "
        f"({', '.join(config.methods)}); {len(result.motifs)} motifs; see {out / 'explain.html'}",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("explain")(explain)
