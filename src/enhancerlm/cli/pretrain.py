"""``enhancerlm pretrain``: DNABERT-style masked-language-model pre-training on FASTA files."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from enhancerlm.cli.options import writable_folder


def pretrain(
    fasta: List[Path] = typer.Option(..., "--fasta", help="FASTA file(s), plain or gzip; repeat for more."),
    backbone: str = typer.Option(
        ..., "--backbone", "-b", help="tiny-dnabert-6 (random init), or a DNABERT folder / hub id to continue."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (hub layout, history, checkpoints/).", callback=writable_folder
    ),
    epochs: int = typer.Option(1, "--epochs", help="Passes over the training crops."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Optimizer steps; overrides --epochs."),
    lr: float = typer.Option(4e-4, "--lr", help="Peak learning rate (use less to continue a pre-trained model)."),
    batch_size: int = typer.Option(32, "--batch-size", help="Crops per device per step."),
    seed: int = typer.Option(0, "--seed", help="Seeds weights, crops, masks, data order, dropout."),
    rc_augment: bool = typer.Option(
        False, "--rc-augment/--no-rc-augment", help="Reverse-complement half of the training crops."
    ),
    mask_rate: float = typer.Option(0.15, "--mask-rate", help="Fraction of k-mer tokens masked, in spans of k."),
    eval_fraction: float = typer.Option(0.1, "--eval-fraction", help="Fraction of each record's end held out."),
    eval_steps: Optional[int] = typer.Option(
        None, "--eval-steps", help="Evaluate and checkpoint every N steps (default: every epoch)."
    ),
    crop_bp: Optional[int] = typer.Option(None, "--crop-bp", help="Longest crop in bp (default: the model's)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its last checkpoint."),
    allow_bin_weights: bool = typer.Option(
        True,
        "--allow-bin-weights/--no-allow-bin-weights",
        help="Read pickle weights where a checkpoint has no safetensors, "
        "through torch's weights-only unpickler (no code runs).",
    ),
    cpu: bool = typer.Option(False, "--cpu", help="Train on the CPU even where a GPU is present."),
) -> None:
    """Pre-train (or continue pre-training) a DNABERT model by masked language modelling on k-mer spans."""
    from enhancerlm.formatting import metric
    from enhancerlm.train.pretrain import PretrainConfig
    from enhancerlm.train.pretrain import pretrain as run_pretraining

    config = PretrainConfig(
        epochs=epochs,
        max_steps=max_steps,
        lr=lr,
        batch_size=batch_size,
        seed=seed,
        rc_augment=rc_augment,
        mask_rate=mask_rate,
        eval_fraction=eval_fraction,
        eval_steps=eval_steps,
        crop_bp=crop_bp,
        allow_bin_weights=allow_bin_weights,
        use_cpu=cpu,
    )
    result = run_pretraining(fasta, backbone, out, config, resume=resume)
    scores = " ".join(f"{name}={metric(value)}" for name, value in result.final_metrics.items())
    typer.echo(
        f"pre-trained model: {result.out_dir} ({result.global_step} steps, "
        f"{result.tokens_seen} tokens) {scores}".rstrip(),
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("pretrain")(pretrain)
