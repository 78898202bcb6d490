import numpy as np
import pandas as pd
import pytest

from enhancerlm.data.leakage.near_duplicates import (
    EMPTY,
    MinHashLSH,
    _hash_coefficients,
    _hash_table,
    _signature_chunk,
    best_matches,
    kmer_jaccard,
    minhash_signatures,
    near_duplicate_pairs,
)
from enhancerlm.errors import ConfigError
from enhancerlm.sequences.dna import canonical_sequences, reverse_complement


def _canonical_kmers(seq, k):
    return {
        min(seq[i : i + k], reverse_complement(seq[i : i + k]))
        for i in range(len(seq) - k + 1)
        if "N" not in seq[i : i + k]
    }


def _jaccard(x, y, k):
    a, b = _canonical_kmers(x, k), _canonical_kmers(y, k)
    return len(a & b) / len(a | b)


def test_exact_jaccard_matches_python_sets(dna):
    seqs = [dna.A, dna.D, dna.D_ONE_MISMATCH, reverse_complement(dna.D), "ACGTNNNNACGTACGGT"]
    pairs = np.array([(i, j) for i in range(5) for j in range(5)])
    got = kmer_jaccard(seqs, seqs, pairs, 8)
    expected = [_jaccard(seqs[i], seqs[j], 8) for i, j in pairs]
    np.testing.assert_allclose(got, expected)
    assert got[1 * 5 + 3] == 1.0  # D and its reverse complement


def test_finds_one_mismatch_and_reverse_strand_but_not_unrelated(dna):
    query = [dna.D_ONE_MISMATCH, reverse_complement(dna.D_ONE_MISMATCH), dna.E]
    found = near_duplicate_pairs(query, [dna.A, dna.B, dna.C, dna.D])
    assert found[["query", "reference"]].to_numpy().tolist() == [[0, 3], [1, 3]]
    np.testing.assert_allclose(found["jaccard"], _jaccard(dna.D, dna.D_ONE_MISMATCH, 8))


def test_self_join_lists_each_pair_once(dna):
    found = near_duplicate_pairs([dna.D, dna.A, dna.D_ONE_MISMATCH, dna.D])
    assert found[["query", "reference"]].to_numpy().tolist() == [[0, 2], [0, 3], [2, 3]]


def test_threshold_is_inclusive_and_exact(dna):
    j = _jaccard(dna.D, dna.D_ONE_MISMATCH, 8)
    assert len(near_duplicate_pairs([dna.D], [dna.D_ONE_MISMATCH], MinHashLSH(threshold=j))) == 1
    assert len(near_duplicate_pairs([dna.D], [dna.D_ONE_MISMATCH], MinHashLSH(threshold=j + 1e-9))) == 0


def test_sequences_without_kmers_are_never_matched(dna):
    sig = minhash_signatures(["ACG", "NNNNNNNNNN", dna.A], MinHashLSH())
    assert (sig[:2] == EMPTY).all() and not (sig[2] == EMPTY).any()
    assert len(near_duplicate_pairs(["ACG", "NNNNNNNNNN"], ["ACG", "NNNNNNNNNN"])) == 0
    assert (minhash_signatures(["ACG", "TTTTT"], MinHashLSH()) == EMPTY).all()  # all shorter than k


def test_signatures_are_seeded_and_strand_independent(dna):
    params = MinHashLSH(seed=3)
    sig = minhash_signatures([dna.A, reverse_complement(dna.A)], params)
    assert (sig[0] == sig[1]).all()
    assert (minhash_signatures([dna.A], params) == minhash_signatures([dna.A], MinHashLSH(seed=3))).all()
    assert not (minhash_signatures([dna.A], MinHashLSH(seed=4)) == sig[:1]).all()


def test_full_table_and_per_chunk_hashing_agree(dna):
    params = MinHashLSH()
    a, b = _hash_coefficients(params.num_perm, params.seed)
    full = _hash_table(np.arange(4**params.k), a, b)
    seqs = [dna.A, dna.D_ONE_MISMATCH, "ACGTNACGTACGTTT"]
    assert (_signature_chunk(seqs, 8, a, b, full) == _signature_chunk(seqs, 8, a, b, None)).all()


def test_larger_k_finds_the_one_mismatch_pair(dna):
    found = near_duplicate_pairs([dna.D_ONE_MISMATCH], [dna.A, dna.D], MinHashLSH(k=10, threshold=0.4))
    np.testing.assert_allclose(found["jaccard"], [_jaccard(dna.D, dna.D_ONE_MISMATCH, 10)])


def test_bands_give_the_promised_recall():
    params = MinHashLSH(threshold=0.5, num_perm=128)
    bands, rows = params.bands_rows
    assert (bands, rows) == (42, 3)
    assert 1 - (1 - 0.5**rows) ** bands >= 0.99 > 1 - (1 - 0.5 ** (rows + 1)) ** (128 // (rows + 1))


@pytest.mark.parametrize("kwargs", [{"k": 3}, {"k": 16}, {"threshold": 0}, {"threshold": 1.5}, {"num_perm": 4}])
def test_bad_parameters_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        MinHashLSH(**kwargs)


def test_best_matches_give_each_query_row_its_most_similar_reference(dna):
    def table(ids, seqs, index):
        return pd.DataFrame(
            {"id": ids, "sequence": seqs, "canonical": canonical_sequences(seqs).to_numpy()}, index=index
        )

    near_d = dna.D[:30] + "A" + dna.D[31:]  # D[30] is "T": less like D_ONE_MISMATCH than D itself is
    query = table(["q1", "q2", "q3"], [dna.E, dna.D_ONE_MISMATCH, reverse_complement(dna.D_ONE_MISMATCH)], [7, 3, 5])
    reference = table(["r_far", "r_d", "r_a"], [near_d, dna.D, dna.A], [0, 1, 2])
    found = best_matches(query, reference)
    assert found.columns.tolist() == ["row", "match_id", "jaccard"]
    assert found[["row", "match_id"]].to_numpy().tolist() == [[3, "r_d"], [5, "r_d"]]
    np.testing.assert_allclose(found["jaccard"], _jaccard(dna.D, dna.D_ONE_MISMATCH, 8))
