"""Multi-label and regression evaluation: values equal scikit-learn/scipy, replicates equal the resampled sets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from enhancerlm.errors import InputError
from enhancerlm.evaluate.bootstrap import evaluate
from enhancerlm.evaluate.multilabel import multilabel_metrics, multilabel_replicates
from enhancerlm.evaluate.names import BINARY_METRICS, MULTILABEL_F1, MULTILABEL_METRICS, REGRESSION_METRICS
from enhancerlm.evaluate.regression import regression_metrics, regression_replicates
from enhancerlm.sequences.task import Task

LABELS = Task("multilabel", ("heart", "liver", "brain"))
TARGETS = Task("regression", ("dev", "hk"))


def _multilabel_set(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 3)) < [0.3, 0.5, 0.2]).astype(float)
    p = np.round(np.clip(0.35 * y + 0.65 * rng.random((n, 3)), 0, 1), 2)  # rounding makes ties
    return y, p


def _regression_set(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.round(rng.normal(size=(n, 2)), 1)  # ties in truth
    p = np.round(y * [0.8, 0.3] + rng.normal(scale=0.5, size=(n, 2)), 1)  # ties in predictions
    return y, p


def _resamples(n: int, k: int = 3):
    rng = np.random.default_rng(11)
    idx = [rng.integers(0, n, n) for _ in range(k)]
    weights = np.stack([np.ones(n)] + [np.bincount(i, minlength=n) for i in idx]).astype(float)
    return [np.arange(n)] + idx, weights


def test_multilabel_metrics_equal_sklearn():
    y, p = _multilabel_set(120)
    got = multilabel_metrics(y, p, LABELS.names)
    assert got["auroc_macro"] == pytest.approx(skm.roc_auc_score(y, p, average="macro"), abs=1e-12)
    assert got["auprc_macro"] == pytest.approx(skm.average_precision_score(y, p, average="macro"), abs=1e-12)
    assert got["auroc_micro"] == pytest.approx(skm.roc_auc_score(y, p, average="micro"), abs=1e-12)
    assert got["auprc_micro"] == pytest.approx(skm.average_precision_score(y, p, average="micro"), abs=1e-12)
    called = LABELS.decide(p)  # the calls predict makes
    assert got["f1_macro"] == pytest.approx(skm.f1_score(y, called, average="macro"), abs=1e-12)
    assert got["f1_micro"] == pytest.approx(skm.f1_score(y, called, average="micro"), abs=1e-12)
    for j, name in enumerate(LABELS.names):
        block = got["per_label"][name]
        assert block["auroc"] == skm.roc_auc_score(y[:, j], p[:, j])
        assert block["auprc"] == skm.average_precision_score(y[:, j], p[:, j])
        assert block["mcc"] == skm.matthews_corrcoef(y[:, j], called[:, j])
        assert block["n_positive"] == int(y[:, j].sum()) == got["n_positive"][name]


def test_missing_truth_is_left_out_per_label():
    y, p = _multilabel_set(80)
    y[:10, 0] = np.nan
    got = multilabel_metrics(y, p, LABELS.names)
    assert got["per_label"]["heart"]["n"] == 70 and got["per_label"]["liver"]["n"] == 80
    assert got["per_label"]["heart"]["auroc"] == skm.roc_auc_score(y[10:, 0], p[10:, 0])
    known = ~np.isnan(y)
    assert got["auroc_micro"] == pytest.approx(skm.roc_auc_score(y[known], p[known]), abs=1e-12)


def test_a_label_without_positives_is_left_out_of_the_macro_mean_with_a_warning():
    y, p = _multilabel_set(60)
    y[:, 2] = 0
    got = multilabel_metrics(y, p, LABELS.names)
    assert got["per_label"]["brain"]["auroc"] is None and "auroc" in got["per_label"]["brain"]["undefined"]
    assert got["auroc_macro"] == pytest.approx(np.mean([skm.roc_auc_score(y[:, j], p[:, j]) for j in (0, 1)]))
    assert any("auroc_macro" in w and "brain" in w for w in got["warnings"])


def test_multilabel_replicates_equal_sklearn_on_the_resampled_sets():
    y, p = _multilabel_set(150)
    y[:5, 1] = np.nan
    sets, weights = _resamples(150)
    got = multilabel_replicates(y, p, weights, LABELS.names)
    for b, idx in enumerate(sets):
        expected = multilabel_metrics(y[idx], p[idx], LABELS.names)
        for name in MULTILABEL_METRICS + MULTILABEL_F1:
            assert got[(name,)][b] == pytest.approx(expected[name], abs=1e-12), (b, name)
        for label in LABELS.names:
            for name in BINARY_METRICS:
                want = expected["per_label"][label][name]
                assert got[("per_label", label, name)][b] == pytest.approx(want, abs=1e-12), (b, label, name)


def test_regression_metrics_equal_scipy_and_sklearn():
    y, p = _regression_set(100)
    got = regression_metrics(y, p, TARGETS.names)
    per = got["per_target"]
    for j, name in enumerate(TARGETS.names):
        assert per[name]["pearson"] == stats.pearsonr(y[:, j], p[:, j]).statistic
        assert per[name]["spearman"] == stats.spearmanr(y[:, j], p[:, j]).statistic
        assert per[name]["r2"] == skm.r2_score(y[:, j], p[:, j])
        assert per[name]["mse"] == skm.mean_squared_error(y[:, j], p[:, j])
    for name in REGRESSION_METRICS:
        assert got[name] == pytest.approx(np.mean([per[t][name] for t in TARGETS.names]), abs=1e-15)


def test_one_target_has_no_per_target_block():
    y, p = _regression_set(50)
    got = regression_metrics(y[:, :1], p[:, :1], ["activity"])
    assert "per_target" not in got and got["spearman"] == stats.spearmanr(y[:, 0], p[:, 0]).statistic


def test_a_constant_prediction_leaves_correlations_undefined():
    y, _ = _regression_set(30)
    got = regression_metrics(y[:, :1], np.full((30, 1), 0.5), ["activity"])
    assert got["pearson"] is None and got["spearman"] is None and "constant" in got["undefined"]["pearson"]
    assert got["r2"] == skm.r2_score(y[:, 0], np.full(30, 0.5)) and got["mse"] is not None


def test_regression_replicates_equal_scipy_on_the_resampled_sets():
    y, p = _regression_set(120)
    y[:7, 0] = np.nan
    sets, weights = _resamples(120)
    got = regression_replicates(y, p, weights, TARGETS.names)
    for b, idx in enumerate(sets):
        expected = regression_metrics(y[idx], p[idx], TARGETS.names)
        for name in REGRESSION_METRICS:
            assert got[(name,)][b] == pytest.approx(expected[name], abs=1e-10), (b, name)
            for target in TARGETS.names:
                want = expected["per_target"][target][name]
                assert got[("per_target", target, name)][b] == pytest.approx(want, abs=1e-10), (b, target, name)


@pytest.mark.parametrize(("task", "make"), [(LABELS, _multilabel_set), (TARGETS, _regression_set)])
def test_evaluate_block_has_intervals_everywhere_and_a_novel_subset(task, make):
    y, p = make(90)
    novel = np.arange(90) % 3 != 0
    block = evaluate(y, p, task, novel_mask=novel, n_boot=200, seed=1)
    inner = "per_label" if task.kind == "multilabel" else "per_target"
    for name, value in block["ci"].items():
        assert value[0] <= block[name] <= value[1], name
    for output in task.names:
        ci = block[inner][output]["ci"]
        assert ci and all(low <= block[inner][output][m] <= high for m, (low, high) in ci.items())
    assert block["novel"]["n"] == 60 and block["novel"]["fraction_of_test"] == pytest.approx(60 / 90)
    again = evaluate(y[novel], p[novel], task, n_boot=200, seed=1)
    assert {k: again[k] for k in block["ci"]} == {k: block["novel"][k] for k in block["ci"]}
    assert block["bootstrap"]["n_boot"] == 200
    json.dumps(block)  # metrics.json holds it as it is


def test_evaluate_refuses_truth_that_does_not_fit_the_task():
    y, p = _multilabel_set(10)
    with pytest.raises(InputError, match="not 0, 1 or missing"):
        evaluate(y * 2, p, LABELS, n_boot=10)
    with pytest.raises(InputError, match=r"expected both \(n, 2\)"):
        evaluate(y, p, TARGETS, n_boot=10)


def test_single_label_tasks_evaluate_as_with_class_names():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 40)
    proba = np.column_stack([1 - (s := rng.random(40)), s])
    task = Task("binary", ("not_enhancer", "enhancer"))
    assert evaluate(y, proba, task, n_boot=50) == evaluate(y, proba, list(task.names), n_boot=50)


def test_task_metrics_are_the_evaluation_without_intervals():
    from enhancerlm.evaluate import task_metrics

    y, p = _regression_set(40)
    assert task_metrics(y, p, TARGETS) == regression_metrics(y, p, TARGETS.names)
    y, p = _multilabel_set(40)
    assert task_metrics(y, p, LABELS)["auroc_macro"] == evaluate(y, p, LABELS, n_boot=10)["auroc_macro"]


def test_multi_output_chunks_are_sized_by_cells_and_do_not_change_the_intervals(monkeypatch):
    from enhancerlm.evaluate import bootstrap

    y, p = _multilabel_set(40)
    whole = evaluate(y, p, LABELS, n_boot=30, seed=2)
    monkeypatch.setattr(bootstrap, "_CHUNK_CELLS", 40 * 3 * 4)  # 40 sequences x 3 labels: 4 replicates a chunk
    assert [len(w) for w in bootstrap.bootstrap_weights(40, 10, 0, cells_per_example=3)] == [4, 4, 2]
    assert evaluate(y, p, LABELS, n_boot=30, seed=2) == whole
