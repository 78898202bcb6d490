"""``enhancerlm mutagenesis``: every single-base substitution of a genome region or of input sequences."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from enhancerlm.cli.options import writable_folder
from enhancerlm.errors import InputError


def mutagenesis(
    model: Path = typer.Option(..., "--model", "-m", help="Saved model folder (OUT/model of `enhancerlm run`) or OUT."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder.", callback=writable_folder),
    genome: Optional[Path] = typer.Option(None, "--genome", "-g", help="FASTA the --region is cut from."),
    region: Optional[str] = typer.Option(
        None, "--region", help="CHROM:START-END, 1-based inclusive (as genome browsers show), e.g. chr1:1,001-1,200."
    ),
    input_spec: Optional[str] = typer.Option(None, "--input", "-i", help="Input SPEC instead: PATH (FASTA/TSV/CSV)."),
    target: Optional[str] = typer.Option(
        None, "--class", help="Class whose log-odds change (default: the positive class)."
    ),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, help="Mutants per model call."),
) -> None:
    """Write OUT/mutagenesis.tsv (3 x L substitutions), max_abs_delta.bedgraph, logo.png and summary.json."""
    # imported late: `enhancerlm --help` stays fast
    from enhancerlm.api import load
    from enhancerlm.api import mutagenesis as run_mutagenesis
    from enhancerlm.sequences.spec import read_specs

    if (region is None) == (input_spec is None):
        raise InputError("give either --region CHROM:START-END (with --genome) or --input SPEC")
    if region is not None and genome is None:
        raise InputError("--region needs --genome FASTA")
    classifier = load(model, require_trained=True)
    table = None if input_spec is None else read_specs([input_spec], warn_below=classifier.min_bp)
    result = run_mutagenesis(
        classifier, table, genome=genome, region=region, out=out, target=target, batch_size=batch_size
    )
    typer.echo(f"{len(result)} substitutions of {result['id'].nunique()} sequence(s) -> {out}", err=True)


def register(app: typer.Typer) -> None:
    app.command("mutagenesis")(mutagenesis)
