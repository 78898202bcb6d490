"""``enhancerlm variants``: what does each variant of a VCF do to the model's enhancer score?"""

from __future__ import annotations

from pathlib import Path

import typer

from enhancerlm.cli.options import options_from, writable_folder
from enhancerlm.variants.config import VariantConfig


@options_from(VariantConfig, flags={"strict": "--strict", "map_chroms": "--map-chroms", "class_name": "--class"})
def variants(
    model: Path = typer.Option(..., "--model", "-m", help="Saved model folder (OUT/model of `enhancerlm run`) or OUT."),
    vcf: Path = typer.Option(..., "--vcf", help="VCF, VCF.gz, BCF, or TSV of chrom, pos (1-based), ref, alt[, id]."),
    genome: Path = typer.Option(..., "--genome", "-g", help="FASTA, plain or bgzip (.gz); indexed or indexable."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder; rerunning into it resumes a killed run.", callback=writable_folder
    ),
    **settings,
) -> None:
    """Score each variant's REF and ALT windows: OUT/variants.tsv, variants.vcf.gz, skipped.tsv, summary.json,
    top_variants.png.

    The REF window (the model's length, or --window-bp) has the REF allele centred; the ALT window starts
    at the same base and keeps the same length (indels: its right flank is extended or trimmed).
    delta = p_alt - p_ref; the top variants are ranked by |log-odds delta|.
    """
    from enhancerlm.api import score_variants  # imported late: `enhancerlm --help` stays fast

    config = VariantConfig.from_dict(settings)
    result = score_variants(model, vcf, genome, out, config=config)
    s = result.summary
    skipped = ", ".join(f"{n} {reason}" for reason, n in s["n_skipped"].items()) or "none"
    typer.echo(
        f"scored {s['n_scored']} of {s['n_alleles']} alleles ({s['n_records']} records; skipped: {skipped}) "
        f"-> {out}/{', '.join(s['outputs'])}",
        err=True,
    )
    for row in s["top"][:5]:
        typer.echo(
            f"  {row['id']}\t{row['chrom']}:{row['pos']} {row['ref']}>{row['alt']}\t"
            f"p_ref {row['p_ref']:.3f} p_alt {row['p_alt']:.3f} delta {row['delta']:+.3f} "
            f"log-odds delta {row['log_odds_delta']:+.2f}",
            err=True,
        )


def register(app: typer.Typer) -> None:
    app.command("variants")(variants)
