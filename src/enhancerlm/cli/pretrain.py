"""``enhancerlm pretrain``: DNABERT-style masked-language-model pre-training on FASTA files."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from enhancerlm.cli.options import options_from, writable_folder
from enhancerlm.train.pretrain_config import PretrainConfig


@options_from(PretrainConfig, flags={"use_cpu": "--cpu"})
def pretrain(
    fasta: List[Path] = typer.Option(..., "--fasta", help="FASTA file(s), plain or gzip; repeat for more."),
    backbone: str = typer.Option(
        ..., "--backbone", "-b", help="tiny-dnabert-6 (random init), or a DNABERT folder / hub id to continue."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (hub layout, history, checkpoints/).", callback=writable_folder
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its last checkpoint."),
    **settings,
) -> None:
    """Pre-train (or continue pre-training) a DNABERT model by masked language modelling on k-mer spans."""
    from enhancerlm.formatting import metric
    from enhancerlm.train.pretrain import pretrain as run_pretraining  # imported late: `--help` stays fast

    result = run_pretraining(fasta, backbone, out, PretrainConfig.from_dict(settings), resume=resume)
    scores = " ".join(f"{name}={metric(value)}" for name, value in result.final_metrics.items())
    typer.echo(
        f"pre-trained model: {result.out_dir} ({result.global_step} steps, "
        f"{result.tokens_seen} tokens) {scores}".rstrip(),
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("pretrain")(pretrain)
