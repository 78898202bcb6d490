"""Region files -> labelled windows: summit or midpoint centring, exclusion, one window per peak, N filter.

Steps, each counted (:class:`Windows` ``counts``, in the order they run):

1. ``read``: regions read (:func:`enhancerlm.sequences.regions.read_region_file`); regions on a
   chromosome the genome lacks or past its end are dropped and listed (``chrom_not_in_genome``,
   ``past_chrom_end``; :func:`enhancerlm.sequences.regions.place_regions` says why).
2. Windows: ``width_bp`` centred on the narrowPeak summit (``start + peak``), else on the midpoint
   (``start + (end - start) // 2``); the window is ``[centre - width // 2, centre - width // 2 + width)``.
   ``width_bp=None`` (native): the region as it is. A window that would run past either chromosome
   end is dropped (``window_past_chrom_end``): padding would invent bases.
3. ``overlaps_excluded``: windows touching an excluded region (a blacklist) are dropped.
4. One window per peak. Fixed width: windows that overlap (the same peak called twice, replicates,
   a summit called twice in one peak) form clusters (``bioframe.cluster``) and each cluster keeps
   its strongest window (highest signalValue, then score, then the earliest line): merging them
   would give a window centred on no summit and of another width. Native: overlapping regions
   are merged into their union (as ``bedtools merge``), which is the element both calls describe.
   Counted as ``duplicate`` (same interval as the kept one) and ``overlapping`` (the rest).
   A cluster holding several labels is dropped whole (``label_conflict``): its class is unknown;
   multi-label sets pool every file (``pooled``), and a window's labels come from the overlap rule
   (:mod:`enhancerlm.data.peaks.build_truth`).
5. ``too_many_n``: windows with more than ``max_n`` N bases (checked once sequences are cut).

Columns of the reader other than the interval (``name``, ``score``, ``signal_value``, ``p_value``,
``q_value``, ``summit``) are carried on each kept window, so a later step can use them as targets.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import bioframe
import numpy as np
import pandas as pd

from enhancerlm.sequences.dna import ACGT, CODE_TABLES, ascii_bytes, reverse_complement, window_base_counts, window_sums
from enhancerlm.sequences.genome import Genome
from enhancerlm.sequences.regions import place_regions, read_region_file, region_column

log = logging.getLogger(__name__)

INTERVAL = ["chrom", "start", "end"]


class Windows(NamedTuple):
    """Kept windows and what happened to the rest.

    Attributes
    ----------
    table : pd.DataFrame
        One row per window: ``chrom, start, end, strand, label, source, line`` and the carried columns.
    regions : pd.DataFrame
        Every region placed on the genome (before any window step): what negatives keep away from.
    counts : dict of str -> int
        Records at each step (module docstring), in order.
    dropped : pd.DataFrame
        ``source, line, chrom, start, end, reason`` of every region or window dropped.
    formats : dict of str -> str
        The format each file was read as.
    """

    table: pd.DataFrame
    regions: pd.DataFrame
    counts: dict
    dropped: pd.DataFrame
    formats: dict


def read_labelled(
    files: list[tuple[str, str]], chrom_sizes: dict[str, int], map_chroms: bool, value_column: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read ``(path, label)`` pairs and place them on the genome: (kept regions with ``label``, dropped, formats).

    ``value_column`` (a column number or name, :func:`enhancerlm.sequences.regions.region_column`) is
    read into ``target_value``.
    """
    kept, dropped, formats = [], [], {}
    for path, label in files:
        table = read_region_file(path)
        if value_column:
            table["target_value"] = region_column(path, value_column)
        formats[str(path)] = table.attrs["format"]
        placed = place_regions(table, chrom_sizes, map_chroms=map_chroms)
        kept.append(placed.kept.assign(label=label))
        dropped.append(placed.dropped)
    return pd.concat(kept, ignore_index=True), pd.concat(dropped, ignore_index=True), formats


