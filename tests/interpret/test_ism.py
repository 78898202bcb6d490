"""Saturation mutagenesis: mutants, exact deltas on a hand-set model, chunking, log-odds, top mutations."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import InputError
from enhancerlm.interpret.ism import log_odds, saturation_mutagenesis, single_mutants, top_mutations

W = np.array([0.0, 1.0, 1.5, -0.5])  # log-odds weight of A, C, G, T


def test_single_mutants_substitute_each_valid_base_three_ways():
    mutants, positions, alts = single_mutants("ACnT")
    assert len(mutants) == 9  # N (any case) is not mutated
    assert positions.tolist() == [0, 0, 0, 1, 1, 1, 3, 3, 3]
    for mutant, pos, alt in zip(mutants, positions, alts):
        diff = [i for i, (a, b) in enumerate(zip("ACNT", mutant)) if a != b]
        assert diff == [pos] and mutant[pos] == "ACGT"[alt]
    assert sorted(m[0] for m in mutants[:3]) == ["C", "G", "T"]


def test_deltas_are_exact_for_an_additive_model(make_counting):
    result = saturation_mutagenesis(make_counting(W), ["ACGTN", "GG"])
    ref = np.array([0, 1, 2, 3])
    assert result.ref_logit == pytest.approx([W.sum(), 3.0])
    expected = W[None, :] - W[ref][:, None]
    assert result.deltas[0][:4] == pytest.approx(expected)
    assert np.isnan(result.deltas[0][4]).all()
    attribution = result.attribution[0]
    assert attribution[:4] == pytest.approx([W[r] - (W.sum() - W[r]) / 3 for r in ref])
    assert attribution[4] == 0.0
    assert result.deltas[1][0] == pytest.approx(W - W[2])


def test_chunking_and_batch_size_do_not_change_results(make_counting):
    seqs = ["ACGTTGCA", "GGGCCA", "TTTTACGTAC"]
    a = saturation_mutagenesis(make_counting(W), seqs)
    b = saturation_mutagenesis(make_counting(W), seqs, max_mutants=5, batch_size=3)
    assert np.array_equal(a.ref_logit, b.ref_logit)
    for x, y in zip(a.deltas, b.deltas):
        assert np.array_equal(x, y)


def test_log_odds_keeps_precision_of_saturated_probabilities():
    proba = np.array([[1e-12, 1 - 1e-12], [0.5, 0.5], [0.2, 0.8]], dtype=np.float32)
    assert log_odds(proba, 1) == pytest.approx([np.log(1e12), 0.0, np.log(4.0)], rel=1e-5)
    assert log_odds(proba, 0)[2] == pytest.approx(-np.log(4.0), rel=1e-5)


def test_unknown_target_class_is_an_input_error(make_counting):
    with pytest.raises(InputError, match="'strong'"):
        saturation_mutagenesis(make_counting(W), ["ACGT"], target="strong")


def test_top_mutations_are_the_largest_absolute_deltas(make_counting):
    result = saturation_mutagenesis(make_counting(W), ["AT"])
    table = top_mutations(["s1"], ["AT"], result, n_top=2)
    # A->G +1.5 and T->G +2.0 are the two largest changes.
    assert table[["position", "ref", "alt"]].values.tolist() == [[1, "T", "G"], [0, "A", "G"]]
    assert table["delta"].tolist() == pytest.approx([2.0, 1.5])
    assert table["rank"].tolist() == [1, 2]


def test_long_sequences_go_through_predict_windows(make_counting):
    model = make_counting(W, max_bp=4)
    result = saturation_mutagenesis(model, ["ACGTACGTAC"])
    assert result.deltas[0].shape == (10, 4)
    assert np.isfinite(result.deltas[0]).all()
