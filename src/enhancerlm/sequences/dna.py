"""DNA primitives every module shares: base codes, one-hot, reverse complement, GC fraction, k-mer ids.

Two base orders are in use, and both are named here so that no module builds its own table:
``ACGT`` (alphabetical; one-hot columns, composition, near-duplicate k-mers, complement = 3 - code)
and ``ATCG`` (DNABERT's vocabulary order, so k-mer ids equal DNABERT token ids minus the 5 special
tokens; complement = code ^ 1). In both, any other character (N, IUPAC codes, junk) has code 4,
and lower case maps like upper case: soft-masking is not a base.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

ACGT = "ACGT"
ATCG = "ATCG"  # DNABERT's vocabulary order, not alphabetical
N_CODE = 4  # code of every byte that is not A/C/G/T (either case)


def _code_table(order: str) -> np.ndarray:
    table = np.full(256, N_CODE, dtype=np.uint8)
    for i, base in enumerate(order):
        table[ord(base)] = table[ord(base.lower())] = i
    return table


# byte -> base code, one table per order; read-only so no caller can change them for the others.
CODE_TABLES = {ACGT: _code_table(ACGT), ATCG: _code_table(ATCG)}
for _frozen in CODE_TABLES.values():
    _frozen.flags.writeable = False
# base code -> code of the complementary base, per order (index 4 keeps N as N).
_COMPLEMENT_CODE = {
    ACGT: np.array([3, 2, 1, 0, N_CODE], dtype=np.uint8),
    ATCG: np.array([1, 0, 3, 2, N_CODE], dtype=np.uint8),
}
_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")
ACGT_LETTERS = np.frombuffer(ACGT.encode(), dtype=np.uint8)  # ACGT code -> its letter's byte


class Codes(NamedTuple):
    """Base codes of many sequences, concatenated.

    Attributes
    ----------
    codes : np.ndarray of uint8, shape=(total_bp,)
        Codes of all sequences, one after the other.
    lengths : np.ndarray of int64, shape=(n,)
        Length of each sequence in bp.
    """

    codes: np.ndarray
    lengths: np.ndarray

    @property
    def offsets(self) -> np.ndarray:
        """Start of each sequence in ``codes`` and the total: shape=(n + 1,), int64."""
        return np.concatenate([[0], np.cumsum(self.lengths)])


def ascii_bytes(text: str) -> np.ndarray:
    """``text`` as a uint8 array, shape=(len(text),); each non-ASCII character becomes one ``?``.

    One byte per character keeps positions aligned with the input string.
    """
    return np.frombuffer(text.encode("ascii", errors="replace"), dtype=np.uint8)


def _table(order: str) -> np.ndarray:
    if order not in CODE_TABLES:
        raise ValueError(f"base order {order!r} is not one of {sorted(CODE_TABLES)}")
    return CODE_TABLES[order]


def base_codes(seq: str, order: str = ACGT) -> np.ndarray:
    """One sequence -> base codes, shape=(L,), uint8: index in ``order``, 4 for anything else."""
    return _table(order)[ascii_bytes(seq)]


def concat_codes(seqs: Sequence[str], order: str = ACGT) -> Codes:
    """Many sequences -> their codes concatenated (one join and one table lookup, no loop per sequence)."""
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    return Codes(_table(order)[ascii_bytes("".join(seqs))], lengths)


def padded_codes(seqs: Sequence[str], order: str = ACGT, min_width: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequences -> one row of codes each, padded with code 4.

    Parameters
    ----------
    seqs : sequence of str, length n
    order : {"ACGT", "ATCG"}
    min_width : int
        Rows are at least this many columns wide (e.g. k, so that k-mer windows exist).

    Returns
    -------
    codes : np.ndarray of uint8, shape=(n, max(max_length_bp, min_width))
    lengths : np.ndarray of int64, shape=(n,)
        Sequence lengths in bp.
    """
    flat, lengths = concat_codes(seqs, order)
    width = max(int(lengths.max()) if len(lengths) else 0, min_width)
    grid = np.full((len(seqs), width), N_CODE, dtype=np.uint8)
    grid[np.arange(width) < lengths[:, None]] = flat
    return grid, lengths


