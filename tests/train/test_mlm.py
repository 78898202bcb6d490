"""The masked-LM objective: held-out metrics over every masked token, per-token outputs, the model built."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import EvalPrediction

from enhancerlm.train.mlm import MaskedTokenMetrics, build_mlm, masked_token_outputs


def test_held_out_metrics_weigh_every_masked_token_equally_not_every_batch():
    metrics = MaskedTokenMetrics()
    # batch 1: one masked token, right, loss 1; batch 2: three masked tokens, one right, loss 2 each
    batches = [
        (torch.tensor([[5, 6, 7]]), torch.tensor([[1.0, 9.0, 9.0]]), torch.tensor([[5, -100, -100]])),
        (torch.tensor([[5, 6, 7]]), torch.tensor([[2.0, 2.0, 2.0]]), torch.tensor([[5, 8, 8]])),
    ]
    results = [
        metrics(EvalPrediction(predictions=(pred, nll), label_ids=labels), compute_result=last)
        for (pred, nll, labels), last in zip(batches, (False, True))
    ]
    assert results[0] == {}
    assert results[1] == {"mlm_loss": pytest.approx(7 / 4), "masked_accuracy": 2 / 4}  # batch means: 1.5, 0.67
    again = metrics(EvalPrediction(predictions=batches[0][:2], label_ids=batches[0][2]), compute_result=True)
    assert again == {"mlm_loss": 1.0, "masked_accuracy": 1.0}  # totals start over after each evaluation


def test_masked_token_outputs_are_argmax_and_per_token_cross_entropy():
    logits = torch.log(torch.tensor([[[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]]))
    prediction, nll = masked_token_outputs(logits, torch.tensor([[1, -100]]))
    assert prediction.tolist() == [[0, 2]]
    assert nll[0, 0].item() == pytest.approx(-np.log(0.2))


def test_build_mlm_random_inits_the_registered_tiny_model_reproducibly():
    a, tokenizer, spec = build_mlm("tiny-dnabert-6", seed=1)
    b, _, _ = build_mlm("tiny-dnabert-6", seed=1)
    assert spec.name == "tiny-dnabert-6" and tokenizer.k == 6 and a.config.vocab_size == 4101
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
