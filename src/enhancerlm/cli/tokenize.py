"""``enhancerlm tokenize``: print token ids (or k-mers) per sequence, a debugging aid."""

from __future__ import annotations

from typing import List

import typer


def tokenize(
    inputs: List[str] = typer.Argument(..., help="Input SPEC(s): PATH or PATH:LABEL (FASTA, CSV/TSV, ...)."),
    backbone: str = typer.Option("dnabert-6", "--backbone", "-b", help="Registry name or model folder."),
    tokens: bool = typer.Option(False, "--tokens", help="Print k-mer strings instead of ids."),
) -> None:
    """Print one line per sequence: its space-separated token ids (stdout), as the model sees them."""
    from enhancerlm.models.registry import create_encoder
    from enhancerlm.sequences.spec import read_specs

    table = read_specs(list(inputs))
    encoder = create_encoder(backbone)
    for ids in encoder.encode_batch(table["sequence"].tolist()):
        words = [encoder.vocab[i] for i in ids] if tokens else [str(i) for i in ids]
        typer.echo(" ".join(words))


def register(app: typer.Typer) -> None:
    app.command("tokenize")(tokenize)
