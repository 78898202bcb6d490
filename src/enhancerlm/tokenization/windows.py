"""Long sequences -> overlapping windows that fit a model, and window scores -> one score per sequence.

Policy: a sequence of L <= window_bp is one window. Longer sequences are cut into windows of
exactly window_bp starting every stride_bp (default window_bp // 2), and the last window is aligned
to the sequence end so every base is covered. A sequence's probabilities are the mean over its
windows (``"mean"``) or those of its highest-scoring window (``"max"``).
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from enhancerlm.errors import ConfigError

AGGREGATES = ("mean", "max")  # how window probabilities become a sequence's (see aggregate_windows)


class Windows(NamedTuple):
    """Windows of a batch of sequences.

    Attributes
    ----------
    seqs : list of str
        Window sequences, each at most window_bp long.
    seq_index : np.ndarray, shape=(n_windows,)
        Index of the sequence each window came from.
    starts : np.ndarray, shape=(n_windows,)
        Window start in its sequence, 0-based bp.
    """

    seqs: list[str]
    seq_index: np.ndarray
    starts: np.ndarray


def window_starts(length_bp: int, window_bp: int, stride_bp: int) -> np.ndarray:
    """Start positions (0-based bp) of the windows covering a sequence of ``length_bp``."""
    if length_bp <= window_bp:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, length_bp - window_bp + 1, stride_bp, dtype=np.int64)
    if starts[-1] != length_bp - window_bp:
        starts = np.append(starts, length_bp - window_bp)
    return starts


def default_stride_bp(window_bp: int) -> int:
    """The step between windows when none is given: half a window (every base is in about 2 windows)."""
    return max(window_bp // 2, 1)


def split_windows(seqs: Sequence[str], window_bp: int | None, stride_bp: int | None = None) -> Windows:
    """Cut every sequence longer than ``window_bp`` into windows; ``window_bp`` None means no limit."""
    if window_bp is None:
        n = len(seqs)
        return Windows(list(seqs), np.arange(n), np.zeros(n, dtype=np.int64))
    stride_bp = stride_bp or default_stride_bp(window_bp)
    if window_bp < 1 or stride_bp < 1 or stride_bp > window_bp:
        raise ConfigError(f"windows: need 1 <= stride_bp ({stride_bp}) <= window_bp ({window_bp})")
    out, index, starts = [], [], []
    for i, seq in enumerate(seqs):
        for start in window_starts(len(seq), window_bp, stride_bp):
            out.append(seq[start : start + window_bp])
            index.append(i)
            starts.append(start)
    return Windows(out, np.asarray(index, dtype=np.int64), np.asarray(starts, dtype=np.int64))


def aggregate_windows(proba: np.ndarray, seq_index: np.ndarray, n_seqs: int, how: str = "mean") -> np.ndarray:
    """Window probabilities, shape=(n_windows, n_classes) -> per sequence, shape=(n_seqs, n_classes)."""
    check_aggregate(how)
    counts = np.bincount(seq_index, minlength=n_seqs)
    if how == "mean":
        sums = np.zeros((n_seqs, proba.shape[1]), dtype=np.float64)
        np.add.at(sums, seq_index, proba)
        return (sums / counts[:, None]).astype(proba.dtype)
    # "max": the window with the highest positive-class (last class) probability speaks for the sequence.
    order = np.lexsort((proba[:, -1], seq_index))
    last = np.cumsum(counts) - 1
    return proba[order[last]]


def check_aggregate(how: str) -> None:
    """ConfigError unless ``how`` is one of ``AGGREGATES`` (callers check before scoring any window)."""
    if how not in AGGREGATES:
        raise ConfigError(f"aggregate={how!r}: use {' or '.join(map(repr, AGGREGATES))}")
