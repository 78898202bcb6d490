"""Window scores -> per-base mean track (bedGraph, bigWig) and merged enhancer calls (BED6), streamed.

Both are computed per chromosome from windows arriving in genome order, a block at a time, so
memory holds one block plus the few windows that overlap the next one.

- Track: the genome is cut at every window start and end; each piece gets the mean score of the
  scored windows covering it (with stride S < window W, a piece is covered by about W/S windows).
  Pieces covered by no scored window (N-runs, gaps between regions) are left out. Each piece's
  sum is taken over its windows in window order, so the value does not depend on how windows were
  split into blocks.
- Calls: scored windows with score >= threshold are merged when they overlap or lie at most
  ``merge_gap_bp`` apart; intervals shorter than ``min_length_bp`` are dropped. BED6 score is the
  peak window score x 1000, rounded (BED's 0-1000 scale); the name numbers calls in output order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Intervals(NamedTuple):
    """Intervals on one chromosome, 0-based half-open, bp; ``value`` is a mean or a peak score."""

    start: np.ndarray
    end: np.ndarray
    value: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


def _empty() -> Intervals:
    return Intervals(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))


def mean_pieces(start: np.ndarray, end: np.ndarray, score: np.ndarray, lo: int, hi: float) -> Intervals:
    """Per-base mean of window scores, as constant pieces inside ``[lo, hi)``.

    Parameters
    ----------
    start, end : np.ndarray, shape=(n,), int64
        Windows sorted by start, ends non-decreasing (genome order guarantees both), bp.
    score : np.ndarray, shape=(n,)
        Finite window scores.
    lo, hi : int, float
        Only pieces inside ``[lo, hi)`` are returned; ``hi`` may be ``inf``.
    """
    if len(start) == 0:
        return _empty()
    cuts = np.unique(np.concatenate([start, end, [lo]]))
    cuts = cuts[(cuts >= lo) & (cuts <= min(hi, cuts[-1]))]
    if np.isfinite(hi) and cuts[-1] < hi:
        cuts = np.append(cuts, int(hi))
    left, right = cuts[:-1], cuts[1:]
    # Windows covering [left, right): start <= left and end > left; a contiguous range by the ordering.
    first = np.searchsorted(end, left, side="right")
    stop = np.searchsorted(start, left, side="right")
    count = stop - first
    covered = count > 0
    left, right, first, count = left[covered], right[covered], first[covered], count[covered]
    if len(left) == 0:
        return _empty()
    offsets = np.arange(count.max())
    take = np.minimum(first[:, None] + offsets, len(score) - 1)
    sums = np.where(offsets < count[:, None], score[take].astype(np.float64), 0.0).sum(axis=1)
    return Intervals(left, right, sums / count)


class TrackStream:
    """Per-base mean pieces of one chromosome, fed block by block in genome order."""

    def __init__(self):
        self._start = np.empty(0, np.int64)
        self._end = np.empty(0, np.int64)
        self._score = np.empty(0, np.float32)
        self._done_to = 0  # pieces left of this position have been returned

    def add(self, start: np.ndarray, end: np.ndarray, score: np.ndarray, frontier: int) -> Intervals:
        """Add scored windows; return the pieces left of ``frontier``, which no later window can reach
        (every later window starts at or after it)."""
        self._start = np.concatenate([self._start, start])
        self._end = np.concatenate([self._end, end])
        self._score = np.concatenate([self._score, score])
        pieces = mean_pieces(self._start, self._end, self._score, self._done_to, frontier)
        self._done_to = max(self._done_to, frontier)
        carry = self._end > frontier
        self._start, self._end, self._score = self._start[carry], self._end[carry], self._score[carry]
        return pieces

    def finish(self) -> Intervals:
        return mean_pieces(self._start, self._end, self._score, self._done_to, np.inf)


class CallStream:
    """Windows at or above a threshold merged into intervals on one chromosome, fed in genome order."""

    def __init__(self, threshold: float, merge_gap_bp: int, min_length_bp: int):
        self.threshold, self.merge_gap_bp, self.min_length_bp = threshold, merge_gap_bp, min_length_bp
        self._open: tuple[int, int, float] | None = None  # the last interval, which may still grow

    def add(self, start: np.ndarray, end: np.ndarray, score: np.ndarray) -> Intervals:
        """Add scored windows; return the intervals that can no longer grow (length-filtered)."""
        hit = score >= self.threshold
        start, end, score = start[hit], end[hit], score[hit].astype(np.float64)
        if self._open is not None:
            start = np.r_[self._open[0], start]
            end = np.r_[self._open[1], end]
            score = np.r_[self._open[2], score]
        if len(start) == 0:
            return _empty()
        # Ends never decrease, so the previous window's end is the running end of the current interval.
        new = np.r_[True, start[1:] > end[:-1] + self.merge_gap_bp]
        heads = np.flatnonzero(new)
        tails = np.r_[heads[1:] - 1, len(start) - 1]
        merged = Intervals(start[heads], end[tails], np.maximum.reduceat(score, heads))
        self._open = (int(merged.start[-1]), int(merged.end[-1]), float(merged.value[-1]))
        return self._long(Intervals(*(a[:-1] for a in merged)))

    def finish(self) -> Intervals:
        if self._open is None:
            return _empty()
        last = Intervals(*(np.array([x]) for x in self._open))
        self._open = None
        return self._long(last)

    def _long(self, calls: Intervals) -> Intervals:
        keep = calls.end - calls.start >= self.min_length_bp
        return Intervals(*(a[keep] for a in calls))


def bedgraph_lines(chrom: str, pieces: Intervals) -> str:
    """bedGraph data lines (chrom, start, end, value to 6 significant digits)."""
    return "".join(f"{chrom}\t{s}\t{e}\t{v:.6g}\n" for s, e, v in zip(pieces.start, pieces.end, pieces.value))


def bed6_lines(chrom: str, calls: Intervals, first_number: int) -> str:
    """BED6 lines: chrom, start, end, name ``enhancer_<n>``, score round(1000 x peak), strand '.'."""
    scores = np.clip(np.rint(calls.value * 1000), 0, 1000).astype(int)
    return "".join(
        f"{chrom}\t{s}\t{e}\tenhancer_{first_number + i}\t{p}\t.\n"
        for i, (s, e, p) in enumerate(zip(calls.start, calls.end, scores))
    )


def bedgraph_header(name: str, description: str, probabilities: bool = True) -> str:
    """The ``track`` line IGV and the UCSC browser read: a 0-1 view for probabilities, else auto-scaled values."""
    view = "autoScale=off viewLimits=0:1" if probabilities else "autoScale=on"
    return f'track type=bedGraph name="{name}" description="{description}" visibility=full {view}\n'
