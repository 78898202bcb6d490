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


def _brute_force(classifier, seq: str) -> tuple[float, np.ndarray]:
    """Every mutant scored whole through `predict_proba` (every window of every mutant): ISM's definition."""
    from enhancerlm.predict import predict_proba

    mutants, positions, alts = single_mutants(seq)
    scores = log_odds(predict_proba(classifier, [seq] + mutants), 1)
    delta = np.full((len(seq), 4), np.nan)
    delta[positions[::3]] = 0.0
    delta[positions, alts] = scores[1:] - scores[0]
    return scores[0], delta


def test_windowed_ism_of_a_long_sequence_equals_scoring_every_mutant_whole(make_tiny):
    import torch

    classifier = make_tiny(0)  # windows of 67 bp: 300 bp is 9 of them, every 33 bp
    with torch.no_grad():  # weights far from their small init, so that single bases move the score
        for param in classifier.model.parameters():
            param.normal_(0.0, 0.3, generator=torch.Generator().manual_seed(param.numel()))
    seq = "".join(np.random.default_rng(4).choice(list("ACGT"), 300)) + "NNACGT"
    ref, delta = _brute_force(classifier, seq)
    result = saturation_mutagenesis(classifier, [seq, seq[:50]], max_mutants=2000)
    assert result.ref_logit[0] == pytest.approx(ref, abs=1e-6)
    # float32 window probabilities batched differently: equal to 1e-5 in log-odds (the deltas are ~1e-2).
    np.testing.assert_allclose(result.deltas[0], delta, rtol=0, atol=1e-5)
    assert np.isnan(result.deltas[0][300:302]).all() and np.abs(delta[:300]).max() > 1e-3
    np.testing.assert_allclose(result.deltas[1], _brute_force(classifier, seq[:50])[1], rtol=0, atol=1e-5)


def test_windowed_ism_is_exact_for_an_additive_model_and_the_max_aggregate(make_counting):
    from enhancerlm.predict import predict_proba

    model, seq = make_counting(W, max_bp=7), "ACGTTGCAAGTCCAGT"
    for how in ("mean", "max"):
        result = saturation_mutagenesis(model, [seq], aggregate=how, stride_bp=3)
        mutants, positions, alts = single_mutants(seq)
        scores = log_odds(predict_proba(model, [seq] + mutants, aggregate=how, stride_bp=3), 1)
        assert np.array_equal(result.deltas[0][positions, alts], scores[1:] - scores[0])


def test_spans_mutate_only_their_bases(make_counting):
    result = saturation_mutagenesis(make_counting(W), ["ACGTACGT", "GGGG"], spans=[(2, 5), (0, 4)])
    assert np.isnan(result.deltas[0][[0, 1, 5, 6, 7]]).all() and np.isfinite(result.deltas[0][2:5]).all()
    assert np.isfinite(result.deltas[1]).all()
    with pytest.raises(InputError, match="1 spans for 2 sequences"):
        saturation_mutagenesis(make_counting(W), ["ACGT", "ACGT"], spans=[(0, 2)])


def test_progress_counts_model_inputs_and_cancel_stops_between_calls(make_counting):
    import threading

    from enhancerlm.errors import Cancelled

    model, seen = make_counting(W, max_bp=4), []
    # 10 bp in windows of 4 every 2 (starts 0, 2, 4, 6): bases 0, 1, 8, 9 are in 1 window, the others in 2.
    saturation_mutagenesis(model, ["ACGTACGTAC"], batch_size=8, progress=lambda done, total: seen.append((done, total)))
    total = seen[-1][1]
    assert seen[0] == (0, total) and seen[-1] == (total, total) and total == 4 + 3 * (4 * 1 + 6 * 2)
    assert [d for d, _ in seen[1:-1]] == list(range(8, total, 8))
    cancel = threading.Event()

    def stop_after_first(done, total):
        if done:
            cancel.set()

    with pytest.raises(Cancelled, match="ISM cancelled after 8 of"):
        saturation_mutagenesis(model, ["ACGTACGTAC"], batch_size=8, progress=stop_after_first, cancel=cancel)
