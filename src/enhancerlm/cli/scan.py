"""``enhancerlm scan``: tile a genome into windows, score them, write a track and enhancer calls."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from enhancerlm.scan import ScanConfig, scan_genome


def scan(
    model: Path = typer.Option(..., "--model", "-m", help="Saved model folder (from `enhancerlm run`/`train`)."),
    genome: Path = typer.Option(..., "--genome", "-g", help="FASTA, plain or bgzip (.gz); indexed or indexable."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder; rerunning into it resumes a killed scan."),
    regions: Optional[Path] = typer.Option(None, "--regions", help="BED of regions to scan (default: everything)."),
    window_bp: Optional[int] = typer.Option(None, "--window-bp", help="Window length [default: 512 or the model's max]."),
    stride_bp: Optional[int] = typer.Option(None, "--stride-bp", help="Step between windows [default: window/2]."),
    rc: bool = typer.Option(False, "--rc/--no-rc", help="Average forward and reverse-complement scores."),
    threshold: float = typer.Option(0.5, "--threshold", help="Windows scoring at least this are enhancer calls."),
    min_length_bp: int = typer.Option(0, "--min-length-bp", help="Drop merged calls shorter than this."),
    merge_gap_bp: int = typer.Option(0, "--merge-gap-bp", help="Merge calls at most this far apart."),
    max_n_fraction: float = typer.Option(0.1, "--max-n-fraction", help="Skip windows with more non-ACGT than this."),
    chunk_windows: int = typer.Option(4096, "--chunk-windows", help="Windows per resumable chunk."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Windows per model call."),
    compile_model: bool = typer.Option(False, "--compile", help="torch.compile the model (long GPU scans)."),
    class_name: Optional[str] = typer.Option(None, "--class", help="Class to score [default: the positive class]."),
) -> None:
    """Scan a genome for enhancers: OUT/scores.bedgraph, OUT/enhancers.bed, OUT/summary.json.

    Multi-GPU or multi-process: `torchrun --nproc_per_node N -m enhancerlm.cli.main scan ...`
    or `accelerate launch --num_processes N -m enhancerlm.cli.main scan ...`.
    """
    config = ScanConfig(window_bp=window_bp, stride_bp=stride_bp, reverse_complement=rc, threshold=threshold,
                        min_length_bp=min_length_bp, merge_gap_bp=merge_gap_bp, max_n_fraction=max_n_fraction,
                        chunk_windows=chunk_windows, batch_size=batch_size, compile=compile_model,
                        class_name=class_name)
    result = scan_genome(model, genome, out, config, regions=regions)
    if result.summary is not None:
        s = result.summary
        typer.echo(f"scanned {s['region_bp']} bp: {s['n_windows_scored']} windows scored, "
                   f"{s['n_windows_skipped_n']} skipped (N), {s['n_enhancers']} enhancers "
                   f"({s['enhancer_bp']} bp) -> {out}/{', '.join(s['outputs'])}", err=True)


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
