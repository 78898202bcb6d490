"""Degenerate results: a trained model that calls (nearly) everything one class, or that training never moved."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from enhancerlm.evaluate.history import check_history
from enhancerlm.evaluate.metrics import check_inputs
from enhancerlm.sequences.task import Task

# A model that calls at least this share of the test set one class has stopped telling classes apart ...
ONE_CLASS_SHARE = 0.95
# ... unless the test set itself holds at least this share of that class.
SKEWED_TEST_SHARE = 0.9
# A class probability whose standard deviation over the test set is below this hardly depends on the input.
MIN_PROBA_SD = 0.01
# Validation curve: a range across epochs below FLAT_RANGE did not move; a best value within CHANCE_MARGIN
# of chance never left it.
FLAT_RANGE = 0.01
CHANCE_MARGIN = 0.05
# Validation metrics read from the history, in order of preference, and their chance level. AUROC first:
# it moves before the 0.5-threshold metrics, so a curve flat in AUROC is flat in everything.
CURVE_CHANCE = {"auroc": 0.5, "auroc_macro": 0.5, "mcc": 0.0, "spearman": 0.0, "pearson": 0.0}
# A regression target whose predictions spread less than this share of the measured values' spread
# (standard deviations) is predicted (nearly) constant.
MIN_SPREAD_RATIO = 0.01
ADVICE = (
    "Try the learning-rate search, the backbone's default learning rate (no --lr) or more epochs; "
    "do not read this result as the model's performance."
)
# Flat probabilities that still rank the test set at least this well (binary AUROC) mean an under-trained
# model, not a blind one: its ranking is real, its calls at 0.5 are fragile.
RANKS_AUROC = 0.6
UNDERTRAINED_ADVICE = (
    "Train longer (more epochs, or the backbone's default learning rate) before trusting its "
    "calls; its AUROC is the sounder number here."
)


def degenerate_warnings(y_true, proba, task: Task | Sequence[str], history: pd.DataFrame | None = None) -> list[str]:
    """Plain-language warnings for a trained model whose test calls or training curve show it learned nothing.

    Three checks, each giving at most one warning (which ends with what to try):

    - one class: at least ``ONE_CLASS_SHARE`` of the test calls (argmax) are one class, while under
      ``SKEWED_TEST_SHARE`` of the test set is that class;
    - flat probabilities: every class probability has a standard deviation below ``MIN_PROBA_SD`` over
      the test set (needs at least 2 sequences); when such a binary model still splits its calls and
      ranks the test set with AUROC >= ``RANKS_AUROC``, the warning says it is under-trained instead
      (``UNDERTRAINED_ADVICE``): a blind model can rank a small test set by chance, not split it well too;
    - flat curve: the validation AUROC (else MCC) never came within ``CHANCE_MARGIN`` above chance, or
      moved less than ``FLAT_RANGE`` across two or more epochs.

    An untrained head is expected to fail all three; do not call this on it. In a multi-label task
    each label is checked as a binary task of its own (on its known rows; the warning names the
    label); in a regression task a target whose predictions spread less than ``MIN_SPREAD_RATIO``
    of its measured values' standard deviation is predicted constant.

    Parameters
    ----------
    y_true : array-like
        Truth of the test set: class ids, shape=(n,), or per label/target, shape=(n, n_outputs)
        (NaN where missing), as :meth:`Task.encode` gives it.
    proba : array-like of float, shape=(n, n_outputs)
        Test-set outputs; in a binary task column 1 is the positive class.
    task : Task, or sequence of str
        The task, or the class names of a single-label task (``task[i]`` names class id ``i``).
    history : pd.DataFrame, optional
        Fine-tuning history in the long format of :mod:`enhancerlm.evaluate.history` (``val_auroc`` ...);
        None for models without one (closed-form fits).

    Returns
    -------
    list of str
        Empty when nothing looks degenerate.
    """
    if isinstance(task, Task) and not task.single_label:
        found = _per_output_warnings(np.asarray(y_true, dtype=np.float64), np.asarray(proba, np.float64), task)
        return found + _curve_warnings(history)
    class_names = list(task.names) if isinstance(task, Task) else list(task)
    y, p = check_inputs(y_true, proba, class_names)
    one_class, flat = _one_class_calls(y, p, class_names), _flat_probabilities(p, class_names)
    ranking = _ranking_auroc(y, p) if flat and not one_class else None
    if ranking is not None and ranking >= RANKS_AUROC:
        # Under-trained rather than degenerate: say so, and do not tell the user to discard the result.
        undertrained = [
            f"{flat[0]} Yet it ranks the test set (AUROC {ranking:.3f}): the model is under-trained. "
            f"{UNDERTRAINED_ADVICE}"
        ]
        flat = []
    else:
        undertrained = []
    return [f"{warning} {ADVICE}" for warning in one_class + flat] + _curve_warnings(history) + undertrained


def _curve_warnings(history: pd.DataFrame | None) -> list[str]:
    if history is None or not len(history):
        return []
    return [f"{warning} {ADVICE}" for warning in _flat_curve(check_history(history))]


def _per_output_warnings(y: np.ndarray, outputs: np.ndarray, task: Task) -> list[str]:
    """Each label checked as a binary task, or each target for (nearly) constant predictions; named."""
    found = []
    for j, name in enumerate(task.names):
        known = ~np.isnan(y[:, j])
        truth, out = y[known, j], outputs[known, j]
        if len(truth) < 2:
            continue
        if task.kind == "regression":
            found += _constant_target(truth, out, name)
            continue
        checks = degenerate_warnings(truth.astype(np.int64), np.column_stack([1 - out, out]), [f"not {name}", name])
        found += [f"label {name!r}: {warning}" for warning in checks]
    return found


def _constant_target(truth: np.ndarray, predicted: np.ndarray, name: str) -> list[str]:
    sd_true, sd_pred = float(truth.std()), float(predicted.std())
    if sd_true == 0 or sd_pred >= MIN_SPREAD_RATIO * sd_true:
        return []
    return [
        f"target {name!r}: the predictions barely vary over the test set (sd {sd_pred:.4g} against the measured "
        f"values' {sd_true:.4g}, {predicted.min():.4g} to {predicted.max():.4g}): the output hardly depends on "
        f"the sequence. {ADVICE}"
    ]


def _ranking_auroc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Binary AUROC of the positive-class probability; None for multi-class or a one-class test set."""
    if p.shape[1] != 2 or len(np.unique(y)) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y == 1, p[:, 1]))


