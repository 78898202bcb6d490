"""``enhancerlm run``: the whole experiment in one command; every RunConfig key is a flag."""

from __future__ import annotations

import inspect
from typing import Optional

import typer

from enhancerlm.cli.options import unset_parameters
from enhancerlm.experiment.config import RunConfig, read_run_config


def run(config: Optional[str] = None, **flags) -> None:
    """Audit and dedup -> zero-shot -> search -> fine-tune -> test -> report, into --out."""
    from enhancerlm.experiment.pipeline import run_experiment

    cfg, sources = read_run_config(config, flags)
    result = run_experiment(cfg, sources)
    for warning in result.metrics.get("warnings", []):
        typer.echo(f"WARNING: {warning}", err=True)
    typer.echo(f"report: {result.report}", err=True)


def _signature() -> inspect.Signature:
    params = [
        inspect.Parameter(
            "config",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(None, "--config", help="YAML file of RunConfig keys."),
            annotation=Optional[str],
        )
    ]
    params += unset_parameters(RunConfig, metavars={"train": "SPEC", "test": "SPEC"})
    run.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    return inspect.Signature(params)


run.__signature__ = _signature()  # type: ignore[attr-defined]  # typer reads it; functions have no such attribute in typeshed


def register(app: typer.Typer) -> None:
    app.command("run")(run)
