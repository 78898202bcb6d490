"""Genomic negatives: windows drawn from the genome, matched to the positives stratum by stratum, or uniform.

Candidates. On each chromosome that holds a positive, candidate windows tile the genome without
overlap (a grid of ``width`` bp, shifted by a seeded random phase per chromosome). A candidate is
usable when no base of it lies within ``flank`` bp of a positive region (as read, before any
window step) or of an excluded region, and it holds at most ``max_n`` N bases. Candidates are drawn
from the chromosomes of each split for that split, so negatives follow the chromosome hold-out.

Strata (``gc-matched``): GC fraction of the A/C/G/T bases in 2% bins (``GC_BINS``), crossed with the
soft-masked (lower-case, RepeatMasker) share in quarters (``REPEAT_BINS``), per split and, for native
widths, per length group. Why these: random genomic windows differ from enhancers first in GC (and
CpG, which follows GC), and about half the genome is repeats whose k-mers (Alu, L1) would otherwise
tell a model "negative" at a glance; a genome without soft-masking puts every window in one repeat
bin, which is then GC matching alone. N content is matched by the ``max_n`` rule applied to both
classes (default 0: no window holds an N). CpG is not a stratum: within a GC bin the CpG
observed/expected ratio is biology (CpG islands mark promoters and many active elements), and a
third axis would thin the strata; it is measured and reported beside GC instead.

Sampling. Each stratum needs ``round(neg_ratio * positives in it)`` negatives, drawn uniformly
without replacement from its candidates by keeping the candidates with the smallest random keys
(bottom-k sampling): one pass over the genome, block by block, holding only the chosen so far, so
memory does not grow with the genome. A stratum with fewer candidates than it needs keeps them all
and reports the shortfall (``Background.bins``; never filled from another stratum, which would
unmatch it). ``random`` is the same draw with GC and repeat bins collapsed: uniform windows.

Native widths (each positive its own length): positives are grouped by length in 10% steps; a
group's candidates are ``W`` bp windows (``W`` its longest length) and each chosen candidate is cut
down, centred, to the length of one positive of its stratum, so negatives have the positives'
lengths exactly and GC matched to within the group's candidates.

Cost: O(genome bp) time (prefix sums over each block, :func:`enhancerlm.sequences.dna.window_sums`),
memory one block (``BLOCK_BP``: a few hundred MB) plus the negatives chosen.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
import pandas as pd

from enhancerlm.sequences.dna import ACGT, CODE_TABLES, N_CODE, ascii_bytes, prefix_counts
from enhancerlm.sequences.genome import Genome

log = logging.getLogger(__name__)

GC_BINS = 50  # 2% bins of GC fraction
REPEAT_BINS = 4  # quarters of the soft-masked share
BLOCK_BP = 8_000_000  # genome read and summed this many bp at a time
LENGTH_STEP = 1.1  # native widths: length groups 10% apart
SPLITS = ("train", "val", "test")


class Strata(NamedTuple):
    """How windows are binned; ``matched=False`` (random) collapses GC and repeat bins.

    Attributes
    ----------
    widths : np.ndarray of int64, shape=(n_groups,)
        Candidate window length of each length group (one group for a fixed width).
    matched : bool
    """

    widths: np.ndarray
    matched: bool

    @property
    def n_keys(self) -> int:
        return len(SPLITS) * len(self.widths) * GC_BINS * REPEAT_BINS

    def keys(self, split: np.ndarray, group: np.ndarray, gc: np.ndarray, repeat: np.ndarray) -> np.ndarray:
        """Stratum number of each window (int64); split as an index into ``SPLITS``."""
        gc_bin = np.clip(np.nan_to_num(gc, nan=0.0) * GC_BINS, 0, GC_BINS - 1).astype(np.int64)
        repeat_bin = np.clip(repeat * REPEAT_BINS, 0, REPEAT_BINS - 1).astype(np.int64)
        if not self.matched:
            gc_bin, repeat_bin = np.zeros_like(gc_bin), np.zeros_like(repeat_bin)
        return ((split * len(self.widths) + group) * GC_BINS + gc_bin) * REPEAT_BINS + repeat_bin

    def gc_bin(self, key: np.ndarray) -> np.ndarray:
        return (key // REPEAT_BINS) % GC_BINS

    def split(self, key: np.ndarray) -> np.ndarray:
        return key // (len(self.widths) * GC_BINS * REPEAT_BINS)


def length_groups(lengths: np.ndarray, width_bp: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Group of each positive and each group's candidate width: one group for a fixed width, else 10% steps."""
    if width_bp is not None:
        return np.zeros(len(lengths), dtype=np.int64), np.array([width_bp], dtype=np.int64)
    shortest = max(int(lengths.min()), 1)
    group = np.floor(np.log(lengths / shortest) / np.log(LENGTH_STEP) + 1e-9).astype(np.int64)
    used, group = np.unique(group, return_inverse=True)
    widths = np.array([int(lengths[group == g].max()) for g in range(len(used))], dtype=np.int64)
    return group.astype(np.int64), widths


