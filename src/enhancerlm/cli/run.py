"""``enhancerlm run``: the whole experiment in one command; every RunConfig key is a flag."""

from __future__ import annotations

import inspect
import typing
from dataclasses import MISSING, fields
from typing import Optional

import typer

from enhancerlm.experiment.config import RunConfig, read_run_config


def _option(f) -> tuple[inspect.Parameter, object]:
    """A typer option for one RunConfig field; None means "not given" so the config file can speak."""
    hint = typing.get_type_hints(RunConfig)[f.name]
    base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Union else hint
    flag = "--" + f.name.replace("_", "-")
    names = (f"{flag}/--no-{flag[2:]}",) if base is bool else (flag,)
    annotation = typing.List[typing.get_args(base)[0]] if typing.get_origin(base) is list else Optional[base]
    inner = typing.get_args(base)[0] if typing.get_origin(base) is list else base
    metavar = None if base is bool else "SPEC" if f.name in ("train", "test") else {"str": "TEXT", "int": "INTEGER", "float": "FLOAT"}[inner.__name__]
    default = typer.Option(None, *names, help=f.metadata.get("help", ""), show_default=False, metavar=metavar)
    return inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation), annotation


def run(config: Optional[str] = None, **flags) -> None:
    """Audit and dedup -> zero-shot -> search -> fine-tune -> test -> report, into --out."""
    from enhancerlm.experiment.pipeline import run_experiment

    cfg, sources = read_run_config(config, flags)
    result = run_experiment(cfg, sources)
    for warning in result.metrics.get("warnings", []):
        typer.echo(f"WARNING: {warning}", err=True)
    typer.echo(f"report: {result.report}", err=True)


def _signature() -> inspect.Signature:
    params = [inspect.Parameter("config", inspect.Parameter.KEYWORD_ONLY,
                                default=typer.Option(None, "--config", help="YAML file of RunConfig keys."),
                                annotation=Optional[str])]
    annotations = {"config": Optional[str], "return": None}
    for f in fields(RunConfig):
        param, annotation = _option(f)
        params.append(param)
        annotations[f.name] = annotation
    run.__annotations__ = annotations
    return inspect.Signature(params)


run.__signature__ = _signature()


def register(app: typer.Typer) -> None:
    app.command("run")(run)
