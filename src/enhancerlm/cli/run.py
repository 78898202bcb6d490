"""``enhancerlm run``: the whole experiment in one command; every RunConfig key is a flag."""

from __future__ import annotations

from typing import Optional

import typer

from enhancerlm.cli.options import options_from
from enhancerlm.experiment.config import RunConfig, read_run_config


@options_from(RunConfig, unset=True, metavars={"train": "SPEC", "test": "SPEC"})
def run(config: Optional[str] = typer.Option(None, "--config", help="YAML file of RunConfig keys."), **flags) -> None:
    """Audit and dedup -> zero-shot -> search -> fine-tune -> test -> report, into --out."""
    from enhancerlm.experiment.pipeline import run_experiment

    cfg, sources = read_run_config(config, flags)
    result = run_experiment(cfg, sources)
    for warning in result.metrics.get("warnings", []):
        typer.echo(f"WARNING: {warning}", err=True)
    typer.echo(f"report: {result.report}", err=True)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
