import numpy as np
import pytest

from enhancerlm.sequences.dna import (
    ACGT,
    ATCG,
    base_codes,
    canonical_sequences,
    code_strings,
    concat_codes,
    gc_fraction,
    kmer_ids,
    one_hot,
    padded_codes,
    reverse_complement,
    reverse_complement_codes,
    window_codes,
    window_ids,
)
from enhancerlm.tokenization.kmer import kmer_vocab


def test_base_codes_in_both_orders_fold_case_and_code_the_rest_4():
    assert base_codes("ACGTNacgt-").tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert base_codes("ACGTNacgt-", ATCG).tolist() == [0, 2, 3, 1, 4, 0, 2, 3, 1, 4]


def test_a_non_ascii_character_is_one_position():
    assert base_codes("AéC").tolist() == [0, 4, 1]


def test_unknown_order_is_refused():
    with pytest.raises(ValueError, match="base order 'ACTG'"):
        base_codes("A", "ACTG")


def test_concat_codes_and_offsets():
    codes, lengths = concat_codes(["AC", "", "G"])
    assert codes.tolist() == [0, 1, 2] and lengths.tolist() == [2, 0, 1]
    assert concat_codes(["AC", "", "G"]).offsets.tolist() == [0, 2, 2, 3]


def test_padded_codes_pad_with_n_code():
    codes, lengths = padded_codes(["ACG", "T"])
    assert codes.tolist() == [[0, 1, 2], [3, 4, 4]]
    assert lengths.tolist() == [3, 1]
    assert padded_codes(["A"], min_width=3)[0].tolist() == [[0, 4, 4]]


def test_code_strings_invert_codes():
    assert code_strings(np.array([[0, 1], [2, 3]])) == ["AC", "GT"]
    assert code_strings([np.array([3]), np.array([0, 0, 2])]) == ["T", "AAG"]


def test_one_hot_has_acgt_columns_and_zero_rows_elsewhere():
    assert one_hot("AcGTN").tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]


def test_reverse_complement_keeps_n_and_case():
    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("acGT") == "ACgt"


def test_canonical_is_strand_independent():
    seqs = ["TTTG", "CAAA", "ACGT"]
    assert canonical_sequences(seqs).tolist() == ["CAAA", "CAAA", "ACGT"]


def test_gc_fraction_ignores_n_and_case():
    gc = gc_fraction(["GGCC", "ATGC", "ggNN", "NNNN", ""])
    np.testing.assert_allclose(gc[:3], [1.0, 0.5, 1.0])
    assert np.isnan(gc[3]) and np.isnan(gc[4])


def test_kmer_ids_forward_and_canonical():
    codes, _ = padded_codes(["ACGTN", "TTTT"])
    ids, valid = kmer_ids(codes, 2, canonical=False)
    assert ids[0, :3].tolist() == [0 * 4 + 1, 1 * 4 + 2, 2 * 4 + 3]  # AC, CG, GT
    assert valid.tolist() == [[True, True, True, False], [True, True, True, False]]
    canonical, _ = kmer_ids(codes, 2, canonical=True)
    assert canonical[1, 0] == 0  # TT -> its reverse complement AA


@pytest.mark.parametrize("order", [ACGT, ATCG])
@pytest.mark.parametrize("seq", ["ACGGTTACGATTAGC", "GGGGCCCCAT"])
def test_canonical_kmers_equal_on_both_strands(seq, order):
    fwd, _ = kmer_ids(padded_codes([seq], order)[0], 5, canonical=True, order=order)
    rev, _ = kmer_ids(padded_codes([reverse_complement(seq)], order)[0], 5, canonical=True, order=order)
    assert sorted(fwd[0]) == sorted(rev[0])


def test_atcg_kmer_ids_are_dnabert_vocabulary_positions():
    seq = "ATCGGATTAC"
    ids, valid = kmer_ids(base_codes(seq, ATCG), 3, order=ATCG)
    vocab = kmer_vocab(3)
    assert valid.all()
    assert (ids + 5).tolist() == [vocab.index(seq[i : i + 3]) for i in range(len(seq) - 2)]


def test_long_kmers_use_the_whole_int64():
    ids, _ = kmer_ids(base_codes("T" * 16 + "A" * 16), 16, canonical=True)
    assert ids.dtype == np.int64
    assert ids[0] == 0  # T^16 -> its reverse complement A^16
    assert kmer_ids(base_codes("T" * 16), 16)[0].tolist() == [4**16 - 1]


@pytest.mark.parametrize("whole", [True, False])
def test_window_ids_read_every_window_of_every_sequence_in_base_5(whole):
    seqs, width = ["ACGTN", "AC", "g", "TTTTTT"], 3
    ids, seq = window_ids(concat_codes(seqs, ATCG), width, whole=whole)
    # The definition: a window per start (only those that fit when whole), reading N past the end.
    windows = [
        ((s + "N" * width)[start : start + width], i)
        for i, s in enumerate(seqs)
        for start in range(len(s) - width + 1 if whole else len(s))
    ]
    assert seq.tolist() == [i for _, i in windows]
    codes = [base_codes(window, ATCG) for window, _ in windows]
    assert ids.tolist() == [int(c @ 5 ** np.arange(width - 1, -1, -1)) for c in codes]
    np.testing.assert_array_equal(window_codes(width)[ids], codes)


def test_reverse_complement_codes_keep_n():
    codes = base_codes("ACGTN", ATCG)
    assert reverse_complement_codes(codes, ATCG).tolist() == base_codes("NACGT", ATCG).tolist()
    assert reverse_complement_codes(base_codes("AACN")).tolist() == base_codes("NGTT").tolist()


def test_window_sums_and_base_counts_match_slicing():
    from enhancerlm.sequences.dna import window_base_counts, window_sums

    seq = "ACGTNNacgtGGCC"
    codes = base_codes(seq)
    starts, ends = np.array([0, 2, 4, 0, 7]), np.array([4, 9, 6, 14, 7])
    gc, acgt = window_base_counts(codes, starts, ends)
    for s, e, g, a in zip(starts, ends, gc, acgt):
        window = seq[s:e].upper()
        assert g == window.count("G") + window.count("C") and a == len(window) - window.count("N")
    lower = np.frombuffer(seq.encode(), dtype=np.uint8) >= ord("a")
    assert window_sums(lower, starts, ends).tolist() == [0, 3, 0, 4, 0]