class Background(NamedTuple):
    """Negatives drawn from the genome.

    Attributes
    ----------
    table : pd.DataFrame
        ``chrom, start, end, strand, split, stratum`` per negative, sorted by position.
    bins : pd.DataFrame
        Per split and GC bin: ``positives``, ``candidates``, ``needed``, ``negatives``, ``shortfall``.
    """

    table: pd.DataFrame
    bins: pd.DataFrame


class _Pool:
    """The candidates with the smallest keys per stratum seen so far (bottom-k sampling)."""

    def __init__(self, need: np.ndarray):
        self.need = need
        self.available = np.zeros(len(need), dtype=np.int64)
        self.columns = {name: np.zeros(0, dtype=dtype) for name, dtype in _POOL_DTYPES.items()}

    def offer(self, **candidates: np.ndarray) -> None:
        self.available += np.bincount(candidates["stratum"], minlength=len(self.need))
        wanted = self.need[candidates["stratum"]] > 0
        merged = {k: np.concatenate([self.columns[k], candidates[k][wanted]]) for k in self.columns}
        order = np.lexsort((merged["key"], merged["stratum"]))
        stratum = merged["stratum"][order]
        first = np.searchsorted(stratum, stratum)  # first row of each row's stratum
        keep = order[(np.arange(len(order)) - first) < self.need[stratum]]
        self.columns = {k: v[keep] for k, v in merged.items()}


_POOL_DTYPES = {"stratum": np.int64, "key": np.float64, "chrom": np.int64, "start": np.int64, "group": np.int64}


def sample_background(
    genome: Genome,
    positives: pd.DataFrame,
    avoid: pd.DataFrame,
    strata: Strata,
    *,
    neg_ratio: float,
    max_n: int,
    seed: int,
) -> Background:
    """Draw negatives for ``positives`` (module docstring).

    Parameters
    ----------
    genome : Genome
    positives : pd.DataFrame
        One row per positive window: ``chrom, split`` (a name in ``SPLITS``), ``group`` (length group),
        ``length`` (bp), ``gc``, ``repeat_fraction``, ``strand``.
    avoid : pd.DataFrame
        ``chrom, start, end`` of what no negative may come within the flank of, already expanded by it.
    strata : Strata
    neg_ratio : float
    max_n : int
    seed : int
    """
    split_index = pd.Series(range(len(SPLITS)), index=SPLITS)
    pos_split = split_index[positives["split"]].to_numpy()
    pos_key = strata.keys(
        pos_split, positives["group"].to_numpy(), positives["gc"].to_numpy(), positives["repeat_fraction"].to_numpy()
    )
    n_pos = np.bincount(pos_key, minlength=strata.n_keys)
    pool = _Pool(np.rint(n_pos * neg_ratio).astype(np.int64))
    chroms = list(dict.fromkeys(c for c in genome.chrom_sizes if c in set(positives["chrom"])))
    split_of = positives.drop_duplicates("chrom").set_index("chrom")["split"].map(split_index)
    for index, chrom in enumerate(chroms):
        _scan_chrom(
            genome, chrom, index, int(split_of[chrom]), avoid[avoid["chrom"] == chrom], strata, pool, max_n, seed
        )
    table = _negatives(pool, chroms, positives, pos_key, strata, seed)
    return Background(table, _bin_table(n_pos, pool, strata, table))


def _scan_chrom(genome, chrom, chrom_index, split, avoid, strata, pool, max_n, seed) -> None:
    """Offer every usable candidate of one chromosome to the pool, one block at a time."""
    size = genome.chrom_sizes[chrom]
    widest = int(strata.widths.max())
    phase = np.random.default_rng([seed, chrom_index, 0]).integers(0, strata.widths)
    for block, b0 in enumerate(range(0, size, BLOCK_BP)):
        b1 = min(size, b0 + BLOCK_BP + widest)
        counts = _block_counts(genome.fetch_raw(chrom, b0, b1), _paint(avoid, b0, b1))
        for group, width in enumerate(strata.widths.tolist()):
            first = b0 + (phase[group] - b0) % width
            starts = np.arange(first, min(b0 + BLOCK_BP, size - width + 1), width, dtype=np.int64) - b0
            gc, acgt, lower, blocked = (c[starts + width].astype(np.int64) - c[starts] for c in counts)
            usable = (blocked == 0) & (width - acgt <= max_n) & (acgt > 0)
            n = int(usable.sum())
            with np.errstate(invalid="ignore", divide="ignore"):
                key = strata.keys(
                    np.full(len(starts), split), np.full(len(starts), group), gc / np.maximum(acgt, 1), lower / width
                )
            random = np.random.default_rng([seed, chrom_index, block + 1, group]).random(len(starts))
            pool.offer(
                stratum=key[usable],
                key=random[usable],
                chrom=np.full(n, chrom_index),
                start=starts[usable] + b0,
                group=np.full(n, group),
            )


