"""Word frequencies in product form: exactly the features the per-chunk builders gave, and exact products."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.models.gkm_lr import gapped_kmer_frequencies, gapped_masks, gapped_table
from enhancerlm.models.kmer_lr import _canonical_ids, kmer_frequencies, kmer_table
from enhancerlm.models.word_features import WordFeatures
from enhancerlm.sequences.dna import ATCG, concat_codes, kmer_ids, reverse_complement


def old_kmer_frequencies(seqs, k, canonical):
    """The k-mer builder before product form (dense float64, one bincount per chunk), kept as the reference."""
    codes, lengths = concat_codes(seqs, ATCG)
    ids, valid = kmer_ids(codes, k)
    seq_of = np.repeat(np.arange(len(seqs)), lengths)[: len(ids)]
    valid &= np.arange(len(ids)) + k <= np.cumsum(lengths)[seq_of]
    ids, seq_of = ids[valid], seq_of[valid]
    if canonical:
        ids = _canonical_ids(k)[ids]
    counts = np.bincount(seq_of * 4**k + ids, minlength=len(seqs) * 4**k).reshape(len(seqs), 4**k).astype(float)
    keep = np.unique(_canonical_ids(k)) if canonical else np.arange(4**k)
    return counts[:, keep] / np.maximum(counts.sum(axis=1, keepdims=True), 1)


def old_gapped_frequencies(seqs, length, informative):
    """The gapped k-mer builder before product form (dense float32, both strands counted apart)."""
    masks = gapped_masks(length, informative)

    def counts(strand):
        codes, lengths = concat_codes(strand, ATCG)
        n_words = max(len(codes) - length + 1, 0)
        seq_of = np.repeat(np.arange(len(strand)), lengths)[:n_words]
        inside = np.arange(n_words) + length <= np.cumsum(lengths)[seq_of]
        out = np.zeros((len(strand), len(masks) * 4**informative), dtype=np.float32)
        for m, mask in enumerate(masks):
            read = np.stack([codes[off : off + n_words] for off in mask])
            valid = inside & (read < 4).all(axis=0)
            ids = (read[:, valid].astype(np.int64) * (4 ** np.arange(informative - 1, -1, -1))[:, None]).sum(axis=0)
            flat = np.bincount(seq_of[valid] * 4**informative + ids, minlength=len(strand) * 4**informative)
            out[:, m * 4**informative : (m + 1) * 4**informative] = flat.reshape(len(strand), -1)
        return out

    per_mask = (counts(seqs) + counts([reverse_complement(s) for s in seqs])).reshape(len(seqs), len(masks), -1)
    return (per_mask / np.maximum(per_mask.sum(axis=2, keepdims=True), 1)).reshape(len(seqs), -1)


@pytest.fixture(scope="module")
def seqs():
    """Random records of 1-40 bp, some with N, plus soft-masked, tiny and palindromic ones."""
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 41, size=300)
    drawn = ["".join(rng.choice(list("ACGTN"), n, p=[0.24, 0.24, 0.24, 0.24, 0.04])) for n in lengths]
    return drawn + ["acgtNNacgt", "A", "AC", "ACGTACGT", "NNNNNNNN"]


@pytest.mark.parametrize("k", [3, 4, 6])
@pytest.mark.parametrize("canonical", [True, False])
def test_kmer_frequencies_equal_the_old_builder_exactly(seqs, k, canonical):
    new = kmer_frequencies(seqs, k, canonical)
    assert new.dtype == np.float32 and new.format == "csr"
    np.testing.assert_array_equal(new.toarray(), old_kmer_frequencies(seqs, k, canonical).astype(np.float32))


@pytest.mark.parametrize(("length", "informative"), [(7, 5), (5, 3), (6, 4), (4, 4)])
def test_gapped_frequencies_equal_the_old_builder_exactly(seqs, length, informative):
    new = gapped_kmer_frequencies(seqs, length, informative)
    np.testing.assert_array_equal(new.toarray(), old_gapped_frequencies(seqs, length, informative))


@pytest.mark.parametrize("table", [kmer_table((4, 5, 6)), gapped_table(7, 5)], ids=["kmer", "gapped"])
@pytest.mark.parametrize("with_n", [False, True], ids=["acgt", "with-n"])
def test_products_equal_the_explicit_matrix(table, with_n):
    # k-mers of three k always differ per block (every row takes the block-wise product); gapped rows
    # without N share one total (the fast path) and rows with N take the block-wise one.
    rng = np.random.default_rng(1)
    alphabet = "ACGTN" if with_n else "ACGT"
    seqs = ["".join(rng.choice(list(alphabet), int(n))) for n in rng.integers(3, 60, size=200)]
    features = WordFeatures(seqs, table)
    explicit = features.tocsr(np.float64)
    V, R = rng.normal(size=(features.shape[1], 2)), rng.normal(size=(len(seqs), 2))
    np.testing.assert_allclose(features @ V, explicit @ V, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(features.T @ R, explicit.T @ R, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(features @ V[:, 0], explicit @ V[:, 0], rtol=1e-12, atol=1e-12)
    mean, var = features.column_moments()
    dense = explicit.toarray()
    np.testing.assert_allclose(mean, dense.mean(axis=0), atol=1e-15)
    np.testing.assert_allclose(var, dense.var(axis=0), atol=1e-14)
    rows = np.array([3, 50, 51, 199])
    np.testing.assert_allclose(features.column_moments(rows)[1], dense[rows].var(axis=0), atol=1e-14)


def test_no_sequences_give_an_empty_matrix():
    assert kmer_frequencies([], 4).shape == (0, 136)
    assert WordFeatures([], gapped_table(7, 5)).shape == (0, 10240)
