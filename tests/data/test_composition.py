import numpy as np
import pytest

from enhancerlm.data.composition import (canonical_sequences, encode, gc_content, kmer_ids,
                                         reverse_complement)


def test_reverse_complement_keeps_n_and_case():
    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("acGT") == "ACgt"


def test_canonical_is_strand_independent():
    seqs = ["TTTG", "CAAA", "ACGT"]
    assert canonical_sequences(seqs).tolist() == ["CAAA", "CAAA", "ACGT"]


def test_gc_content_ignores_n_and_case():
    gc = gc_content(["GGCC", "ATGC", "ggNN", "NNNN", ""])
    np.testing.assert_allclose(gc[:3], [1.0, 0.5, 1.0])
    assert np.isnan(gc[3]) and np.isnan(gc[4])


def test_encode_pads_with_n_code():
    codes, lengths = encode(["ACG", "T"])
    assert codes.tolist() == [[0, 1, 2], [3, 4, 4]]
    assert lengths.tolist() == [3, 1]


def test_kmer_ids_forward_and_canonical():
    codes, _ = encode(["ACGTN", "TTTT"])
    ids, valid = kmer_ids(codes, 2, canonical=False)
    assert ids[0, :3].tolist() == [0 * 4 + 1, 1 * 4 + 2, 2 * 4 + 3]  # AC, CG, GT
    assert valid.tolist() == [[True, True, True, False], [True, True, True, False]]
    canonical, _ = kmer_ids(codes, 2)
    assert canonical[1, 0] == 0  # TT -> its reverse complement AA


@pytest.mark.parametrize("seq", ["ACGGTTACGATTAGC", "GGGGCCCCAT"])
def test_canonical_kmers_equal_on_both_strands(seq):
    fwd, _ = kmer_ids(encode([seq])[0], 5)
    rev, _ = kmer_ids(encode([reverse_complement(seq)])[0], 5)
    assert sorted(fwd[0]) == sorted(rev[0])