def code_strings(codes) -> list[str]:
    """Rows of ACGT codes (values 0..3) -> one string of bases each.

    Parameters
    ----------
    codes : np.ndarray, shape=(n, L), or a list of n arrays of shape=(L_i,)
    """
    return [ACGT_LETTERS[row].tobytes().decode("ascii") for row in codes]


def reverse_complement_codes(codes: np.ndarray, order: str = ACGT) -> np.ndarray:
    """Codes of the reverse complement along the last axis, same shape (code 4 stays 4)."""
    return _COMPLEMENT_CODE[order][codes][..., ::-1]


def one_hot(seq: str) -> np.ndarray:
    """Sequence -> one-hot, shape=(L, 4), float64, ACGT columns; non-ACGT positions are all-zero rows.

    The complement of a one-hot row is the row with its columns reversed.
    """
    return np.vstack([np.eye(4), np.zeros((1, 4))])[base_codes(seq)]


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


def _base_counts(seqs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """G+C count and A+C+G+T count of each sequence, shape=(n,) each (int64)."""
    flat, lengths = concat_codes(seqs)
    ends = np.cumsum(lengths)
    counts = []
    for mask in ((flat == 1) | (flat == 2), flat < N_CODE):
        # Differences of a running sum at sequence ends: no per-base owner index, and 5x faster
        # than np.add.reduceat.
        running = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
        counts.append(running[ends] - running[ends - lengths])
    return counts[0], counts[1]


def gc_fraction(seqs: Sequence[str]) -> np.ndarray:
    """Fraction of G+C among the A/C/G/T bases of each sequence (N, IUPAC and case ignored).

    A sequence with no A/C/G/T (all N, or empty) gets NaN: its GC fraction is unknown, and any
    number would be a guess that statistics over records (the audit's GC-only AUROC, histograms)
    would count as a measurement. A caller that needs a number fills it in explicitly (the GC
    baseline model uses 0.5, a neutral feature value).

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


def prefix_counts(mask: np.ndarray) -> np.ndarray:
    """Running count of True values: ``out[i]`` = True values in ``mask[:i]``, shape=(L + 1,).

    int32 while it fits (a chromosome block): 4-5x faster than int64 on the same bools.
    """
    running = np.zeros(len(mask) + 1, dtype=np.int32 if len(mask) < 2**31 else np.int64)
    np.cumsum(mask, out=running[1:])
    return running


def window_sums(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many True values of ``mask`` fall in each window ``[start, end)``, from one prefix sum.

    One pass over ``mask`` and two lookups per window: O(len(mask) + n_windows) time, one integer
    array of ``len(mask) + 1`` extra memory, however many windows overlap. Windows of several grids
    over one mask: compute :func:`prefix_counts` once and subtract at each grid's bounds.

    Parameters
    ----------
    mask : np.ndarray of bool, shape=(L,)
        E.g. ``codes == 1`` for C, or the soft-masked bases of a chromosome block.
    starts, ends : np.ndarray of int, shape=(n,)
        0-based half-open windows inside ``[0, L]``.

    Returns
    -------
    np.ndarray of int64, shape=(n,)
    """
    running = prefix_counts(mask)
    return running[ends].astype(np.int64) - running[starts]


def window_base_counts(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """G+C and A+C+G+T counts (int64, shape=(n,)) of each window ``[start, end)`` of one ACGT code array.

    The window form of :func:`gc_fraction`'s counts for many windows of one long sequence (a
    chromosome block): GC fraction = gc / acgt, N (and other) bases = (end - start) - acgt.
    """
    return window_sums((codes == 1) | (codes == 2), starts, ends), window_sums(codes < N_CODE, starts, ends)


def kmer_ids(codes: np.ndarray, k: int, *, canonical: bool = False, order: str = ACGT) -> tuple[np.ndarray, np.ndarray]:
    """Ids of every k-mer window along the last axis: 2 bits per base, first base most significant.

    Parameters
    ----------
    codes : np.ndarray of uint8, shape=(..., L)
        Base codes in ``order`` (from :func:`base_codes`, :func:`concat_codes` or :func:`padded_codes`).
    k : int
        k-mer size, 1 to 31 (ids fit an int64).
    canonical : bool
        True gives strand-independent ids, min(id(kmer), id(revcomp(kmer))).
    order : {"ACGT", "ATCG"}
        Base order of ``codes`` (needed for the complement when ``canonical``).

    Returns
    -------
    ids : np.ndarray of int64, shape=(..., max(L - k + 1, 0))
        ``ids[..., j]`` identifies the k-mer starting at ``j``; ids of invalid windows are arbitrary.
    valid : np.ndarray of bool, same shape
        False where the window holds a code 4 (N, other letter, padding).
    """
    n_windows = max(codes.shape[-1] - k + 1, 0)
    # int32 while it fits (k <= 15): half the memory traffic on the tokenizer's hot path.
    dtype = np.int32 if k <= 15 else np.int64
    fwd = np.zeros(codes.shape[:-1] + (n_windows,), dtype=dtype)
    rev = np.zeros_like(fwd) if canonical else None
    invalid = np.zeros(fwd.shape, dtype=bool)
    complement = _COMPLEMENT_CODE[order] if canonical else None
    for j in range(k):  # k vectorised passes over all windows instead of a loop over windows
        part = codes[..., j : j + n_windows]
        invalid |= part > 3
        fwd <<= 2
        fwd |= part & 3
        if canonical:
            assert complement is not None  # set whenever canonical
            rev |= (complement[part] & 3).astype(dtype) << (2 * j)
    ids = np.minimum(fwd, rev) if canonical else fwd
    return ids.astype(np.int64), ~invalid


# Codes per window position: 4 bases and N. A window id is its codes read as a base-5 number.
WINDOW_BASE = N_CODE + 1


def window_ids(codes: Codes, width: int, *, whole: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Id of every window of ``width`` bp that starts in a sequence: its codes as a base-5 number.

    ``id = sum(code[start + j] * 5 ** (width - 1 - j))``, code 4 (N) included, so a window id keeps
    where its Ns are (gapped words read around them). One vectorised pass over all sequences.

    Parameters
    ----------
    codes : Codes
        Sequences from :func:`concat_codes` (either base order; ids follow it).
    width : int
        Window length in bp, 1 to 13 (ids fit an int32).
    whole : bool
        True: only windows that end inside their sequence. False: a window at every base, reading
        code 4 past the sequence's end (so the k-mers shorter than ``width`` at a sequence's end
        still have a window to start in).

    Returns
    -------
    ids : np.ndarray of int32, shape=(n_windows,)
    seq : np.ndarray of int64, shape=(n_windows,)
        The sequence each window starts in, ascending (windows in sequence order).
    """
    if not 1 <= width <= 13:
        raise ValueError(f"window width {width} bp: must be 1 to 13 (ids are int32)")
    flat, lengths = codes
    pad = width - 1
    seq_of = np.repeat(np.arange(len(lengths)), lengths)
    # Each sequence is followed by `pad` Ns, so no window reads into the next sequence.
    padded = np.full(len(flat) + pad * (len(lengths) + 1), N_CODE, dtype=np.uint8)
    starts = np.arange(len(flat)) + pad * seq_of
    padded[starts] = flat
    n_starts = len(padded) - pad
    ids = np.zeros(n_starts, dtype=np.int32)
    for j in range(width):  # width vectorised passes over contiguous slices
        ids *= WINDOW_BASE
        ids += padded[j : j + n_starts]
    ids = ids[starts]
    if whole:
        inside = np.arange(len(flat)) + width <= np.cumsum(lengths)[seq_of]
        ids, seq_of = ids[inside], seq_of[inside]
    return ids, seq_of


def window_codes(width: int) -> np.ndarray:
    """The codes of every window id (inverse of :func:`window_ids`), shape=(5**width, width), uint8."""
    powers = WINDOW_BASE ** np.arange(width - 1, -1, -1)
    return ((np.arange(WINDOW_BASE**width)[:, None] // powers) % WINDOW_BASE).astype(np.uint8)