def centre_windows(regions: pd.DataFrame, width_bp: int | None) -> pd.DataFrame:
    """Each region's window (module docstring, step 2); ``width_bp=None`` keeps the region."""
    regions = regions.assign(region_start=regions["start"], region_end=regions["end"])
    if width_bp is None:
        return regions
    start = regions["start"].to_numpy()
    summit = regions["summit"].to_numpy()
    centre = np.where(summit >= 0, start + summit, start + (regions["end"].to_numpy() - start) // 2)
    first = centre - width_bp // 2
    return regions.assign(start=first, end=first + width_bp)


def make_windows(
    files: list[tuple[str, str]],
    genome: Genome,
    width_bp: int | None,
    excluded: pd.DataFrame,
    *,
    map_chroms: bool = False,
    pooled: bool = False,
    value_column: str = "",
) -> Windows:
    """Steps 1-4 of the module docstring for labelled region files (the N filter needs sequences: :func:`cut`).

    Parameters
    ----------
    files : list of (path, label)
    genome : Genome
    width_bp : int or None
        Window length in bp; None keeps each region (native).
    excluded : pd.DataFrame
        ``chrom, start, end`` of regions no window may touch (may be empty).
    map_chroms : bool
    pooled : bool
        Windows of every file form one set (multi-label: a window's labels come from the overlap
        rule afterwards), so overlapping windows of two labels are merged, not a ``label_conflict``.
    value_column : str
        A numeric column of the region files carried as ``target_value`` (the kept window's own).
    """
    regions, dropped, formats = read_labelled(files, genome.chrom_sizes, map_chroms, value_column)
    counts = {"read": len(regions) + len(dropped)}
    counts.update(dropped["reason"].value_counts().to_dict())
    windows = centre_windows(regions, width_bp)
    size = windows["chrom"].map(genome.chrom_sizes).to_numpy()
    off = (windows["start"].to_numpy() < 0) | (windows["end"].to_numpy() > size)
    parts = [dropped, _dropped(windows[off], "window_past_chrom_end")]
    windows = windows[~off]
    touching = _overlaps(windows, excluded)
    parts.append(_dropped(windows[touching], "overlaps_excluded"))
    windows = windows[~touching]
    windows, merged = one_per_peak(windows, native=width_bp is None, pooled=pooled)
    parts.append(merged)
    counts.update({"window_past_chrom_end": int(off.sum()), "overlaps_excluded": int(touching.sum())})
    counts.update(
        merged["reason"].value_counts().reindex(["duplicate", "overlapping", "label_conflict"], fill_value=0).to_dict()
    )
    counts["windows"] = len(windows)
    return Windows(windows.reset_index(drop=True), regions, counts, pd.concat(parts, ignore_index=True), formats)


def _dropped(rows: pd.DataFrame, reason: str) -> pd.DataFrame:
    return rows[["source", "line", "chrom", "start", "end"]].assign(reason=reason)


def _overlaps(windows: pd.DataFrame, regions: pd.DataFrame) -> np.ndarray:
    """Boolean mask over ``windows``: True where a window shares at least one base with any of ``regions``."""
    if windows.empty or regions.empty:
        return np.zeros(len(windows), dtype=bool)
    hits = bioframe.overlap(
        windows[INTERVAL].reset_index(drop=True), regions[INTERVAL], how="inner", return_index=True, return_input=False
    )
    mask = np.zeros(len(windows), dtype=bool)
    mask[hits["index"].to_numpy(dtype=np.int64)] = True
    return mask


def one_per_peak(windows: pd.DataFrame, native: bool, pooled: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 4 of the module docstring: (kept windows sorted by position, dropped rows with their reason).

    ``pooled``: labels do not split clusters (no ``label_conflict``); the kept window keeps its own label.
    """
    if windows.empty:
        return windows, _dropped(windows, "")
    order = windows.assign(_order=np.arange(len(windows)))
    clustered = bioframe.cluster(order, min_dist=None)  # overlapping only: book-ended windows stay apart
    n_labels = clustered.groupby("cluster")["label"].transform("nunique").to_numpy()
    conflict = (n_labels > 1) & (not pooled)
    ranked = clustered[~conflict].sort_values(
        ["cluster", "signal_value", "score", "_order"], ascending=[True, False, False, True], na_position="last"
    )
    best = ~ranked["cluster"].duplicated()
    kept = ranked[best]
    if native:  # the union of the overlapping regions
        kept = kept.assign(start=kept["cluster_start"], end=kept["cluster_end"], summit=-1)
    losers = ranked[~best]
    region = ["cluster", "chrom", "region_start", "region_end"]  # the same peak as read, whatever its summit
    same = losers.merge(kept[region], on=region, how="left", indicator=True)
    reason = np.where(same["_merge"].to_numpy() == "both", "duplicate", "overlapping")
    dropped = pd.concat(
        [_dropped(losers, "").assign(reason=reason), _dropped(clustered[conflict], "label_conflict")], ignore_index=True
    )
    kept = kept.drop(columns=["cluster", "cluster_start", "cluster_end", "_order"])
    return kept.sort_values(["chrom", "start", "end"], kind="stable"), dropped


class Cut(NamedTuple):
    """Sequences of windows, as a model reads them.

    Attributes
    ----------
    sequence : list of str
        Upper case; reverse-complemented where the strand is ``-``.
    n_count : np.ndarray of int64, shape=(n,)
        Non-ACGT bases per window.
    repeat_fraction : np.ndarray of float64, shape=(n,)
        Share of soft-masked (lower-case) bases in the genome FASTA: its repeat annotation.
    gc : np.ndarray of float64, shape=(n,)
        GC fraction of the A/C/G/T bases (NaN without any).
    """

    sequence: list
    n_count: np.ndarray
    repeat_fraction: np.ndarray
    gc: np.ndarray


def cut(genome: Genome, windows: pd.DataFrame, chunk: int = 50_000) -> Cut:
    """Cut each window from the genome through its index (one pyfaidx read per window, O(total bp));
    composition counted over all windows of a chunk at once."""
    parts = [_cut_chunk(genome, windows.iloc[i : i + chunk]) for i in range(0, len(windows), chunk)]
    if not parts:
        return Cut([], np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    return Cut(
        [s for p in parts for s in p.sequence],
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Cut._fields[1:]),
    )


def _cut_chunk(genome: Genome, windows: pd.DataFrame) -> Cut:
    raw = [genome.fetch_raw(c, s, e) for c, s, e in zip(windows["chrom"], windows["start"], windows["end"])]
    lengths = np.fromiter(map(len, raw), dtype=np.int64, count=len(raw))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    flat = ascii_bytes("".join(raw))
    gc, acgt = window_base_counts(CODE_TABLES[ACGT][flat], starts, starts + lengths)
    lower = window_sums((flat >= ord("a")) & (flat <= ord("z")), starts, starts + lengths)
    upper = [s.upper() for s in raw]
    seqs = [reverse_complement(s) if strand == "-" else s for s, strand in zip(upper, windows["strand"])]
    with np.errstate(invalid="ignore", divide="ignore"):
        return Cut(
            seqs, lengths - acgt, lower / np.maximum(lengths, 1), np.where(acgt > 0, gc / np.maximum(acgt, 1), np.nan)
        )


def drop_n_rich(windows: pd.DataFrame, seqs: Cut, max_n: int) -> tuple[pd.DataFrame, Cut, pd.DataFrame]:
    """Step 5: windows with more than ``max_n`` N bases dropped; (kept windows, their Cut, dropped rows)."""
    keep = seqs.n_count <= max_n
    kept = Cut(
        [s for s, k in zip(seqs.sequence, keep) if k], seqs.n_count[keep], seqs.repeat_fraction[keep], seqs.gc[keep]
    )
    return windows[keep].reset_index(drop=True), kept, _dropped(windows[~keep], "too_many_n")
