"""``enhancerlm serve``: a local web page to paste or upload sequences, see calls and explanations."""

from __future__ import annotations

from pathlib import Path

import typer

from enhancerlm.cli.options import config_option
from enhancerlm.serve.limits import ServeLimits

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    model: Path = typer.Option(
        ...,
        "--model",
        "-m",
        help="Saved model folder: OUT/model of `enhancerlm run` (or OUT itself); the run folder feeds the model card.",
    ),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on; the default is this machine only (0.0.0.0: every network)."
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port (0: any free port)."),
    max_request_mb: float = config_option(ServeLimits, "max_request_mb", min=0.001),
    max_sequences: int = config_option(ServeLimits, "max_sequences", min=1),
    max_total_bp: int = config_option(ServeLimits, "max_total_bp", min=1),
    max_explain_bp: int = config_option(ServeLimits, "max_explain_bp", min=1),
    queue_size: int = config_option(ServeLimits, "queue_size", min=1),
    jobs_kept: int = config_option(ServeLimits, "jobs_kept", min=1),
) -> None:
    """Serve the model on a web page: paste FASTA or raw sequences, or upload FASTA/CSV/TSV.

    The page shows a sortable table (id, length, probability, call, novel/duplicate against the
    training set), a score histogram, a TSV download, and per sequence its attribution track, top
    JASPAR matches and window scores; beside it the model card from the run folder. Scoring and
    attribution run on a worker each behind bounded queues; a long attribution shows its progress and
    can be cancelled. Listens on 127.0.0.1 unless --host says otherwise.
    """
    import uvicorn  # imported late: `enhancerlm --help` stays fast

    from enhancerlm.serve.app import create_app
    from enhancerlm.serve.served import load_served_model

    limits = ServeLimits(max_request_mb, max_sequences, max_total_bp, max_explain_bp, queue_size, jobs_kept)
    served = load_served_model(model)
    if host not in LOOPBACK:
        typer.echo(f"warning: listening on {host}: anyone who can reach this machine can use the page", err=True)
    app = create_app(served, limits)
    typer.echo(f"serving {served.classifier.backbone} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
