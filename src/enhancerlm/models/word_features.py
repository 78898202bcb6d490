"""Word frequencies (k-mers, gapped k-mers) kept as window counts times a word table, never as an n x d matrix.

A sequence's k-mer or gapped k-mer frequencies are linear in the counts of its windows: every window of
``width`` bp (:func:`enhancerlm.sequences.dna.window_ids`) adds the same words to the same columns
wherever it occurs, and each block of columns (one k, one gap mask) is divided by the sequence's number
of valid words in that block. So the features of n sequences are

    counts (n x 5**width, about one nonzero per bp) @ table (5**width x n_features), scaled per row and block,

and :class:`WordFeatures` keeps that product unevaluated, as a scipy ``LinearOperator``: a fit or a score
needs only ``features @ V`` and ``features.T @ R``. Footprint per 10,000 sequences of ~270 bp: the window
counts, 2.6M nonzeros, 32 MB (float64 counts + int32 ids), against 3,900 nonzeros a row (310 MB as
float32 CSR, 410 MB dense float32) for the 10,240 gapped k-mer columns, or 540 (43 MB CSR, 109 MB dense)
for the 2,728 canonical 4/5/6-mer columns. ``tocsr`` builds the explicit float32 CSR matrix, chunk by chunk.
scikit-learn has no such product form (its featurisers return the matrix), hence this module.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import LinearOperator

from enhancerlm.sequences.dna import ATCG, WINDOW_BASE, concat_codes, window_ids

_CHUNK = 16_384  # sequences whose windows are counted at once: bounds the per-base temporaries (~40 MB)
_DENSE_CHUNK = 1024  # rows made explicit at once by tocsr / column_moments (84 MB for 10,240 float64 columns)


class WordTable:
    """What one window adds to each feature column, and which columns are normalised together.

    Parameters
    ----------
    width : int
        Window length in bp; window ids are base-5 numbers of its codes in DNABERT's ``ATCG`` order.
    whole : bool
        True: only windows that end inside their sequence count (gapped words span the whole window).
        False: a window starts at every base and reads N past the end (k-mers shorter than ``width``).
    rows, cols : np.ndarray of int, shape=(n_entries,)
        Window id and feature column of each word a window holds (repeats add up).
    block : np.ndarray of int, shape=(n_features,)
        Block of each column, 0..n_blocks-1: a sequence's counts in a block are divided by their sum.
    """

    def __init__(self, width: int, whole: bool, rows: np.ndarray, cols: np.ndarray, block: np.ndarray):
        self.width, self.whole, self.block = width, whole, np.asarray(block)
        self.n_features, self.n_blocks = len(self.block), int(self.block.max()) + 1
        if np.any(np.diff(self.block) < 0):
            raise ValueError("word table: the columns of a block must be contiguous, blocks in order")
        ends = np.cumsum(np.bincount(self.block, minlength=self.n_blocks))
        self.block_bounds = list(zip(np.concatenate([[0], ends[:-1]]), ends))
        shape = (WINDOW_BASE**width, self.n_features)
        self.table = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)  # duplicates add up
        # Per window id, the valid words it adds to each block: row totals are counts @ block_sums.
        self.block_sums = self.table @ _one_hot(self.block, self.n_blocks)
        self.columns = _padded_columns(rows, cols, shape)


def _padded_columns(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Each window id's word columns, one row each, padded with ``n_features`` (a column that is dropped)."""
    order = np.argsort(rows, kind="stable")
    rows, cols = rows[order], cols[order]
    slot = np.arange(len(rows)) - np.searchsorted(rows, rows)  # rank of each word within its window
    out = np.full((shape[0], int(slot.max()) + 1 if len(slot) else 1), shape[1], dtype=np.int64)
    out[rows, slot] = cols
    return out


def _one_hot(index: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((len(index), n))
    out[np.arange(len(index)), index] = 1.0
    return out


def window_counts(seqs: Sequence[str], width: int, whole: bool) -> sparse.csr_matrix:
    """Counts of each window id per sequence, shape=(len(seqs), 5**width), float64 CSR.

    One entry per window, in sequence order: a window that repeats inside a sequence has several
    entries, which every product and ``dense_rows`` add up. Left unsorted and unmerged, because
    sorting 100k x 270 entries row by row took as long as all of a fit's products with them.
    """
    ids, lengths = [], []
    for lo in range(0, len(seqs), _CHUNK):
        part_ids, seq = window_ids(concat_codes(list(seqs[lo : lo + _CHUNK]), ATCG), width, whole=whole)
        ids.append(part_ids)
        lengths.append(np.bincount(seq, minlength=len(seqs[lo : lo + _CHUNK])))
    indices = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]) if lengths else np.zeros(1, dtype=np.int64)
    shape = (len(seqs), WINDOW_BASE**width)
    return sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=shape, copy=False)


