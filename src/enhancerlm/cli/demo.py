"""``enhancerlm demo``: the whole transfer story offline, on synthetic data, in about 10 minutes on 2 cores."""

from __future__ import annotations

import typer

from enhancerlm.cli.options import options_from, writable_folder
from enhancerlm.experiment.config import DemoConfig


@options_from(DemoConfig)
def demo(
    out: str = typer.Option(
        "demo-out", "--out", help="Output folder (must be new or empty).", callback=writable_folder
    ),
    **settings,
) -> None:
    """Synthetic data -> pre-train -> zero-shot -> search -> fine-tune -> test -> report."""
    from enhancerlm.experiment.demo import run_demo  # imported late: `enhancerlm --help` stays fast

    result = run_demo(out, DemoConfig.from_dict(settings))
    typer.echo(f"report: {result.report}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
