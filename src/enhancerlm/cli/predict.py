"""``enhancerlm predict``: score every sequence of an input with a saved model, into a TSV."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Generator, Iterable, Optional

import typer

from enhancerlm.cli.data import MIN_LENGTH_HELP, STRICT_IDS_HELP
from enhancerlm.cli.options import genome_option, map_chroms_option, writable_file
from enhancerlm.config import QUANTIZE_HELP


class Aggregate(str, Enum):
    """How window probabilities of a long sequence become its probability."""

    mean = "mean"
    max = "max"


def predict(
    model: Path = typer.Option(
        ..., "--model", "-m", help="Saved model folder (OUT/model of `enhancerlm run`), or the run folder OUT."
    ),
    input_spec: str = typer.Option(
        ...,
        "--input",
        "-i",
        help="Input SPEC: FASTA, CSV/TSV table, folder, hf:OWNER/NAME, or a region file (BED, narrowPeak; "
        "with --genome); labels, if any, are ignored.",
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Output TSV: id, probability, prediction, p_<class> (written whole, or not at all on error).",
        callback=writable_file,
    ),
    batch_size: Optional[int] = typer.Option(
        None, "--batch-size", min=1, help="Windows per forward pass (default: 64 on CPU, 256 on GPU)."
    ),
    stride_bp: Optional[int] = typer.Option(
        None,
        "--stride-bp",
        min=1,
        help="Step, in bp, between windows of sequences longer than the model's window (default: half a window).",
    ),
    aggregate: Aggregate = typer.Option(
        Aggregate.mean,
        "--aggregate",
        help="Windows -> sequence: mean probabilities, or those of the highest-scoring window.",
    ),
    both_strands: bool = typer.Option(
        False, "--both-strands", help="Average each sequence's probabilities with those of its reverse complement."
    ),
    chunk_size: int = typer.Option(
        10_000, "--chunk-size", min=1, help="Records read and scored at a time (bounds memory)."
    ),
    strict_ids: bool = typer.Option(False, "--strict-ids", help=STRICT_IDS_HELP),
    min_length: Optional[int] = typer.Option(None, "--min-length", min=1, help=MIN_LENGTH_HELP),
    genome: Optional[Path] = genome_option(),
    map_chroms: bool = map_chroms_option(),
    quantize: str = typer.Option(
        "none", "--quantize", metavar="none|int8", help=QUANTIZE_HELP.replace("{default}", "none")
    ),
) -> None:
    """Write the class probabilities of every input sequence (long ones scored as windows).

    One row per record, in input order; a repeated id is written as NAME~2, NAME~3, ... (the renaming
    is logged). Records shorter than the model's k are scored on [CLS] [SEP] alone, with a warning.
    """
    from enhancerlm.api import load  # imported late: `enhancerlm --help` stays fast
    from enhancerlm.models.quantize import quantize as quantized
    from enhancerlm.predict import predict_to_tsv
    from enhancerlm.sequences.spec import Genome, iter_spec

    classifier = quantized(load(model, require_trained=True), quantize)
    # Shorter than k: no k-mer, so the model sees [CLS] [SEP] only; kept and counted, never dropped silently.
    chunks = iter_spec(
        input_spec,
        chunk_size,
        label_column=None,
        min_length=min_length,
        warn_below=classifier.min_bp,
        strict_ids=strict_ids,
        genome=Genome(genome, map_chroms),
    )
    # streamed in chunks (memory stays flat) through predict_table, the function enhancerlm.predict(...) calls too
    n = predict_to_tsv(
        classifier,
        _progress(chunks),
        out,
        batch_size=batch_size,
        stride_bp=stride_bp,
        aggregate=aggregate.value,
        both_strands=both_strands,
    )
    typer.echo(f"scored {n} sequences with {classifier.backbone}; written to {out}", err=True)


def _progress(chunks: Iterable, desc: str = "predict") -> Generator:
    """Pass chunks through, counting their sequences on stderr (a bar on a terminal, a line per chunk elsewhere)."""
    from enhancerlm.progress import progress_bar

    with progress_bar(unit="seq", desc=desc, leave=False) as bar:
        for chunk in chunks:
            yield chunk
            bar.update(len(chunk))


def register(app: typer.Typer) -> None:
    app.command("predict")(predict)