class WordFeatures(LinearOperator):
    """The word frequencies of ``seqs``, shape=(len(seqs), n_features), as window counts x table.

    ``features @ V`` (V: (n_features, K)) and ``features.T @ R`` (R: (len(seqs), K)) cost
    O(nnz(counts) x n_blocks x K); when every block of a row has the same number of valid words (gapped
    k-mers without N: every mask reads every window), those rows cost O(nnz(counts) x K).

    Parameters
    ----------
    seqs : sequence of str
    words : WordTable
    """

    def __init__(self, seqs: Sequence[str], words: WordTable):
        self.words = words
        self.counts = window_counts(seqs, words.width, words.whole)
        totals = self.counts @ words.block_sums  # (n, n_blocks): valid words per row and block
        self.row_totals = np.maximum(totals, 1.0)  # a row without words keeps zeros
        uneven = np.flatnonzero((totals != totals[:, :1]).any(axis=1)) if len(totals) else np.empty(0, int)
        # Rows whose blocks differ take the block-wise product; when most do (k-mers of several k),
        # all rows take it, without a copy of their counts.
        self._uneven = uneven if len(uneven) <= len(totals) // 2 else None
        self._uneven_counts = self.counts[uneven] if self._uneven is not None else self.counts
        super().__init__(dtype=np.float64, shape=(len(totals), words.n_features))

    def _blockwise(self, counts: sparse.csr_matrix, row_totals: np.ndarray, V: np.ndarray) -> np.ndarray:
        """Rows of ``counts`` times V, each block divided by its own row total: shape=(n_rows, K)."""
        B, K = self.words.n_blocks, V.shape[1]
        spread = np.zeros((len(V), B, K))  # column j's coefficients in its own block's slot
        spread[np.arange(len(V)), self.words.block] = V
        per_block = (counts @ (self.words.table @ spread.reshape(len(V), B * K))).reshape(-1, B, K)
        return (per_block / row_totals[:, :, None]).sum(axis=1)

    def _blockwise_t(self, counts: sparse.csr_matrix, row_totals: np.ndarray, R: np.ndarray) -> np.ndarray:
        """``counts``' rows transposed times R, each block divided by its row total: shape=(n_features, K)."""
        B, K = self.words.n_blocks, R.shape[1]
        scaled = (R[:, None, :] / row_totals[:, :, None]).reshape(len(R), B * K)
        per_block = (self.words.table.T @ (counts.T @ scaled)).reshape(-1, B, K)
        return per_block[np.arange(self.shape[1]), self.words.block]

    def _matmat(self, V: np.ndarray) -> np.ndarray:
        V = np.asarray(V, dtype=np.float64)
        if self._uneven is None:
            return self._blockwise(self.counts, self.row_totals, V)
        out = (self.counts @ (self.words.table @ V)) / self.row_totals[:, :1]
        if len(self._uneven):
            out[self._uneven] = self._blockwise(self._uneven_counts, self.row_totals[self._uneven], V)
        return out

    def _rmatmat(self, R: np.ndarray) -> np.ndarray:
        R = np.asarray(R, dtype=np.float64)
        if self._uneven is None:
            return self._blockwise_t(self.counts, self.row_totals, R)
        even = R / self.row_totals[:, :1]
        even[self._uneven] = 0.0
        out = self.words.table.T @ (self.counts.T @ even)
        if len(self._uneven):
            out += self._blockwise_t(self._uneven_counts, self.row_totals[self._uneven], R[self._uneven])
        return out

    def _matvec(self, v: np.ndarray) -> np.ndarray:
        return self._matmat(np.reshape(v, (-1, 1)))[:, 0]

    def _rmatvec(self, r: np.ndarray) -> np.ndarray:
        return self._rmatmat(np.reshape(r, (-1, 1)))[:, 0]

    def dense_rows(self, rows: np.ndarray) -> np.ndarray:
        """The explicit features of ``rows`` (indices), shape=(len(rows), n_features), float64."""
        counts, d = self.counts[rows], self.shape[1]
        cols = self.words.columns[counts.indices]  # (nnz, max words per window); d where a window has fewer
        owner = np.repeat(np.arange(len(rows)) * (d + 1), np.diff(counts.indptr))
        weights = np.broadcast_to(counts.data[:, None], cols.shape).ravel()
        dense = np.bincount((owner[:, None] + cols).ravel(), weights, minlength=len(rows) * (d + 1))
        dense = dense.reshape(len(rows), d + 1)[:, :d]
        for b, (lo, hi) in enumerate(self.words.block_bounds):
            dense[:, lo:hi] /= self.row_totals[rows, b : b + 1]
        return dense

    def row_chunks(self, rows: np.ndarray | None = None):
        """The explicit features of ``rows`` (default: all), ``_DENSE_CHUNK`` rows at a time, dense float64."""
        rows = np.arange(self.shape[0]) if rows is None else np.asarray(rows)
        for lo in range(0, len(rows), _DENSE_CHUNK):
            yield self.dense_rows(rows[lo : lo + _DENSE_CHUNK])

    def tocsr(self, dtype=np.float32) -> sparse.csr_matrix:
        """The feature matrix, shape=(n, n_features), CSR: one float32 value and one int32 column per nonzero."""
        parts = [sparse.csr_matrix(chunk.astype(dtype)) for chunk in self.row_chunks()]
        if not parts:
            return sparse.csr_matrix(self.shape, dtype=dtype)
        return parts[0] if len(parts) == 1 else sparse.vstack(parts, format="csr")

    def column_moments(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Mean and (population) variance of every column over ``rows`` (default: all): shape=(n_features,) each.

        Time O(len(rows) x n_features): one dense pass, ``_DENSE_CHUNK`` rows at a time.
        """
        sums, squares = np.zeros(self.shape[1]), np.zeros(self.shape[1])
        for chunk in self.row_chunks(rows):
            sums += chunk.sum(axis=0)
            squares += np.einsum("ij,ij->j", chunk, chunk)
        n = max(self.shape[0] if rows is None else len(rows), 1)
        mean = sums / n
        return mean, np.maximum(squares / n - mean**2, 0.0)
