"""ISM and explain for a chosen label or target of multi-label and regression models (``--target``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from enhancerlm.errors import InputError
from enhancerlm.interpret import ExplainConfig, explain
from enhancerlm.interpret.ism import saturation_mutagenesis
from enhancerlm.sequences.records import make_table
from enhancerlm.sequences.task import Task
from tests.helpers import random_dna
from tests.task_doubles import AP1, LABELS, TARGETS, MotifModel, window_outputs

SEQ = random_dna(20, 5) + AP1 + random_dna(20, 6)  # the site at 20-26 (0-based)


def logit(p):
    return np.log(p) - np.log1p(-p)


def test_multilabel_ism_explains_the_first_label_by_default_in_its_own_log_odds():
    result = saturation_mutagenesis(MotifModel(LABELS), [SEQ])
    p_ap1 = window_outputs(SEQ, LABELS)[0]
    assert result.ref_logit[0] == pytest.approx(logit(np.float64(p_ap1)), rel=1e-6)  # = 2, the site's logit
    # any substitution inside the site destroys it: log-odds 2 -> -2; outside it nothing changes
    site = result.deltas[0][20:27]
    assert np.allclose(site[site != 0], -4.0, atol=1e-5)
    assert np.allclose(result.deltas[0][:20], 0) and np.allclose(result.deltas[0][27:], 0)
    # every label's output change is kept: GC moves by +-1/L where a substitution changes G/C content
    gc_change = result.output_deltas[0][..., 1]
    assert np.abs(gc_change).max() == pytest.approx(1 / len(SEQ), rel=1e-5)


def test_named_label_and_regression_target_are_explained_in_their_units():
    gc = saturation_mutagenesis(MotifModel(LABELS), [SEQ], target="GC")
    assert gc.ref_logit[0] == pytest.approx(logit(np.float64(window_outputs(SEQ, LABELS)[1])), rel=1e-5)
    sites = saturation_mutagenesis(MotifModel(TARGETS), [SEQ], target="AP1_sites")
    assert sites.ref_logit[0] == 1.0  # the value itself, not a log-odds
    assert np.nanmin(sites.deltas[0]) == -1.0
    with pytest.raises(InputError, match="not a label of the model"):
        saturation_mutagenesis(MotifModel(LABELS), [SEQ], target="CTCF")


def test_explained_is_each_kinds_log_odds_or_value():
    p = np.array([[0.2, 0.7, 0.1]])
    assert Task("multiclass", ("a", "b", "c")).explained(p, 1)[0] == pytest.approx(np.log(0.7 / 0.3))
    assert Task("multilabel", ("a", "b", "c")).explained(p, 1)[0] == pytest.approx(np.log(0.7 / 0.3))
    assert Task("multilabel", ("a", "b", "c")).explained(p, 0)[0] == pytest.approx(np.log(0.2 / 0.8))
    assert Task("regression", ("a", "b", "c")).explained(p, 2)[0] == pytest.approx(0.1)


def test_explain_summary_names_the_target_and_unit(tmp_path):
    table = make_table(["s1", "s2"], [SEQ, random_dna(47, 7)])
    config = ExplainConfig(methods=("ism",), motifs=False, rc_seqs=0, n_plots=1)
    explain(MotifModel(TARGETS), table, tmp_path / "default", config)
    summary = json.loads((tmp_path / "default" / "summary.json").read_text())
    assert (summary["target"], summary["unit"], summary["task"]["kind"]) == ("AP1_sites", "value", "regression")
    result = explain(MotifModel(LABELS), table, tmp_path / "gc", ExplainConfig(**{**config.__dict__, "target": "GC"}))
    assert result.summary["target"] == "GC" and result.summary["unit"] == "log-odds"
    assert "log-odds of GC" in (tmp_path / "gc" / "explain.html").read_text()


def test_integrated_gradients_of_a_label_sum_to_its_logit_change():
    pytest.importorskip("captum", reason="optional `interpret` extra")
    import torch

    from enhancerlm.interpret.gradients import integrated_gradients
    from enhancerlm.models import create_classifier
    from enhancerlm.models.hf import pad_batch

    model = create_classifier("tiny-dnabert-6", Task("multilabel", ("A", "B", "C")))
    with torch.no_grad():  # a random head gives logits near 0; scale it so the check has something to check
        model.model.classifier.weight.mul_(50.0)
    seqs = [random_dna(40, 8), random_dna(33, 9)]
    result = integrated_gradients(model, seqs, target="B", n_steps=48)
    ids = model.encoder.encode_batch(seqs)
    base = [np.r_[x[:1], [model.encoder.pad_id] * (len(x) - 2), x[-1:]] for x in ids]
    with torch.no_grad():
        logits = [model.model.eval()(*pad_batch(i, model.encoder.pad_id)).logits[:, 1].numpy() for i in (ids, base)]
    change = logits[0] - logits[1]  # label B's own logit: its log-odds, with no other label in it
    totals = np.array([a.sum() for a in result.token_attribution])
    assert np.abs(totals - change).max() < 0.05 * np.abs(change).max() + 1e-3
