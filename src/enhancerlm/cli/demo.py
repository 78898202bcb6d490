"""``enhancerlm demo``: the whole transfer story offline, on synthetic data, in about 10 minutes on 2 cores."""

from __future__ import annotations

import typer


def demo(
    out: str = typer.Option("demo-out", "--out", help="Output folder (must be new or empty)."),
    n_per_class: int = typer.Option(600, "--n-per-class", help="Synthetic sequences per class."),
    pretrain_steps: int = typer.Option(300, "--pretrain-steps", help="Masked-LM pre-training steps."),
    search_epochs: int = typer.Option(3, "--search-epochs", help="Epochs per search trial."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Synthetic data -> pre-train -> zero-shot -> search -> fine-tune -> test -> report."""
    from enhancerlm.experiment.demo import DemoConfig, run_demo

    cfg = DemoConfig(n_per_class=n_per_class, pretrain_steps=pretrain_steps, search_epochs=search_epochs, seed=seed)
    result = run_demo(out, cfg)
    typer.echo(f"report: {result.report}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
