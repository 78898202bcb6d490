"""``enhancerlm scan``: tile a genome into windows, score them, write a track and enhancer calls."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from enhancerlm.cli.options import config_option, writable_folder
from enhancerlm.scan.config import ScanConfig


def scan(
    model: Path = typer.Option(..., "--model", "-m", help="Saved model folder (OUT/model of `enhancerlm run`) or OUT."),
    genome: Path = typer.Option(..., "--genome", "-g", help="FASTA, plain or bgzip (.gz); indexed or indexable."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder; rerunning into it resumes a killed scan.", callback=writable_folder
    ),
    regions: Optional[Path] = typer.Option(None, "--regions", help="BED of regions to scan (default: everything)."),
    window_bp: Optional[int] = config_option(ScanConfig, "window_bp"),
    stride_bp: Optional[int] = config_option(ScanConfig, "stride_bp"),
    both_strands: bool = config_option(ScanConfig, "both_strands"),
    rc: bool = typer.Option(False, "--rc/--no-rc", hidden=True, help="Deprecated alias of --both-strands."),
    threshold: float = config_option(ScanConfig, "threshold"),
    min_length_bp: int = config_option(ScanConfig, "min_length_bp"),
    merge_gap_bp: int = config_option(ScanConfig, "merge_gap_bp"),
    max_n_fraction: float = config_option(ScanConfig, "max_n_fraction"),
    chunk_windows: int = config_option(ScanConfig, "chunk_windows"),
    batch_size: Optional[int] = config_option(ScanConfig, "batch_size"),
    compile_model: bool = config_option(ScanConfig, "compile", "--compile"),
    class_name: Optional[str] = config_option(ScanConfig, "class_name", "--class"),
    quantize: str = config_option(ScanConfig, "quantize", metavar="none|int8"),
) -> None:
    """Scan a genome for enhancers: OUT/scores.bedgraph, OUT/enhancers.bed, OUT/summary.json.

    Multi-GPU or multi-process: `torchrun --nproc_per_node N -m enhancerlm.cli.main scan ...`
    or `accelerate launch --num_processes N -m enhancerlm.cli.main scan ...`.
    """
    from enhancerlm.api import scan_genome  # imported late: `enhancerlm --help` stays fast

    if rc:
        typer.echo("WARNING: --rc is deprecated; use --both-strands", err=True)
    config = ScanConfig(
        window_bp=window_bp,
        stride_bp=stride_bp,
        both_strands=both_strands or rc,
        threshold=threshold,
        min_length_bp=min_length_bp,
        merge_gap_bp=merge_gap_bp,
        max_n_fraction=max_n_fraction,
        chunk_windows=chunk_windows,
        batch_size=batch_size,
        compile=compile_model,
        class_name=class_name,
        quantize=quantize,
    )
    result = scan_genome(model, genome, out, regions=regions, config=config)
    if result.summary is not None:
        s = result.summary
        typer.echo(
            f"scanned {s['region_bp']} bp: {s['n_windows_scored']} windows scored, "
            f"{s['n_windows_skipped_n']} skipped (N), {s['n_enhancers']} enhancers "
            f"({s['enhancer_bp']} bp) -> {out}/{', '.join(s['outputs'])}",
            err=True,
        )


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
