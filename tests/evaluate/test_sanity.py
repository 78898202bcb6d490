"""Degenerate results: one-class calls, flat probabilities and flat validation curves, with exact thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancerlm.errors import InputError
from enhancerlm.evaluate.sanity import ADVICE, UNDERTRAINED_ADVICE, degenerate_warnings
from enhancerlm.sequences.task import Task

NAMES = ["not_enhancer", "enhancer"]


def binary(p_positive) -> np.ndarray:
    p = np.asarray(p_positive, dtype=float)
    return np.column_stack([1 - p, p])


def curve(metric: str, values) -> pd.DataFrame:
    rows = [{"epoch": float(e + 1), "metric": f"val_{metric}", "value": v} for e, v in enumerate(values)]
    return pd.DataFrame(rows + [{"epoch": 1.0, "metric": "train_loss", "value": 0.69}])


def test_a_model_that_separates_the_classes_gets_no_warning():
    y = np.array([0, 0, 1, 1])
    assert degenerate_warnings(y, binary([0.1, 0.3, 0.7, 0.9]), NAMES, curve("auroc", [0.6, 0.8])) == []


def test_every_call_one_class_with_barely_varying_probabilities():
    """The measured failure: 400 balanced test sequences, p ~ 0.504 for all, every call 'enhancer', no ranking."""
    y = np.tile([0, 1], 200)  # classes interleaved along the probabilities: AUROC 0.5025, chance
    p = 0.504 + np.linspace(-0.0005, 0.0005, 400)
    warnings = degenerate_warnings(y, binary(p), NAMES)
    assert warnings == [
        "400 of 400 test sequences (100%) were called 'enhancer', although 50% of them are: the model does not "
        f"tell the classes apart. {ADVICE}",
        "The probability of 'enhancer' barely varies over the test set (sd 0.0003, 0.5035 to 0.5045): the output "
        f"hardly depends on the sequence. {ADVICE}",
    ]


def test_one_class_threshold_is_95_percent_of_calls():
    y = np.repeat([0, 1], 10)
    spread = np.r_[np.linspace(0.55, 0.95, 19), 0.2]  # 19 of 20 (95%) called enhancer, sd well above 0.01
    assert len(degenerate_warnings(y, binary(spread), NAMES)) == 1
    spread[0] = 0.3  # 18 of 20 (90%)
    assert degenerate_warnings(y, binary(spread), NAMES) == []


def test_one_class_calls_on_a_test_set_that_skewed_are_not_flagged():
    y = np.r_[np.zeros(1), np.ones(9)]  # 90% enhancers
    assert degenerate_warnings(y, binary(np.linspace(0.6, 0.9, 10)), NAMES) == []
    y = np.r_[np.zeros(2), np.ones(8)]  # 80% enhancers: calling all 10 enhancer is not the test set's doing
    assert "10 of 10 test sequences (100%)" in degenerate_warnings(y, binary(np.linspace(0.6, 0.9, 10)), NAMES)[0]


def test_flat_probabilities_threshold_is_sd_0_01():
    y = np.array([0, 1, 1, 0])  # calls split 2:2 and AUROC 0.5, so only the spread can warn
    assert degenerate_warnings(y, binary([0.491, 0.509, 0.491, 0.509]), NAMES) == [
        f"The probability of 'enhancer' barely varies over the test set (sd 0.0090, 0.4910 to 0.5090): the output "
        f"hardly depends on the sequence. {ADVICE}"
    ]
    assert degenerate_warnings(y, binary([0.489, 0.511, 0.489, 0.511]), NAMES) == []  # sd 0.011


def test_flat_probabilities_that_still_rank_the_test_set_are_called_under_trained():
    y = np.array([0, 1, 0, 1, 0, 1])
    p = binary([0.499, 0.503, 0.500, 0.502, 0.501, 0.4995])  # AUROC 7/9 = 0.778, sd 0.0014, calls split
    assert degenerate_warnings(y, p, NAMES) == [
        "The probability of 'enhancer' barely varies over the test set (sd 0.0014, 0.4990 to 0.5030): the output "
        "hardly depends on the sequence. Yet it ranks the test set (AUROC 0.778): the model is under-trained. "
        f"{UNDERTRAINED_ADVICE}"
    ]
    assert ADVICE not in degenerate_warnings(y, p, NAMES)[0]


def test_multiclass_flat_probabilities_name_the_most_varying_class():
    proba = np.array([[0.334, 0.333, 0.333], [0.333, 0.334, 0.333], [0.333, 0.333, 0.334]])
    warnings = degenerate_warnings([0, 1, 2], proba, ["a", "b", "c"])
    assert len(warnings) == 1
    assert warnings[0].startswith("The probability of 'a' barely varies over the test set (sd 0.0005")


@pytest.mark.parametrize(
    "metric,values,expected",
    [
        (
            "auroc",
            [0.52, 0.55, 0.50],
            "Validation auroc never rose above chance (0.5) during fine-tuning: best 0.550 in 3 epoch(s).",
        ),
        (
            "auroc",
            [0.512],
            "Validation auroc never rose above chance (0.5) during fine-tuning: best 0.512 in 1 epoch(s).",
        ),
        (
            "auroc",
            [0.800, 0.805, 0.809],
            "Validation auroc stayed between 0.800 and 0.809 over 3 epochs: fine-tuning did not move the model.",
        ),
        ("mcc", [0.0, 0.0], "Validation mcc never rose above chance (0) during fine-tuning: best 0.000 in 2 epoch(s)."),
    ],
)
def test_flat_validation_curves(metric, values, expected):
    y = np.array([0, 1, 0, 1])
    good = binary([0.1, 0.9, 0.2, 0.8])
    assert degenerate_warnings(y, good, NAMES, curve(metric, values)) == [f"{expected} {ADVICE}"]


@pytest.mark.parametrize("values", [[0.551], [0.80, 0.81], [0.5, 0.9]])
def test_curves_that_moved_are_not_flagged(values):
    y = np.array([0, 1, 0, 1])
    assert degenerate_warnings(y, binary([0.1, 0.9, 0.2, 0.8]), NAMES, curve("auroc", values)) == []


def test_auroc_is_read_before_mcc_and_a_history_without_validation_is_fine():
    y = np.array([0, 1, 0, 1])
    good = binary([0.1, 0.9, 0.2, 0.8])
    both = pd.concat([curve("auroc", [0.6, 0.9]), curve("mcc", [0.0, 0.0])])
    assert degenerate_warnings(y, good, NAMES, both) == []
    train_only = pd.DataFrame({"epoch": [1.0, 2.0], "metric": ["train_loss"] * 2, "value": [0.7, 0.7]})
    assert degenerate_warnings(y, good, NAMES, train_only) == []


def test_inputs_are_validated():
    with pytest.raises(InputError, match="proba"):
        degenerate_warnings([0, 1], np.ones((3, 2)) / 2, NAMES)


def test_a_multilabel_model_is_checked_label_by_label():
    y = np.column_stack([np.tile([0, 1], 10), np.tile([0, 1], 10)]).astype(float)
    good = np.where(y[:, 0] == 1, 0.8, 0.2) + np.linspace(0, 0.1, 20)
    flat = 0.504 + np.linspace(-0.0005, 0.0005, 20)  # every call 'liver', no ranking
    task = Task("multilabel", ("heart", "liver"))
    warnings = degenerate_warnings(y, np.column_stack([good, flat]), task)
    assert len(warnings) == 2 and all(w.startswith("label 'liver': ") for w in warnings)
    assert "were called 'liver'" in warnings[0] and warnings[1].endswith(ADVICE)
    y[:4, 1] = np.nan  # missing truth is left out of the label's check
    assert "16 of 16 test sequences" in degenerate_warnings(y, np.column_stack([good, flat]), task)[0]


def test_a_regression_target_predicted_constant_is_named():
    truth = np.column_stack([np.linspace(0, 2, 10), np.linspace(-1, 1, 10)])
    predicted = np.column_stack([truth[:, 0] + 0.1, np.full(10, 0.3) + np.linspace(0, 0.001, 10)])
    task = Task("regression", ("dev", "hk"))
    (warning,) = degenerate_warnings(truth, predicted, task)
    assert warning.startswith("target 'hk': the predictions barely vary") and warning.endswith(ADVICE)
    predicted[:, 1] = truth[:, 1] * 0.05  # sd 0.05 of the truth's: small, but it varies with the input
    assert degenerate_warnings(truth, predicted, task) == []


def test_a_flat_spearman_curve_warns_for_a_regression_model():
    truth = np.column_stack([np.linspace(0, 2, 10)])
    task = Task("regression", ("activity",))
    warnings = degenerate_warnings(truth, truth + 1, task, curve("spearman", [0.01, 0.02]))
    assert len(warnings) == 1 and "Validation spearman never rose above chance (0)" in warnings[0]
