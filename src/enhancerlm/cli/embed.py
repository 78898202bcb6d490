"""``enhancerlm embed``: one frozen embedding per input record, into FILE.npy + FILE.ids.tsv (resumable)."""

from __future__ import annotations

import contextlib
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from enhancerlm.cli.data import MIN_LENGTH_HELP, STRICT_IDS_HELP
from enhancerlm.cli.options import genome_option, map_chroms_option, writable_file
from enhancerlm.config import QUANTIZE_HELP


class Pooling(str, Enum):
    """How a window's token hidden states become one vector."""

    mean = "mean"
    cls = "cls"


def embed(
    backbone: str = typer.Option(
        ..., "--backbone", "-b", help="Registry name, hub id, or model folder (a `run` OUT/model, a pre-trained one)."
    ),
    inputs: List[str] = typer.Option(
        ..., "--input", "-i", help="Input SPEC: FASTA, CSV/TSV table, folder or hf:OWNER/NAME; repeat per input."
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Output FILE.npy: float32 matrix, one row per record in input order; FILE.ids.tsv beside it "
        "holds row, id, label (when the input has labels), length_bp.",
        callback=writable_file,
    ),
    pooling: Pooling = typer.Option(
        Pooling.mean, "--pooling", help="mean: over the sequence's own tokens (no [CLS]/[SEP], no padding); cls: [CLS]."
    ),
    layers: List[int] = typer.Option(
        [-1],
        "--layer",
        help="Hidden layer: -1 the last, 0 the embedding output, 1..n after layer n; repeat to average several.",
    ),
    batch_size: Optional[int] = typer.Option(
        None, "--batch-size", min=1, help="Windows per forward pass (default: 64 on CPU, 256 on GPU)."
    ),
    chunk_size: int = typer.Option(
        10_000, "--chunk-size", min=1, help="Records read, embedded and saved at a time (bounds memory; resume unit)."
    ),
    stride_bp: Optional[int] = typer.Option(
        None,
        "--stride-bp",
        min=1,
        help="Step, in bp, between windows of records longer than the model's window (default: half a window).",
    ),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help="Allow a hub model's own code to run."),
    strict_ids: bool = typer.Option(False, "--strict-ids", help=STRICT_IDS_HELP),
    min_length: Optional[int] = typer.Option(None, "--min-length", min=1, help=MIN_LENGTH_HELP),
    genome: Optional[Path] = genome_option(),
    map_chroms: bool = map_chroms_option(),
    quantize: str = typer.Option(
        "none", "--quantize", metavar="none|int8", help=QUANTIZE_HELP.replace("{default}", "none")
    ),
) -> None:
    """Write a frozen embedding of every input record (long ones pooled over windows, weighted by bp).

    Output: a .npy matrix (memory-mappable with numpy alone, float32 bits kept exactly) and its
    .ids.tsv. A killed run continues where it stopped when started again with the same command
    (finished chunks wait in FILE.npy.parts/); other settings are refused there.
    """
    from enhancerlm.cli.predict import _progress  # imported late: `enhancerlm --help` stays fast
    from enhancerlm.embeddings import embed_to_files, load_backbone
    from enhancerlm.embeddings.store import embed_manifest, output_paths
    from enhancerlm.models.quantize import quantize as quantized
    from enhancerlm.sequences.spec import Genome, iter_specs

    output_paths(out)  # a wrong --out is an error before the model loads
    classifier = quantized(load_backbone(backbone, trust_remote_code=trust_remote_code), quantize)
    settings = {
        "pooling": pooling.value,
        "layers": list(layers),
        "stride_bp": stride_bp,
        "batch_size": batch_size,
        "chunk_size": chunk_size,
        "min_length": min_length,
        "strict_ids": strict_ids,
        "quantize": quantize,  # int8 vectors differ slightly from fp32 ones: a resume must not mix them
    }
    manifest = embed_manifest(backbone, inputs, settings, classifier.device.type)
    chunks = iter_specs(
        inputs,
        chunk_size,
        min_length=min_length,
        warn_below=classifier.min_bp,
        strict_ids=strict_ids,
        genome=Genome(genome, map_chroms),
    )
    with contextlib.closing(_progress(chunks, "embed")) as stream:  # the reader's summary is logged now, not at exit
        n = embed_to_files(
            classifier,
            stream,
            out,
            manifest,
            pooling=pooling.value,
            layers=tuple(layers),
            batch_size=batch_size,
            stride_bp=stride_bp,
        )
    typer.echo(f"embedded {n} sequences with {classifier.backbone}; written to {out}", err=True)


def register(app: typer.Typer) -> None:
    app.command("embed")(embed)