def _block_counts(raw: str, blocked: np.ndarray) -> tuple[np.ndarray, ...]:
    """Prefix counts of G+C, A+C+G+T, soft-masked and blocked bases of one block, computed once for every grid."""
    flat = ascii_bytes(raw)
    codes = CODE_TABLES[ACGT][flat]
    masks = ((codes == 1) | (codes == 2), codes < N_CODE, (flat >= ord("a")) & (flat <= ord("z")), blocked)
    return tuple(prefix_counts(mask) for mask in masks)


def _paint(avoid: pd.DataFrame, b0: int, b1: int) -> np.ndarray:
    """Boolean mask of ``[b0, b1)``: True on every base of an ``avoid`` interval (a difference array, then cumsum)."""
    starts = np.clip(avoid["start"].to_numpy(), b0, b1) - b0
    ends = np.clip(avoid["end"].to_numpy(), b0, b1) - b0
    diff = np.zeros(b1 - b0 + 1, dtype=np.int32)
    np.add.at(diff, starts, 1)
    np.add.at(diff, ends, -1)
    return np.cumsum(diff[:-1]) > 0


def _negatives(
    pool: _Pool, chroms: list[str], positives: pd.DataFrame, pos_key: np.ndarray, strata: Strata, seed: int
) -> pd.DataFrame:
    """Chosen candidates -> negative windows: cut to a positive's length, strand like the positives'."""
    cols = pool.columns
    order = np.lexsort((cols["key"], cols["stratum"]))
    stratum, group, start = cols["stratum"][order], cols["group"][order], cols["start"][order]
    length = _paired_lengths(stratum, positives["length"].to_numpy(), pos_key)
    start = start + (strata.widths[group] - length) // 2
    rng = np.random.default_rng([seed, len(chroms) + 1])
    table = pd.DataFrame(
        {
            "chrom": np.array(chroms, dtype=object)[cols["chrom"][order]],
            "start": start,
            "end": start + length,
            "split": np.array(SPLITS, dtype=object)[strata.split(stratum)],
            "stratum": stratum,
        }
    )
    table["strand"] = _strands(table["split"], positives, rng)
    return table.sort_values(["chrom", "start", "end"], kind="stable").reset_index(drop=True)


def _paired_lengths(stratum: np.ndarray, pos_length: np.ndarray, pos_key: np.ndarray) -> np.ndarray:
    """The i-th negative of a stratum takes the length of its stratum's (i mod n)-th positive."""
    by_key = np.lexsort((np.arange(len(pos_key)), pos_key))
    key_sorted = pos_key[by_key]
    first_pos = np.searchsorted(key_sorted, stratum)
    n_pos = np.searchsorted(key_sorted, stratum, side="right") - first_pos
    rank = np.arange(len(stratum)) - np.searchsorted(stratum, stratum)
    return pos_length[by_key[first_pos + rank % np.maximum(n_pos, 1)]]


def _strands(split: pd.Series, positives: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """'.' when the positives carry no strand; else + or - with the positives' share of - in that split."""
    if not positives["strand"].isin(["+", "-"]).any():
        return np.full(len(split), ".", dtype=object)
    minus = (positives["strand"] == "-").groupby(positives["split"]).mean()
    share = split.map(minus).fillna(0.0).to_numpy()
    return np.where(rng.random(len(split)) < share, "-", "+").astype(object)


def _bin_table(n_pos: np.ndarray, pool: _Pool, strata: Strata, negatives: pd.DataFrame) -> pd.DataFrame:
    """Per split and GC bin: positives, candidates, needed, drawn and short (summed over length and repeat bins)."""
    keys = np.arange(strata.n_keys)
    frame = pd.DataFrame(
        {
            "split": np.array(SPLITS, dtype=object)[strata.split(keys)],
            "gc_bin": strata.gc_bin(keys),
            "positives": n_pos,
            "candidates": pool.available,
            "needed": pool.need,
            "negatives": np.bincount(negatives["stratum"], minlength=strata.n_keys),
        }
    )
    frame["shortfall"] = frame["needed"] - frame["negatives"]
    summed = frame.groupby(["split", "gc_bin"], sort=False).sum().reset_index()
    summed = summed[(summed[["positives", "negatives"]].sum(axis=1) > 0)]
    summed.insert(2, "gc_from", summed["gc_bin"] / GC_BINS)
    return summed.drop(columns="gc_bin").reset_index(drop=True)
