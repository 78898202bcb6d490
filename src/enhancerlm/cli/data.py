"""``enhancerlm data``: leakage audit, leakage-free train/val/test preparation, synthetic data."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from enhancerlm.data.near_duplicates import DEFAULT_K, DEFAULT_NUM_PERM, DEFAULT_THRESHOLD, MinHashLSH

data_app = typer.Typer(help="Audit train/test leakage, prepare leakage-free splits, make synthetic data.",
                       no_args_is_help=True)

_SPEC_HELP = "Input SPEC: PATH (table with labels) or PATH:LABEL (e.g. enh.fa:enhancer); repeat the option per input."
_THRESHOLD_HELP = "Near duplicate: canonical k-mer Jaccard at or above this (0.5 ~ 95% identity or 2/3 overlap)."


def _read(specs: list[str], split: str, require_labels: bool = False):
    from enhancerlm.sequences.spec import read_specs  # imported late: `enhancerlm --help` stays fast

    return read_specs(specs, split, require_labels=require_labels)


@data_app.command("audit")
def audit(
    train: List[str] = typer.Option(..., "--train", help=_SPEC_HELP),
    test: List[str] = typer.Option(..., "--test", help=_SPEC_HELP),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (replaced whole, or left untouched on error)."),
    near_threshold: float = typer.Option(DEFAULT_THRESHOLD, "--near-threshold", help=_THRESHOLD_HELP),
    kmer: int = typer.Option(DEFAULT_K, "--kmer", help="k-mer size (bp) for near duplicates."),
    num_perm: int = typer.Option(DEFAULT_NUM_PERM, "--num-perm", help="MinHash functions."),
    positive: Optional[str] = typer.Option(None, "--positive", help="Positive class for the GC AUROC."),
    seed: int = typer.Option(0, "--seed", help="Seed of the MinHash functions."),
) -> None:
    """Report test records that duplicate training records (exact, reverse complement, near) and GC bias.

    Writes OUT/audit.json, OUT/audit.md, OUT/gc_histogram.png and OUT/length_histogram.png.
    """
    from enhancerlm.data.audit_report import write_audit

    report = write_audit(_read(train, "train"), _read(test, "test"), out, k=kmer, near_threshold=near_threshold,
                         num_perm=num_perm, seed=seed, positive=positive)
    n = report.n_test
    typer.echo(f"test records {n}: exact {report.exact_duplicates}, revcomp {report.revcomp_duplicates}, "
               f"near {report.near_duplicates}, novel {report.n_novel} ({100 * report.n_novel / n:.1f}%); "
               f"GC AUROC {report.gc_auroc if report.gc_auroc is None else round(report.gc_auroc, 3)}; "
               f"written to {out}", err=True)


@data_app.command("prepare")
def prepare(
    train: List[str] = typer.Option(..., "--train", help=_SPEC_HELP),
    test: Optional[List[str]] = typer.Option(None, "--test", help=_SPEC_HELP),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (replaced whole, or left untouched on error)."),
    dedup: str = typer.Option("exact", "--dedup", help="Drop training duplicates of test records: none, exact "
                              "(exact + reverse complement) or near (also near duplicates)."),
    resplit: bool = typer.Option(False, "--resplit", help="Re-split train+test by homology clusters."),
    test_fraction: float = typer.Option(0.2, "--test-fraction", help="Test share per class with --resplit."),
    subsample: Optional[int] = typer.Option(None, "--subsample", help="Also write subset.tsv: N records per class."),
    val_fraction: float = typer.Option(0.2, "--val-fraction", help="Stratified validation share (0: none)."),
    near_threshold: float = typer.Option(DEFAULT_THRESHOLD, "--near-threshold", help=_THRESHOLD_HELP),
    kmer: int = typer.Option(DEFAULT_K, "--kmer", help="k-mer size (bp) for near duplicates."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice."),
) -> None:
    """Write leakage-free train.tsv, val.tsv, test.tsv (+ subset.tsv), removed.tsv and manifest.json."""
    from enhancerlm.data.prepare import prepare as run_prepare
    from enhancerlm.data.prepare import write_prepared

    params = MinHashLSH(k=kmer, threshold=near_threshold, seed=seed)
    train_table = _read(train, "train", require_labels=True)
    test_table = _read(test, "test", require_labels=True) if test else None
    prepared = run_prepare(train_table, test_table, dedup=dedup, resplit=resplit, test_fraction=test_fraction,
                           subsample=subsample, val_fraction=val_fraction, params=params, seed=seed)
    manifest = write_prepared(prepared, out)
    counts = ", ".join(f"{name} {entry['n_records']}" for name, entry in manifest["files"].items())
    typer.echo(f"{counts}; written to {out}", err=True)


@data_app.command("synthetic")
def synthetic(
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (replaced whole, or left untouched on error)."),
    n_per_class: int = typer.Option(500, "--n-per-class", help="Sequences per class."),
    length_bp: int = typer.Option(200, "--length-bp", help="Sequence length (bp)."),
    seed: int = typer.Option(0, "--seed"),
    min_sites: int = typer.Option(2, "--min-sites", help="Fewest motif sites per enhancer."),
    max_sites: int = typer.Option(4, "--max-sites", help="Most motif sites per enhancer."),
    decoy_rate: float = typer.Option(0.25, "--decoy-rate", help="Share of not-enhancers with one intact motif."),
    gc_matched: bool = typer.Option(True, "--gc-matched/--no-gc-matched",
                                    help="Give not-enhancers shuffled sites of matching composition."),
    motif: Optional[List[str]] = typer.Option(None, "--motif", help="JASPAR matrix id (repeat); default: 6 built in."),
    background_fasta: Optional[str] = typer.Option(None, "--background-fasta",
                                                   help="Fit the Markov background on this FASTA/SPEC."),
    markov_order: int = typer.Option(2, "--markov-order", help="Order (1-3) when fitting --background-fasta."),
) -> None:
    """Write enhancers.fa and background.fa (use as DIR/enhancers.fa:enhancer DIR/background.fa:not_enhancer),
    planted.tsv (motif sites, 0-based half-open) and motifs.json."""
    from enhancerlm.data.motifs import load_motifs
    from enhancerlm.data.synthetic import MarkovBackground, make_synthetic, write_synthetic

    background = (MarkovBackground.fit(_read([background_fasta], "")["sequence"].tolist(), markov_order)
                  if background_fasta else None)
    data = make_synthetic(n_per_class, length_bp, seed, motifs=load_motifs(motif) if motif else None,
                          background=background, n_sites=(min_sites, max_sites), decoy_rate=decoy_rate,
                          gc_matched=gc_matched)
    write_synthetic(data, out)
    typer.echo(f"{len(data.table)} sequences, {len(data.planted)} planted sites; written to {out}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
