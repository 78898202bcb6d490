"""``enhancerlm data``: leakage audit, leakage-free train/val/test preparation, synthetic data."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer

from enhancerlm.cli.options import config_field, config_option, writable_folder
from enhancerlm.data.leakage.near_duplicate_defaults import DEFAULT_K, DEFAULT_NUM_PERM, DEFAULT_THRESHOLD
from enhancerlm.data.peaks.build_config import BuildConfig, chrom_list
from enhancerlm.errors import ConfigError

data_app = typer.Typer(
    help="Audit train/test leakage, prepare leakage-free splits, make synthetic data.", no_args_is_help=True
)

_SPEC_HELP = "Input SPEC: PATH (table with labels) or PATH:LABEL (e.g. enh.fa:enhancer); repeat the option per input."
_THRESHOLD_HELP = "Near duplicate: canonical k-mer Jaccard at or above this (0.5 ~ 95% identity or 2/3 overlap)."
STRICT_IDS_HELP = (
    "Make an id repeated within a split (inside one file or across the files of one split) an "
    "error, instead of renaming later repeats NAME~2, NAME~3, ..."
)
MIN_LENGTH_HELP = "Drop records shorter than N bp (counted in a warning); default: keep every non-empty record."


def _read(
    specs: list[str],
    split: str,
    require_labels: bool = False,
    *,
    strict_ids: bool = False,
    min_length: Optional[int] = None,
):
    from enhancerlm.sequences.spec import read_specs  # imported late: `enhancerlm --help` stays fast

    return read_specs(specs, split, require_labels=require_labels, strict_ids=strict_ids, min_length=min_length)


@data_app.command("audit")
def audit(
    train: List[str] = typer.Option(..., "--train", help=_SPEC_HELP),
    test: List[str] = typer.Option(..., "--test", help=_SPEC_HELP),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (replaced whole, or left untouched on error).", callback=writable_folder
    ),
    near_threshold: float = typer.Option(DEFAULT_THRESHOLD, "--near-threshold", help=_THRESHOLD_HELP),
    kmer: int = typer.Option(DEFAULT_K, "--kmer", help="k-mer size (bp) for near duplicates."),
    num_perm: int = typer.Option(DEFAULT_NUM_PERM, "--num-perm", help="MinHash functions."),
    positive: Optional[str] = typer.Option(None, "--positive", help="Positive class for the GC AUROC."),
    seed: int = typer.Option(0, "--seed", help="Seed of the MinHash functions (and of --val-fraction's split)."),
    strict_ids: bool = typer.Option(False, "--strict-ids", help=STRICT_IDS_HELP),
    min_length: Optional[int] = typer.Option(None, "--min-length", min=1, help=MIN_LENGTH_HELP),
    val_fraction: float = typer.Option(
        0.0,
        "--val-fraction",
        help="Also report how many validation records a "
        "plain stratified split of train with this share would give a training "
        "twin (0: no such section).",
    ),
) -> None:
    """Report test records that duplicate training records (exact, reverse complement, near) and GC bias.

    Writes OUT/audit.json, OUT/audit.md, OUT/gc_histogram.png and OUT/length_histogram.png. Ids renamed
    to be unique within a split are listed there.
    """
    from enhancerlm.data.leakage.audit_report import write_audit
    from enhancerlm.data.leakage.splits import split_leakage
    from enhancerlm.formatting import metric

    options: dict[str, Any] = {"strict_ids": strict_ids, "min_length": min_length}
    train_table = _read(train, "train", **options)
    checks = {"validation": split_leakage(train_table, val_fraction, seed)} if val_fraction else None
    report = write_audit(
        train_table,
        _read(test, "test", **options),
        out,
        k=kmer,
        near_threshold=near_threshold,
        num_perm=num_perm,
        seed=seed,
        positive=positive,
        validation_split=checks,
    )
    n = report.n_test
    typer.echo(
        f"test records {n}: exact {report.exact_duplicates}, revcomp {report.revcomp_duplicates}, "
        f"near {report.near_duplicates}, novel {report.n_novel} ({100 * report.n_novel / n:.1f}%); "
        f"GC AUROC {metric(report.gc_auroc)}; "
        f"renamed ids {report.n_renamed}; written to {out}",
        err=True,
    )


@data_app.command("prepare")
def prepare(
    train: List[str] = typer.Option(..., "--train", help=_SPEC_HELP),
    test: Optional[List[str]] = typer.Option(None, "--test", help=_SPEC_HELP),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (replaced whole, or left untouched on error).", callback=writable_folder
    ),
    dedup: str = typer.Option(
        "exact",
        "--dedup",
        help="Drop training duplicates of test records: none, exact "
        "(exact + reverse complement) or near (also near duplicates).",
    ),
    resplit: bool = typer.Option(False, "--resplit", help="Re-split train+test by homology clusters."),
    test_fraction: float = typer.Option(0.2, "--test-fraction", help="Test share per class with --resplit."),
    subsample: Optional[int] = typer.Option(None, "--subsample", help="Also write subset.tsv: N records per class."),
    val_fraction: float = typer.Option(0.2, "--val-fraction", help="Stratified validation share (0: none)."),
    near_threshold: float = typer.Option(DEFAULT_THRESHOLD, "--near-threshold", help=_THRESHOLD_HELP),
    kmer: int = typer.Option(DEFAULT_K, "--kmer", help="k-mer size (bp) for near duplicates."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random choice."),
    strict_ids: bool = typer.Option(False, "--strict-ids", help=STRICT_IDS_HELP),
    min_length: Optional[int] = typer.Option(None, "--min-length", min=1, help=MIN_LENGTH_HELP),
) -> None:
    """Write leakage-free train.tsv, val.tsv, test.tsv (+ subset.tsv), removed.tsv and manifest.json.

    The TSVs keep each record's header in a description column; ids renamed to be unique
    (NAME~2, ...) are written as renamed, so the files read back unchanged.
    """
    from enhancerlm.data.leakage.near_duplicates import MinHashLSH
    from enhancerlm.data.leakage.prepare import prepare as run_prepare
    from enhancerlm.data.leakage.prepare import write_prepared

    params = MinHashLSH(k=kmer, threshold=near_threshold, seed=seed)
    options: dict[str, Any] = {"require_labels": True, "strict_ids": strict_ids, "min_length": min_length}
    train_table = _read(train, "train", **options)
    test_table = _read(test, "test", **options) if test else None
    prepared = run_prepare(
        train_table,
        test_table,
        dedup=dedup,
        resplit=resplit,
        test_fraction=test_fraction,
        subsample=subsample,
        val_fraction=val_fraction,
        params=params,
        seed=seed,
    )
    manifest = write_prepared(prepared, out)
    counts = ", ".join(f"{name} {entry['n_records']}" for name, entry in manifest["files"].items())
    typer.echo(f"{counts}; written to {out}", err=True)


@data_app.command("synthetic")
def synthetic(
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (replaced whole, or left untouched on error).", callback=writable_folder
    ),
    n_per_class: Optional[int] = typer.Option(None, "--n-per-class", help="Sequences per class (default 500)."),
    length_bp: int = typer.Option(200, "--length-bp", help="Sequence length (bp)."),
    seed: int = typer.Option(0, "--seed"),
    min_sites: Optional[int] = typer.Option(
        None,
        "--min-sites",
        help="Fewest motif sites per enhancer (per program with --cell-types) (default 2; 1 with --cell-types).",
    ),
    max_sites: Optional[int] = typer.Option(
        None,
        "--max-sites",
        help="Most motif sites per enhancer (per program with --cell-types) (default 4; 2 with --cell-types).",
    ),
    decoy_rate: Optional[float] = typer.Option(
        None, "--decoy-rate", help="Share of not-enhancers with one intact motif (default 0.25)."
    ),
    gc_matched: bool = typer.Option(
        True, "--gc-matched/--no-gc-matched", help="Give not-enhancers shuffled sites of matching composition."
    ),
    motif: Optional[List[str]] = typer.Option(None, "--motif", help="JASPAR matrix id (repeat); default: 6 built in."),
    background_fasta: Optional[str] = typer.Option(
        None, "--background-fasta", help="Fit the Markov background on this FASTA/SPEC."
    ),
    markov_order: int = typer.Option(2, "--markov-order", help="Order (1-3) when fitting --background-fasta."),
    cell_types: int = typer.Option(
        0,
        "--cell-types",
        help="N > 0: cell-type-specific enhancers instead (N-1 cell types with their own motifs, AP-1 shared, "
        "and 'no_motif' with random labels): multi-label celltypes_*.tsv and activity_*.tsv (regression).",
    ),
    n_sequences: Optional[int] = typer.Option(
        None, "--n-sequences", help="Sequences in all, with --cell-types (default 2000)."
    ),
    activity_sigma: float = typer.Option(
        0.5, "--activity-sigma", help="Measurement noise of the activity (log2 standard deviation), --cell-types."
    ),
    test_fraction: float = typer.Option(0.2, "--test-fraction", help="Test share, with --cell-types."),
    site_sampling: str = typer.Option(
        "pwm",
        "--site-sampling",
        metavar="pwm|consensus",
        help="Motif sites drawn from each matrix (weak sites too), or its consensus (every site detectable).",
    ),
) -> None:
    """Write enhancers.fa and background.fa (use as DIR/enhancers.fa:enhancer DIR/background.fa:not_enhancer),
    planted.tsv (motif sites, 0-based half-open) and motifs.json; with --cell-types, celltypes_{train,test}.tsv
    (label:<cell type> 0/1), activity_{train,test}.tsv (target:<cell type>), truth.tsv, planted.tsv and
    motifs.json with the noise ceiling."""
    from enhancerlm.data.generate.motifs import load_motifs
    from enhancerlm.data.generate.synthetic import MarkovBackground

    background = (
        MarkovBackground.fit(_read([background_fasta], "")["sequence"].tolist(), markov_order)
        if background_fasta
        else None
    )
    if site_sampling not in ("pwm", "consensus"):
        raise ConfigError(f"--site-sampling {site_sampling!r}: choose pwm or consensus")
    options: dict[str, Any] = {
        "motifs": load_motifs(motif) if motif else None,
        "background": background,
        "site_sampling": site_sampling,
    }
    if cell_types:
        _refuse_binary_flags(n_per_class=n_per_class, decoy_rate=decoy_rate, gc_matched=not gc_matched or None)
        _synthetic_cell_types(
            out,
            n_sequences or 2000,
            length_bp,
            seed,
            cell_types,
            (min_sites or 1, max_sites or 2),
            activity_sigma,
            test_fraction,
            options,
        )
        return
    from enhancerlm.data.generate.synthetic import make_synthetic, write_synthetic

    if n_sequences is not None:
        raise ConfigError("--n-sequences applies with --cell-types; the enhancer/not-enhancer set takes --n-per-class")
    data = make_synthetic(
        500 if n_per_class is None else n_per_class,
        length_bp,
        seed,
        n_sites=(min_sites or 2, max_sites or 4),
        decoy_rate=0.25 if decoy_rate is None else decoy_rate,
        gc_matched=gc_matched,
        **options,
    )
    write_synthetic(data, out)
    typer.echo(f"{len(data.table)} sequences, {len(data.planted)} planted sites; written to {out}", err=True)


def _refuse_binary_flags(**given) -> None:
    """Flags of the enhancer/not-enhancer set given with --cell-types: an error, not silently ignored."""
    named = [f"--{k.replace('_', '-')}" for k, v in given.items() if v is not None]
    if named:
        raise ConfigError(f"{', '.join(named)}: not used with --cell-types (the enhancer/not-enhancer set only)")


def _synthetic_cell_types(out, n_sequences, length_bp, seed, n_cell_types, n_sites, sigma, test_fraction, options):
    from enhancerlm.data.generate.synthetic_celltypes import make_celltype_synthetic, write_celltype_synthetic

    data = make_celltype_synthetic(
        n_sequences,
        length_bp,
        seed,
        n_cell_types=n_cell_types,
        n_sites=n_sites,
        activity_sigma=sigma,
        test_fraction=test_fraction,
        **options,
    )
    write_celltype_synthetic(data, out)
    prevalence = ", ".join(
        f"{c.split(':', 1)[1]} {data.table[c].mean():.2f}" for c in data.table if c.startswith("label:")
    )
    ceiling = ", ".join(f"{t} {v['spearman_expected']:.3f}" for t, v in data.noise_ceiling["test"].items())
    typer.echo(
        f"{len(data.table)} sequences, {int((data.planted['kind'] == 'motif').sum())} planted sites; label "
        f"prevalence {prevalence}; test noise ceiling (Spearman) {ceiling}; written to {out}",
        err=True,
    )


@data_app.command("ensembl-like")
def ensembl_like(
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (replaced whole, or left untouched on error).", callback=writable_folder
    ),
    n_train: int = typer.Option(20000, "--n-train", help="Training rows (the hub set has 123,872)."),
    n_test: int = typer.Option(5000, "--n-test", help="Test rows (the hub set has 30,970)."),
    seed: int = typer.Option(0, "--seed"),
    layout: str = typer.Option(
        "csv",
        "--layout",
        help="csv (train.csv, test.csv with columns seq,label), "
        "folders (DIR/{train,test}/{positive,negative}/N.txt) or both.",
    ),
) -> None:
    """Write a set with the structure of Genomic Benchmarks human_enhancers_ensembl: positives twinned
    inside train, 38% of test copied from train positives, lengths 2-573 bp, a few records under 6 bp."""
    from enhancerlm.data.generate.ensembl_like import (
        EnsemblLikeShape,
        make_ensembl_like,
        shape_params,
        write_ensembl_like,
    )

    shape = EnsemblLikeShape()
    data = make_ensembl_like(n_train, n_test, seed, shape)
    write_ensembl_like(data, out, layout=layout, params=shape_params(n_train, n_test, seed, shape))
    typer.echo(f"{n_train} train, {n_test} test records; written to {out}", err=True)


@data_app.command("build")
def build(
    positives: List[str] = typer.Option(
        ..., "--positives", help="Region file FILE[:LABEL] (BED, narrowPeak, broadPeak, GB .csv.gz); repeat per file."
    ),
    genome: Path = typer.Option(
        ..., "--genome", "-g", help="Genome FASTA, plain or bgzip (.gz); indexed or indexable."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder (replaced whole, or left untouched on error).", callback=writable_folder
    ),
    exclude: Optional[List[str]] = typer.Option(
        None, "--exclude", help="Regions no window may touch, e.g. the ENCODE blacklist BED; repeatable."
    ),
    width: str = config_option(BuildConfig, "width", metavar="BP|native"),
    max_n: int = config_option(BuildConfig, "max_n"),
    background: str = config_option(BuildConfig, "background"),
    neg_ratio: float = config_option(BuildConfig, "neg_ratio"),
    flank: int = config_option(BuildConfig, "flank"),
    test_chroms: List[str] = config_option(BuildConfig, "test_chroms"),
    val_chroms: List[str] = config_option(BuildConfig, "val_chroms"),
    map_chroms: bool = config_option(BuildConfig, "map_chroms", "--map-chroms"),
    shuffle_k: int = config_option(BuildConfig, "shuffle_k"),
    dedup: str = config_option(BuildConfig, "dedup"),
    label: str = config_option(BuildConfig, "label"),
    negative_label: str = config_option(BuildConfig, "negative_label"),
    seed: int = config_option(BuildConfig, "seed"),
    task: str = config_option(BuildConfig, "task"),
    multi_label: bool = config_option(BuildConfig, "multi_label"),
    label_columns: List[str] = config_option(BuildConfig, "label_columns", metavar="A,B,C"),
    targets: List[str] = config_option(BuildConfig, "targets", metavar="FILE.bw"),
    target_column: str = config_option(BuildConfig, "target_column", metavar="N|NAME"),
    target_columns: List[str] = config_option(BuildConfig, "target_columns", metavar="X[,Y]"),
    missing_targets: str = config_option(BuildConfig, "missing_targets"),
) -> None:
    """Peaks + genome -> OUT/train.tsv, val.tsv, test.tsv (id, sequence, label, chrom, start, end, strand, gc,
    source), regions_<split>.bed, manifest.json, composition.png.

    --multi-label adds a label:<LABEL> column per --positives label; --targets FILE.bw or --target-column
    add target:<NAME> columns (regression).

    Windows centred on narrowPeak summits (else midpoints), negatives matched to the positives' GC and
    repeat content bin by bin, split by chromosome (default: DeepSEA's hold-out, chr8+chr9 test, chr7
    validation; Zhou & Troyanskaya 2015), homologous windows across splits dropped. The TSVs are SPECs:
    enhancerlm run --train OUT/train.tsv --test OUT/test.tsv ...
    """
    from enhancerlm.data.peaks.build import build as build_set  # imported late: `enhancerlm --help` stays fast
    from enhancerlm.data.peaks.build_outputs import write_build

    config = BuildConfig(
        width=width,
        max_n=max_n,
        neg_ratio=neg_ratio,
        flank=flank,
        test_chroms=chrom_list(test_chroms),
        val_chroms=chrom_list(val_chroms),
        map_chroms=map_chroms,
        shuffle_k=shuffle_k,
        dedup=dedup,
        label=label,
        negative_label=negative_label,
        seed=seed,
        task=task,
        multi_label=multi_label,
        label_columns=chrom_list(label_columns),
        targets=tuple(targets),
        target_column=target_column,
        target_columns=chrom_list(target_columns),
        missing_targets=missing_targets,
        # a region file's column says nothing of DNA outside its peaks: the default background becomes none
        background=_background_for(background, target_column),
    )
    built = build_set(positives, genome, config, tuple(exclude or ()))
    manifest = write_build(built, genome, out, config)
    for split, stats in manifest["statistics"].items():
        auroc = stats["gc_only_auroc"]
        shown = "n/a" if auroc is None else f"{auroc:.3f}"
        counts = ", ".join(f"{_count_name(k, built.task, config)} {v}" for k, v in stats["n"].items()) or "empty"
        gc_ks = stats["gc"].get("ks_statistic")
        typer.echo(
            f"{split}: {counts}; GC-only AUROC {shown}; GC KS {'n/a' if gc_ks is None else f'{gc_ks:.3f}'}", err=True
        )
    if not built.task.single_label:
        typer.echo(f"{built.task.kind}: {_truth_line(manifest['truth'])}", err=True)
    typer.echo(f"written to {out} (manifest.json lists every count)", err=True)


def _background_for(background: str, target_column: str) -> str:
    if target_column and background == config_field(BuildConfig, "background").default:
        typer.echo("--target-column: peaks only, no negatives (--background none)", err=True)
        return "none"
    return background


def _count_name(name: str, task, config) -> str:
    """A class of the built set as the terminal names it: a multi-output set's two classes are only "a peak
    window or a negative" (its labels or targets are on the next line)."""
    if task.single_label:
        return name
    return "negatives" if name == config.negative_label else "peak windows"


def _truth_line(truth: dict) -> str:
    """Per split, each label's positives or each target's mean, for the terminal."""
    parts = []
    for split, entry in truth.items():
        if not entry["n"]:
            shown = "empty"
        elif "per_label" in entry:
            shown = ", ".join(f"{k} {v}" for k, v in entry["per_label"].items()) + f", none {entry['no_label']}"
        else:
            shown = ", ".join(
                f"{k} mean {v.get('mean', float('nan')):.3g} (n={v['n']})" for k, v in entry["per_target"].items()
            )
        parts.append(f"{split}: {shown}")
    return "; ".join(parts)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
