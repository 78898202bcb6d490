"""Integrated gradients: completeness, token -> base shapes, the CNN's one-hot input, state left alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.gradients import gradient_times_input, integrated_gradients
from enhancerlm.interpret.ism import log_odds
from enhancerlm.models import create_classifier
from enhancerlm.models.hf import pad_batch
from enhancerlm.sequences.records import LabelMap

pytest.importorskip("captum", reason="optional `interpret` extra")

LABELS = LabelMap.from_labels(["enhancer", "not_enhancer"])


def _log_odds_of_ids(classifier, ids):
    input_ids, mask = pad_batch(ids, classifier.encoder.pad_id)
    with torch.no_grad():
        logits = classifier.model.eval()(input_ids=input_ids, attention_mask=mask).logits
    return (logits[:, 1] - logits[:, 0]).numpy()


@pytest.mark.parametrize("baseline", ["pad", "shuffle"])
def test_token_attributions_sum_to_the_log_odds_change(tiny_bert, random_seqs, baseline):
    with torch.no_grad():  # a random head gives log-odds near 0; scale it so the check has something to check
        tiny_bert.model.classifier.weight.mul_(50.0)
    result = integrated_gradients(tiny_bert, random_seqs, n_steps=48, baseline=baseline)
    f_input = log_odds(tiny_bert.predict_proba(random_seqs), 1)
    if baseline == "pad":
        base_ids = []
        for x in tiny_bert.encoder.encode_batch(random_seqs):
            x = x.copy()
            x[1:-1] = tiny_bert.encoder.pad_id
            base_ids.append(x)
        f_base = _log_odds_of_ids(tiny_bert, base_ids)
        totals = np.array([a.sum() for a in result.token_attribution])
        assert np.abs(totals - (f_input - f_base)).max() < 0.05 * np.abs(f_input - f_base).max() + 1e-3
    assert np.abs(result.convergence_delta).max() < 0.05 * np.abs(f_input).max() + 1e-3
    assert [a.shape for a in result.attribution] == [(len(s),) for s in random_seqs]


def test_model_mode_and_weights_are_left_as_found(tiny_bert, random_seqs):
    before = {k: v.clone() for k, v in tiny_bert.model.state_dict().items()}
    integrated_gradients(tiny_bert, random_seqs[:1], n_steps=4)
    assert tiny_bert.model.training
    after = tiny_bert.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in tiny_bert.model.parameters())


def test_cnn_attributes_its_one_hot_input_base_by_base(random_seqs):
    cnn = create_classifier("cnn", LABELS)
    result = integrated_gradients(cnn, random_seqs, n_steps=32)
    assert [a.shape for a in result.attribution] == [(len(s),) for s in random_seqs]
    # Character tokens map 1:1, so base scores are the token scores.
    assert np.allclose(result.attribution[0], result.token_attribution[0])
    f_input = log_odds(cnn.predict_proba(random_seqs), 1)
    f_base = _log_odds_of_ids(cnn, [np.zeros(len(s), dtype=np.int64) for s in random_seqs])
    totals = np.array([a.sum() for a in result.attribution])
    assert totals == pytest.approx(f_input - f_base, abs=0.02 * np.abs(f_input - f_base).max() + 1e-4)


def test_models_without_embeddings_are_refused(learned_model):
    with pytest.raises(ConfigError, match="--method ism"):
        integrated_gradients(learned_model, ["ACGTACGT"])


def test_progress_counts_sequences_and_cancel_stops_between_batches(tiny_bert, random_seqs):
    import threading

    from enhancerlm.errors import Cancelled

    seen = []
    integrated_gradients(tiny_bert, random_seqs, n_steps=4, batch_size=2, progress=lambda *a: seen.append(a))
    assert seen == [(0, 3), (2, 3), (3, 3)]
    cancel = threading.Event()
    with pytest.raises(Cancelled, match="integrated gradients cancelled after 2 of 3"):
        integrated_gradients(
            tiny_bert, random_seqs, n_steps=4, batch_size=2, progress=lambda d, t: d and cancel.set(), cancel=cancel
        )
    assert tiny_bert.model.training  # the fixture's mode, put back after the cancel too


def test_gradient_times_input_is_the_log_odds_gradient_at_the_one_hot_input(random_seqs):
    cnn = create_classifier("cnn", LABELS)
    conv = next(m for m in cnn.model.modules() if isinstance(m, torch.nn.Conv1d))
    seen = {}

    def leaf(module, args):  # the one-hot matrix as a leaf tensor, so its gradient can be read
        seen["x"] = args[0].detach().requires_grad_(True)
        return (seen["x"],)

    handle = conv.register_forward_pre_hook(leaf)
    input_ids, mask = pad_batch(cnn.encoder.encode_batch(random_seqs[:1]), cnn.encoder.pad_id)
    logits = cnn.model.eval()(input_ids=input_ids, attention_mask=mask).logits
    (logits[0, 1] - logits[0, 0]).backward()
    handle.remove()
    expected = (seen["x"].grad * seen["x"]).sum(dim=1)[0].detach().numpy()  # baseline: the all-zero [PAD] one-hot
    got = gradient_times_input(cnn, random_seqs[:1]).attribution[0]
    np.testing.assert_allclose(got, expected[: len(random_seqs[0])], rtol=1e-4, atol=1e-6)
