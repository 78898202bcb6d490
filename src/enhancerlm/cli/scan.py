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
            f"{s['n_windows_skipped_n']} skipped (N), {s['n_enhancers']} enhancers "
            f"({s['enhancer_bp']} bp) -> {out}/{', '.join(s['outputs'])}",
            err=True,
        )


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
