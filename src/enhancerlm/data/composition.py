"""Per-sequence base composition, strand helpers and vectorised k-mer ids shared by the audit and prepare steps."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

# byte -> base code A=0, C=1, G=2, T=3 (so the complement of code c is 3 - c); anything else -> 4.
N_CODE = 4
_CODE = np.full(256, N_CODE, dtype=np.uint8)
for _i, _b in enumerate("ACGT"):
    _CODE[ord(_b)] = _i
    _CODE[ord(_b.lower())] = _i

_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def reverse_complement(seq: str) -> str:
    """Reverse complement of an ``ACGTN`` string (case kept; other characters kept as they are)."""
    return seq.translate(_COMPLEMENT)[::-1]


def canonical_sequences(seqs: Sequence[str]) -> pd.Series:
    """The lexicographically smaller of each sequence and its reverse complement.

    Two records are the same molecule on either strand exactly when their canonical sequences are equal.

    Parameters
    ----------
    seqs : sequence of str, length n

    Returns
    -------
    pd.Series of str, length n, index 0..n-1
    """
    fwd = pd.Series(list(seqs), dtype=object)
    rev = pd.Series([reverse_complement(s) for s in fwd], dtype=object)
    return fwd.where(fwd <= rev, rev)


def encode(seqs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sequences -> a padded matrix of base codes (A=0, C=1, G=2, T=3, other/padding=4).

    Returns
    -------
    codes : np.ndarray of uint8, shape=(n, max_length_bp)
    lengths : np.ndarray of int64, shape=(n,)
        Sequence lengths in bp.
    """
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    width = int(lengths.max()) if len(lengths) else 0
    codes = np.full((len(seqs), width), N_CODE, dtype=np.uint8)
    # One join + one table lookup instead of a loop per sequence; non-ASCII becomes '?' (-> 4).
    flat = _CODE[np.frombuffer("".join(seqs).encode("ascii", errors="replace"), dtype=np.uint8)]
    codes[np.arange(width) < lengths[:, None]] = flat
    return codes, lengths


def _base_counts(seqs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """G+C count and A+C+G+T count of each sequence, shape=(n,) each (int64)."""
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    flat = _CODE[np.frombuffer("".join(seqs).encode("ascii", errors="replace"), dtype=np.uint8)]
    ends = np.cumsum(lengths)
    counts = []
    for mask in ((flat == 1) | (flat == 2), flat < N_CODE):
        # Differences of a running sum at sequence ends: no per-base owner index, and 5x faster
        # than np.add.reduceat.
        running = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
        counts.append(running[ends] - running[ends - lengths])
    return counts[0], counts[1]


def gc_content(seqs: Sequence[str]) -> np.ndarray:
    """Fraction of G+C among the A/C/G/T bases of each sequence (N excluded); NaN with no A/C/G/T.

    Returns
    -------
    np.ndarray of float64, shape=(n,)
    """
    gc, acgt = np.zeros(len(seqs)), np.zeros(len(seqs))
    step = 100_000  # sequences per chunk: bounds the per-base temporaries
    for start in range(0, len(seqs), step):
        gc[start : start + step], acgt[start : start + step] = _base_counts(seqs[start : start + step])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(acgt > 0, gc / np.maximum(acgt, 1), np.nan)


def kmer_ids(codes: np.ndarray, k: int, canonical: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """k-mer ids (2 bits per base, first base most significant) of every window of every sequence.

    Parameters
    ----------
    codes : np.ndarray of uint8, shape=(n, width)
        From :func:`encode`.
    k : int
        k-mer size, 1 to 31 (ids fit an int64).
    canonical : bool
        True gives strand-independent ids, min(id(kmer), id(revcomp(kmer))).

    Returns
    -------
    ids : np.ndarray of int64, shape=(n, width - k + 1)
        ``ids[i, j]`` identifies the k-mer starting at ``j`` in sequence ``i``.
    valid : np.ndarray of bool, same shape
        False where the window holds an N, padding or runs past the sequence end.
    """
    n, width = codes.shape
    n_windows = max(width - k + 1, 0)
    fwd = np.zeros((n, n_windows), dtype=np.int64)
    rev = np.zeros((n, n_windows), dtype=np.int64)
    bad = np.zeros((n, n_windows), dtype=bool)
    for j in range(k):  # k vectorised passes over all windows instead of a loop over windows
        col = codes[:, j : j + n_windows].astype(np.int64)
        fwd = fwd * 4 + np.minimum(col, 3)
        if canonical:
            rev += (3 - np.minimum(col, 3)) << (2 * j)
        bad |= col == N_CODE
    return (np.minimum(fwd, rev) if canonical else fwd), ~bad
