"""Whole-set metrics: hand-computed values, equality with scikit-learn, the batch-mean trap, bad input."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from enhancerlm.errors import InputError
from enhancerlm.evaluate.metrics import BINARY_METRICS, MULTICLASS_METRICS, compute_metrics

NAMES = ["not_enhancer", "enhancer"]


def _proba(pos_scores) -> np.ndarray:
    s = np.asarray(pos_scores, dtype=float)
    return np.column_stack([1 - s, s])


# 4 enhancers, 6 not: TP=3 (0.9, 0.8, 0.7), FN=1 (0.3), FP=2 (0.6, 0.55), TN=4.
TEN_Y = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
TEN_P = _proba([0.9, 0.8, 0.7, 0.3, 0.6, 0.55, 0.4, 0.2, 0.1, 0.05])


def test_ten_examples_match_hand_computed_values():
    m = compute_metrics(TEN_Y, TEN_P, NAMES)
    assert m["confusion_matrix"] == [[4, 2], [1, 3]]
    assert m["accuracy"] == pytest.approx(7 / 10)
    assert m["precision"] == pytest.approx(3 / 5)
    assert m["recall"] == pytest.approx(3 / 4)
    assert m["specificity"] == pytest.approx(4 / 6)
    assert m["fpr"] == pytest.approx(2 / 6)
    assert m["f1"] == pytest.approx(2 / 3)  # 2TP / (2TP + FP + FN) = 6 / 9
    # (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (12 - 2) / sqrt(5*4*6*5)
    assert m["mcc"] == pytest.approx(1 / math.sqrt(6))
    # 21 of 24 (enhancer, not) pairs ranked correctly: only 0.3 falls below three negatives.
    assert m["auroc"] == pytest.approx(21 / 24)
    # Precision at each enhancer, best score first: 1/1, 2/2, 3/3, 4/7.
    assert m["auprc"] == pytest.approx((3 + 4 / 7) / 4)
    assert m["n"] == 10 and m["n_per_class"] == {"not_enhancer": 6, "enhancer": 4}
    assert m["positive_class"] == "enhancer" and m["threshold"] == 0.5
    assert m["undefined"] == {} and m["warnings"] == []


def test_result_is_json_able_without_nan():
    text = json.dumps(compute_metrics(TEN_Y, TEN_P, NAMES), allow_nan=False)
    assert json.loads(text)["task"] == "binary"


def test_probability_exactly_one_half_counts_as_negative():
    m = compute_metrics([1, 0], _proba([0.5, 0.5]), NAMES)
    assert m["confusion_matrix"] == [[1, 0], [1, 0]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_equals_sklearn_on_random_data(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    score = np.round(np.clip(0.25 * y + 0.75 * rng.random(300), 0, 1), 2)  # rounding makes ties
    m = compute_metrics(y, _proba(score), NAMES)
    pred = (score > 0.5).astype(int)
    expected = {
        "accuracy": skm.accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred),
        "recall": skm.recall_score(y, pred),
        "specificity": skm.recall_score(y, pred, pos_label=0),
        "f1": skm.f1_score(y, pred),
        "mcc": skm.matthews_corrcoef(y, pred),
        "auroc": skm.roc_auc_score(y, score),
        "auprc": skm.average_precision_score(y, score),
    }
    for name, value in expected.items():
        assert m[name] == pytest.approx(value, abs=1e-12), name
    assert m["fpr"] == pytest.approx(1 - m["specificity"])
    assert set(BINARY_METRICS) <= set(m)


def test_whole_set_precision_is_not_the_mean_of_batch_precisions():
    # Batch 1: 2 predicted enhancers, both right (precision 1). Batch 2: 8 predicted, 2 right (0.25).
    batch1 = ([1, 1], _proba([0.9, 0.9]))
    batch2 = ([1, 1, 0, 0, 0, 0, 0, 0], _proba([0.9] * 8))
    batch_precisions = [compute_metrics(y, p, NAMES)["precision"] for y, p in (batch1, batch2)]
    assert batch_precisions == [1.0, 0.25]
    whole = compute_metrics(batch1[0] + batch2[0], np.vstack([batch1[1], batch2[1]]), NAMES)
    assert whole["precision"] == pytest.approx(4 / 10)  # 4 true of 10 predicted enhancers
    assert np.mean(batch_precisions) == pytest.approx(0.625)


def test_multiclass_fields_match_hand_computed_values():
    names = ["none", "weak", "strong"]
    y = [0, 0, 1, 1, 2, 2]
    pred = [0, 1, 1, 1, 2, 0]
    proba = np.full((6, 3), 0.1)
    proba[np.arange(6), pred] = 0.8
    m = compute_metrics(y, proba, names)
    assert m["task"] == "multiclass" and set(MULTICLASS_METRICS) <= set(m)
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["per_class"]["none"] == pytest.approx(
        {"precision": 1 / 2, "recall": 1 / 2, "f1": 1 / 2, "support": 2, "auroc": m["per_class"]["none"]["auroc"]}
    )
    assert m["per_class"]["weak"]["precision"] == pytest.approx(2 / 3)
    assert m["per_class"]["strong"]["recall"] == pytest.approx(1 / 2)
    assert m["precision_macro"] == pytest.approx((1 / 2 + 2 / 3 + 1) / 3)
    assert m["recall_macro"] == pytest.approx((1 / 2 + 1 + 1 / 2) / 3)
    assert m["precision_micro"] == m["recall_micro"] == m["f1_micro"] == pytest.approx(4 / 6)


def test_multiclass_equals_sklearn_on_random_data():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, 500)
    logits = rng.normal(size=(500, 4))
    logits[np.arange(500), y] += 1.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    m = compute_metrics(y, proba, list("abcd"))
    pred = proba.argmax(axis=1)
    assert m["f1_macro"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, pred))
    assert m["auroc_macro"] == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    assert m["confusion_matrix"] == skm.confusion_matrix(y, pred).tolist()


def test_one_class_present_gives_none_with_reason_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's UndefinedMetricWarning would fail the test
        m = compute_metrics([0, 0, 0], _proba([0.1, 0.7, 0.2]), NAMES)
        all_right = compute_metrics([1, 1], _proba([0.9, 0.8]), NAMES)
    assert all_right["mcc"] == 0.0 and all_right["precision"] == 1.0 and all_right["auprc"] == 1.0
    assert m["auroc"] is None and "only one" in m["undefined"]["auroc"]
    assert m["auprc"] is None and "enhancer" in m["undefined"]["auprc"]
    assert m["precision"] == 0.0 and m["recall"] == 0.0 and m["mcc"] == 0.0
    assert m["specificity"] == pytest.approx(2 / 3)
    assert any("absent" in w for w in m["warnings"])


def test_no_positive_prediction_gives_zero_precision():
    m = compute_metrics([1, 0, 1], _proba([0.3, 0.1, 0.4]), NAMES)
    assert m["precision"] == 0.0 and m["f1"] == 0.0 and m["auroc"] == 1.0


def test_multiclass_with_absent_class_keeps_defined_per_class_auroc():
    proba = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1]])
    m = compute_metrics([0, 1, 0], proba, ["a", "b", "c"])
    assert m["auroc_macro"] is None and "auroc[c]" in m["undefined"]
    assert m["per_class"]["a"]["auroc"] == 1.0 and m["per_class"]["c"]["auroc"] is None


@pytest.mark.parametrize(
    ("y", "proba", "names", "message"),
    [
        ([0, 1], _proba([0.2]), NAMES, "shape"),
        ([0, 2], _proba([0.2, 0.3]), NAMES, "class id 2 at position 1"),
        ([0, 1], [[2.0, -1.0], [0.5, 0.5]], NAMES, "row 0"),
        ([0, 1], [[0.9, 0.9], [0.5, 0.5]], NAMES, "sums to 1.8"),
        ([0, 1], [[np.nan, 1.0], [0.5, 0.5]], NAMES, "row 0"),
        ([0, 1], _proba([0.2, 0.3]), ["a", "b", "c"], "class_names"),
        (["a", "b"], _proba([0.2, 0.3]), NAMES, "integer class ids"),
        ([], np.zeros((0, 2)), NAMES, "non-empty"),
    ],
)
def test_bad_input_is_an_input_error_naming_the_problem(y, proba, names, message):
    with pytest.raises(InputError, match=message):
        compute_metrics(y, proba, names)
