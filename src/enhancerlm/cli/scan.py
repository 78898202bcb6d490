"""``enhancerlm scan``: tile a genome into windows, score them, write a track and enhancer calls."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from enhancerlm.cli.options import options_from, writable_folder
from enhancerlm.scan.config import ScanConfig


@options_from(ScanConfig, flags={"compile": "--compile", "class_name": "--class"})
def scan(
    model: Path = typer.Option(..., "--model", "-m", help="Saved model folder (OUT/model of `enhancerlm run`) or OUT."),
    genome: Path = typer.Option(..., "--genome", "-g", help="FASTA, plain or bgzip (.gz); indexed or indexable."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder; rerunning into it resumes a killed scan.", callback=writable_folder
    ),
    regions: Optional[Path] = typer.Option(None, "--regions", help="BED of regions to scan (default: everything)."),
    rc: bool = typer.Option(False, "--rc/--no-rc", hidden=True, help="Deprecated alias of --both-strands."),
    **settings,
) -> None:
    """Scan a genome for enhancers: OUT/scores.bedgraph, OUT/enhancers.bed, OUT/summary.json.

    A multi-label model writes a track and calls per label (OUT/scores.<label>.bedgraph, .bw,
    OUT/enhancers.<label>.bed); a regression model a track per target, calls only with --threshold.

    Multi-GPU or multi-process: `torchrun --nproc_per_node N -m enhancerlm.cli.main scan ...`
    or `accelerate launch --num_processes N -m enhancerlm.cli.main scan ...`.
    """
    from enhancerlm.api import scan_genome  # imported late: `enhancerlm --help` stays fast

    if rc:
        typer.echo("WARNING: --rc is deprecated; use --both-strands", err=True)
    config = ScanConfig.from_dict({**settings, "both_strands": settings["both_strands"] or rc})
    result = scan_genome(model, genome, out, regions=regions, config=config)
    if result.summary is not None:
        s = result.summary
        typer.echo(
            f"scanned {s['region_bp']} bp: {s['n_windows_scored']} windows scored, "
            f"{s['n_windows_skipped_n']} skipped (N), {_calls(s)} -> {out}/{', '.join(s['outputs'])}",
            err=True,
        )


def _calls(summary: dict) -> str:
    """The calls in words: how many, per label of a multi-label model, or why there are none (regression)."""
    tracks = summary.get("tracks")
    if tracks and all(t["bed"] is None for t in tracks):
        return "no calls (a regression model's values: --threshold VALUE calls the windows at or above it)"
    total = f"{summary['n_enhancers']} enhancers ({summary['enhancer_bp']} bp)"
    if not tracks:
        return total
    return total + " [" + ", ".join(f"{t['name']} {t['n_enhancers']}" for t in tracks) + "]"


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
