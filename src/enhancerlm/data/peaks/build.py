"""``data build``: peaks and a genome -> labelled windows, negatives, chromosome splits, checked for leakage.

The path of the data, each step in its own module:

1. positives: region files -> windows (:mod:`enhancerlm.data.peaks.windows`: centring, exclusion, one window
   per peak, N filter), cut from the genome through its index;
2. splits: each chromosome belongs to one split (``--test-chroms``, ``--val-chroms``, the rest train),
   so no region, and no pair of overlapping regions, sits in two splits;
3. negatives (:mod:`enhancerlm.data.peaks.background` for gc-matched and random windows,
   :mod:`enhancerlm.data.peaks.shuffle` for shuffled positives, or the user's own region file);
4. homology across splits: windows of train (and val) that duplicate a held-out window elsewhere in
   the genome (segmental duplications, repeats) are dropped by ``data prepare``'s own rule
   (:func:`enhancerlm.data.leakage.prepare.remove_test_overlap`, exact or near duplicates);
5. outputs (:mod:`enhancerlm.data.peaks.build_outputs`).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import NamedTuple

import bioframe
import numpy as np
import pandas as pd

from enhancerlm.data.leakage.near_duplicates import MinHashLSH
from enhancerlm.data.leakage.prepare import remove_test_overlap
from enhancerlm.data.peaks import background as bg
from enhancerlm.data.peaks.build_config import BuildConfig
from enhancerlm.data.peaks.build_truth import OVERLAP_RULE, label_names, overlap_labels, target_names, with_targets
from enhancerlm.data.peaks.shuffle import kmer_shuffle
from enhancerlm.data.peaks.windows import INTERVAL, cut, drop_n_rich, make_windows, read_labelled
from enhancerlm.errors import InputError
from enhancerlm.sequences.chroms import same_chrom
from enhancerlm.sequences.genome import Genome, open_genome
from enhancerlm.sequences.spec import split_label
from enhancerlm.sequences.task import TRUTH_PREFIX, Task, infer_task

log = logging.getLogger(__name__)

SPLITS = bg.SPLITS
TABLE_COLUMNS = ("id", "sequence", "label", "chrom", "start", "end", "strand", "gc", "source")
MAX_LISTED = 1000  # dropped regions listed in the manifest; the counts cover them all


class Built(NamedTuple):
    """What ``data build`` made, before it is written.

    Attributes
    ----------
    table : pd.DataFrame
        Every record: ``TABLE_COLUMNS`` plus ``split``, ``length``, ``repeat_fraction``.
    counts : dict
        Records at every step (positives, negatives, homology), for the manifest.
    dropped : pd.DataFrame
        ``source, line, chrom, start, end, reason`` of the regions and windows left out.
    bins : pd.DataFrame or None
        gc-matched: per split and GC bin, positives, candidates, needed, negatives, shortfall.
    inputs : dict
        Files read: positives (path, label, format), exclude, background file, target bigWigs.
    task : Task
        What the tables hold: the label column's classes, ``label:`` columns or ``target:`` columns.
    """

    table: pd.DataFrame
    counts: dict
    dropped: pd.DataFrame
    bins: pd.DataFrame | None
    inputs: dict
    task: Task


def positive_files(specs: list[str], default_label: str) -> list[tuple[str, str]]:
    """``FILE[:LABEL]`` -> (path, label); a file without a label gets ``default_label``."""
    files = []
    for spec in specs:
        path, label = split_label(spec)
        files.append((path, label or default_label))
    return files


def split_of(chroms, config: BuildConfig) -> pd.Series:
    """Split name of each chromosome: test, val, else train (either naming convention matches)."""
    names = pd.Series(pd.unique(pd.Series(list(chroms), dtype=object)))
    split = [
        "test" if same_chrom(c, config.test_chroms) else "val" if same_chrom(c, config.val_chroms) else "train"
        for c in names
    ]
    return pd.Series(split, index=names.to_numpy(), dtype=object)


def build(positives: list[str], genome_path: str | Path, config: BuildConfig, exclude: tuple[str, ...] = ()) -> Built:
    """Build the data set in memory (module docstring); :func:`enhancerlm.data.peaks.build_outputs.write_build` writes it.

    Parameters
    ----------
    positives : list of str
        ``FILE[:LABEL]`` region files (BED, narrowPeak, broadPeak, GB coordinate tables).
    genome_path : str or Path
        FASTA, plain or bgzip; its index is used or built (in a temporary folder when its own is read-only).
    config : BuildConfig
    exclude : list of str
        Region files no window may touch (e.g. the ENCODE blacklist).

    Raises
    ------
    InputError
        Unreadable inputs, the chr1/1 naming mix-up without ``map_chroms``, no positive on a test
        chromosome, or nothing left after the filters.
    """
    files = positive_files(positives, config.label)
    multi = config.kind == "multilabel"
    names = label_names(files, config) if multi else ()
    with (
        tempfile.TemporaryDirectory(prefix="enhancerlm-index.") as index_dir,
        open_genome(genome_path, index_dir=index_dir) as genome,
    ):
        excluded = _excluded(exclude, genome, config)
        windows = make_windows(
            files,
            genome,
            config.width_bp,
            excluded,
            map_chroms=config.map_chroms,
            pooled=multi,
            value_column=config.target_column,
        )
        counts: dict = {"labels": _with_labels(windows, names, config)} if multi else {}
        pos, pos_dropped, n_rich = _positive_records(windows.table, genome, config)
        counts["positives"] = {**windows.counts, "too_many_n": n_rich, "kept": len(pos)}
        avoid = _avoid(windows.regions, windows.table, excluded, config.flank)
        neg, counts["negatives"], bins, neg_dropped = _negatives(pos, genome, avoid, excluded, config)
    if neg.empty and config.background != "none":
        raise InputError(
            f"--background {config.background}: no negative window is left ({counts['negatives']}); every "
            "candidate overlaps a positive, an excluded region or their flank, or holds N bases (--flank, --max-n)"
        )
    table = _no_labels_for_negatives(pd.concat([pos, neg], ignore_index=True), len(pos), names)
    table, counts["homology"] = _drop_homologs(table, config)
    target_dropped = None
    if config.kind == "regression":
        table, counts["targets"], target_dropped = with_targets(table, config)
    task = _task(table, config, names)
    counts["final"] = {s: table.loc[table["split"] == s, "label"].value_counts().sort_index().to_dict() for s in SPLITS}
    inputs = {"positives": files, "exclude": list(exclude), "formats": windows.formats, "targets": list(config.targets)}
    dropped = pd.concat([windows.dropped, pos_dropped, neg_dropped, target_dropped], ignore_index=True)
    return Built(_ordered(table, genome.chrom_sizes), counts, dropped, bins, inputs, task)


def _with_labels(windows, names: tuple[str, ...], config: BuildConfig) -> dict:
    """Multi-label: the windows (changed in place) get their ``label:`` columns by the overlap rule; counts."""
    labels, partial = overlap_labels(windows.table, windows.regions, names)
    for i, name in enumerate(names):
        windows.table[TRUTH_PREFIX["multilabel"] + name] = labels[:, i]
    windows.table["label"] = config.label  # "a peak of some label" (statistics, BED colours); written as ""
    return {"rule": OVERLAP_RULE, "partial": partial}


def _no_labels_for_negatives(table: pd.DataFrame, n_pos: int, names: tuple[str, ...]) -> pd.DataFrame:
    """Multi-label: every negative (rows after the first ``n_pos``; shuffles copy a positive's row) is all zeros."""
    columns = [TRUTH_PREFIX["multilabel"] + name for name in names]
    if columns:
        table.loc[n_pos:, columns] = 0
        table[columns] = table[columns].astype(np.int8)
    return table


def _task(table: pd.DataFrame, config: BuildConfig, names: tuple[str, ...]) -> Task:
    """The task of the set built; ``--task binary|multiclass`` must fit its labels (InputError otherwise)."""
    if config.kind == "multilabel":
        return Task("multilabel", names)
    if config.kind == "regression":
        return Task("regression", target_names(config))
    return infer_task(table, config.task)


def _excluded(paths, genome: Genome, config: BuildConfig) -> pd.DataFrame:
    if not paths:
        return pd.DataFrame(
            {"chrom": pd.Series(dtype=object), "start": pd.Series(dtype=np.int64), "end": pd.Series(dtype=np.int64)}
        )
    regions, _, _ = read_labelled([(p, "excluded") for p in paths], genome.chrom_sizes, config.map_chroms)
    return regions[INTERVAL]


def _positive_records(windows: pd.DataFrame, genome: Genome, config: BuildConfig):
    """Positive windows with their sequences and splits; (records, dropped N-rich rows, their count)."""
    windows = windows.assign(split=windows["chrom"].map(split_of(windows["chrom"], config)))
    if not (windows["split"] == "test").any():
        raise InputError(
            f"no positive window lies on the test chromosomes {', '.join(config.test_chroms)} (the positives lie on {', '.join(pd.unique(windows['chrom'])[:10])}); choose others with --test-chroms"
        )
    kept, seqs, dropped = drop_n_rich(windows, cut(genome, windows), config.max_n)
    if kept.empty:
        raise InputError(f"every positive window holds more than --max-n {config.max_n} N bases")
    if not (kept["split"] == "val").any():
        log.warning(
            "no positive lies on the validation chromosomes %s: val.tsv will be empty", ", ".join(config.val_chroms)
        )
    return _records(kept, seqs), dropped, len(dropped)


def _records(windows: pd.DataFrame, seqs) -> pd.DataFrame:
    return windows.assign(
        sequence=seqs.sequence,
        gc=seqs.gc,
        repeat_fraction=seqs.repeat_fraction,
        length=windows["end"] - windows["start"],
    ).reset_index(drop=True)


def _avoid(regions: pd.DataFrame, windows: pd.DataFrame, excluded: pd.DataFrame, flank: int) -> pd.DataFrame:
    """Every positive region and window and every excluded region, widened by ``flank`` bp on both sides."""
    parts = [frame[INTERVAL] for frame in (regions, windows, excluded) if len(frame)]
    return bioframe.expand(pd.concat(parts, ignore_index=True), pad=flank)


def _negatives(pos: pd.DataFrame, genome: Genome, avoid: pd.DataFrame, excluded: pd.DataFrame, config: BuildConfig):
    """(negative records, counts, GC-bin table or None, dropped rows) for the chosen background."""
    if config.background == "none":  # regression on the peaks' own values
        return pos.iloc[:0], {"none": 0}, None, None
    if config.background == "shuffled":
        return _shuffled(pos, config), {"shuffled": int(round(len(pos) * config.neg_ratio))}, None, None
    if config.background in ("gc-matched", "random"):
        return _genomic(pos, genome, avoid, config)
    path, label = split_label(config.background)
    if not label:
        raise InputError(f"--background {config.background!r}: give your negatives a label, FILE:LABEL")
    windows = make_windows([(path, label)], genome, config.width_bp, excluded, map_chroms=config.map_chroms)
    hits = bioframe.overlap(windows.table[INTERVAL], pos[INTERVAL], how="inner", return_index=True, return_input=False)
    touching = np.zeros(len(windows.table), dtype=bool)
    touching[hits["index"].to_numpy(dtype=np.int64)] = True
    table = windows.table[~touching].assign(split=lambda t: t["chrom"].map(split_of(t["chrom"], config)))
    kept, seqs, rich = drop_n_rich(table, cut(genome, table), config.max_n)
    counts = {**windows.counts, "overlaps_positive": int(touching.sum()), "too_many_n": len(rich), "kept": len(kept)}
    return _records(kept, seqs), counts, None, pd.concat([windows.dropped, rich], ignore_index=True)


def _genomic(pos: pd.DataFrame, genome: Genome, avoid: pd.DataFrame, config: BuildConfig):
    group, widths = bg.length_groups(pos["length"].to_numpy(), config.width_bp)
    strata = bg.Strata(widths, matched=config.background == "gc-matched")
    drawn = bg.sample_background(
        genome, pos.assign(group=group), avoid, strata, neg_ratio=config.neg_ratio, max_n=config.max_n, seed=config.seed
    )
    table = drawn.table
    clash = (
        bioframe.cluster(table[INTERVAL], min_dist=None)["cluster"].duplicated().to_numpy()
    )  # native: grids of two lengths
    table = table[~clash].reset_index(drop=True)
    seqs = cut(genome, table)
    records = _records(table.assign(label=config.negative_label, source=f"background:{config.background}"), seqs)
    counts = {
        "needed": int(drawn.bins["needed"].sum()),
        "drawn": len(drawn.table),
        "overlapping_dropped": int(clash.sum()),
        "shortfall": int(drawn.bins["shortfall"].sum()),
        "kept": len(records),
    }
    if counts["shortfall"]:
        log.warning(
            "%d negatives short: some GC/repeat strata have fewer usable genomic windows than positives (manifest.json gc_bins); they are left short, not filled from other bins",
            counts["shortfall"],
        )
    bins = drawn.bins if strata.matched else None  # random: one bin per split, nothing to show per GC bin
    return records.drop(columns="stratum"), counts, bins, None


def _shuffled(pos: pd.DataFrame, config: BuildConfig) -> pd.DataFrame:
    """``neg_ratio`` k-mer-preserving shuffles per positive (a fractional ratio: a seeded subset gets one more)."""
    n = int(round(len(pos) * config.neg_ratio))
    rng = np.random.default_rng([config.seed, 2])
    source = np.concatenate(
        [np.tile(np.arange(len(pos)), n // len(pos)), np.sort(rng.permutation(len(pos))[: n % len(pos)])]
    )
    copy = (np.arange(n) // len(pos)) + 1
    rows = pos.iloc[source].reset_index(drop=True)
    seqs = kmer_shuffle(rows["sequence"].tolist(), config.shuffle_k, rng)
    return rows.assign(
        sequence=seqs,
        label=config.negative_label,
        source=f"background:shuffled(k={config.shuffle_k})",
        shuffle_copy=copy,
    )


def _ids(table: pd.DataFrame) -> pd.Series:
    coords = table["chrom"].astype(str) + ":" + table["start"].astype(str) + "-" + table["end"].astype(str)
    copy = table["shuffle_copy"] if "shuffle_copy" in table else pd.Series(np.nan, index=table.index)
    prefix = copy.map(lambda c: "" if pd.isna(c) else f"shuffled{int(c)}:")
    return prefix + coords


def _drop_homologs(table: pd.DataFrame, config: BuildConfig) -> tuple[pd.DataFrame, dict]:
    """Drop train windows duplicating a val/test window, then val windows duplicating a test window."""
    table = table.assign(id=_ids(table))
    if table["id"].duplicated().any():  # a programming error: windows of one class never share coordinates
        raise AssertionError(f"duplicate ids {table.loc[table['id'].duplicated(), 'id'].head(3).tolist()}")
    counts: dict = {"mode": config.dedup}
    params = MinHashLSH(seed=config.seed)
    for earlier, later in (("train", ("val", "test")), ("val", ("test",))):
        part, held = table[table["split"] == earlier], table[table["split"].isin(later)]
        if part.empty or held.empty:
            counts[earlier] = {}
            continue
        _, removed = remove_test_overlap(part, held, config.dedup, params)
        counts[earlier] = removed["reason"].value_counts().sort_index().to_dict()
        table = table[~table["id"].isin(set(removed["id"]))]
    return table.reset_index(drop=True), counts


def _ordered(table: pd.DataFrame, chrom_sizes: dict[str, int]) -> pd.DataFrame:
    """Rows by split, then genome order (chromosomes as the FASTA lists them), start, label."""
    rank = {c: i for i, c in enumerate(chrom_sizes)}
    keyed = table.assign(
        _split=table["split"].map({s: i for i, s in enumerate(SPLITS)}), _chrom=table["chrom"].map(rank)
    )
    ordered = keyed.sort_values(["_split", "_chrom", "start", "end", "label", "id"], kind="stable")
    return ordered.drop(columns=["_split", "_chrom"]).reset_index(drop=True)