def _one_class_calls(y: np.ndarray, p: np.ndarray, names: Sequence[str]) -> list[str]:
    calls = np.bincount(p.argmax(axis=1), minlength=p.shape[1])
    top = int(calls.argmax())
    share, true_share = calls[top] / len(y), float(np.mean(y == top))
    if share < ONE_CLASS_SHARE or true_share >= SKEWED_TEST_SHARE:
        return []
    return [
        f"{calls[top]} of {len(y)} test sequences ({share:.0%}) were called {names[top]!r}, although "
        f"{true_share:.0%} of them are: the model does not tell the classes apart."
    ]


def _flat_probabilities(p: np.ndarray, names: Sequence[str]) -> list[str]:
    sd = p.std(axis=0)
    if len(p) < 2 or sd.max() >= MIN_PROBA_SD:
        return []
    col = 1 if p.shape[1] == 2 else int(sd.argmax())  # binary: the positive class, as the report reads it
    return [
        f"The probability of {names[col]!r} barely varies over the test set (sd {sd[col]:.4f}, "
        f"{p[:, col].min():.4f} to {p[:, col].max():.4f}): the output hardly depends on the sequence."
    ]


def _flat_curve(history: pd.DataFrame) -> list[str]:
    for name, chance in CURVE_CHANCE.items():
        values = history.loc[history["metric"] == f"val_{name}"].sort_values("epoch", kind="stable")["value"]
        if len(values):
            break
    else:
        return []
    values = values.to_numpy()
    low, high, n = float(values.min()), float(values.max()), len(values)
    if high <= chance + CHANCE_MARGIN:
        return [
            f"Validation {name} never rose above chance ({chance:g}) during fine-tuning: best {high:.3f} "
            f"in {n} epoch(s)."
        ]
    if n >= 2 and high - low < FLAT_RANGE:
        return [
            f"Validation {name} stayed between {low:.3f} and {high:.3f} over {n} epochs: fine-tuning did "
            "not move the model."
        ]
    return []
