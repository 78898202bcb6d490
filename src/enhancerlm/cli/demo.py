"""``enhancerlm demo``: the whole transfer story offline, on synthetic data, in about 10 minutes on 2 cores."""

from __future__ import annotations

import dataclasses
from typing import Optional

import typer

from enhancerlm.cli.options import writable_folder


def demo(
    out: str = typer.Option(
        "demo-out", "--out", help="Output folder (must be new or empty).", callback=writable_folder
    ),
    n_per_class: Optional[int] = typer.Option(None, "--n-per-class", help="Synthetic sequences per class."),
    pretrain_steps: Optional[int] = typer.Option(None, "--pretrain-steps", help="Masked-LM pre-training steps."),
    search_epochs: Optional[int] = typer.Option(None, "--search-epochs", help="Epochs per search trial."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of data, pre-training and the run."),
) -> None:
    """Synthetic data -> pre-train -> zero-shot -> search -> fine-tune -> test -> report."""
    from enhancerlm.experiment.demo import DemoConfig, run_demo

    given = {"n_per_class": n_per_class, "pretrain_steps": pretrain_steps, "search_epochs": search_epochs, "seed": seed}
    cfg = dataclasses.replace(DemoConfig(), **{k: v for k, v in given.items() if v is not None})
    result = run_demo(out, cfg)
    typer.echo(f"report: {result.report}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
