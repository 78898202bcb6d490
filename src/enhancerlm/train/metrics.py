"""Per-epoch validation metrics for every task kind: what the Trainer logs and what picks an epoch or a trial.

Computed over the whole validation set with scikit-learn and scipy (never averaged over batches).
Binary and multi-class tasks keep :func:`enhancerlm.evaluate.metrics.compute_metrics`' scalars;
multi-label tasks get per-label AUROC/AUPRC averaged (macro) and pooled (micro); regression tasks
Pearson, Spearman, R² and MSE averaged over targets. Missing truth (NaN, with masking) is left out per
output. The full report of a run (intervals, per-label tables) is :mod:`enhancerlm.evaluate`'s.
"""

from __future__ import annotations

import logging
import warnings
from typing import Sequence

import numpy as np

from enhancerlm.evaluate.metrics import compute_metrics, scalar_metric_names
from enhancerlm.evaluate.names import MULTILABEL_METRICS, REGRESSION_METRICS
from enhancerlm.sequences.task import Task

log = logging.getLogger(__name__)

# A registry entry names binary metrics; their counterparts in the other kinds' epoch metrics.
_COUNTERPART = {
    "multiclass": {"auroc": "auroc_macro", "precision": "precision_macro", "recall": "recall_macro", "f1": "f1_macro"},
    "multilabel": {"auroc": "auroc_macro", "auprc": "auprc_macro"},
}


def epoch_metric_names(task: Task) -> tuple[str, ...]:
    """The scalar metrics :func:`epoch_metrics` reports for ``task`` (besides the validation ``loss``)."""
    if task.single_label:
        return scalar_metric_names(task.n_outputs)
    return MULTILABEL_METRICS if task.kind == "multilabel" else REGRESSION_METRICS


def task_metric(task: Task, name: str) -> str:
    """A metric name as ``task``'s epoch metrics call it: ``auroc`` -> ``auroc_macro`` (multi-class, multi-label).

    A name the task does not report (a registry entry's ``mcc`` for a regression task) becomes the
    task's own default (:attr:`Task.default_metric`), with a log line; ``loss`` is every task's.
    """
    if name == "loss":
        return name
    found = _COUNTERPART.get(task.kind, {}).get(name, name)
    if found in epoch_metric_names(task):
        return found
    log.info("metric %r is not reported for a %s task: using %r", name, task.kind, task.default_metric)
    return task.default_metric


def epoch_metrics(task: Task, y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """Scalar whole-set metrics of one validation pass; undefined ones (one class only) are left out.

    Parameters
    ----------
    task : Task
    y_true : np.ndarray
        Truth as :meth:`Task.encode` gives it: class ids, shape=(n,), or values, shape=(n, n_outputs),
        NaN where missing.
    outputs : np.ndarray, shape=(n, n_outputs)
        The model's outputs (:meth:`Task.activate` of its logits): probabilities or values.
    """
    if task.single_label:
        return validation_metrics(y_true, outputs, task.names)
    y, p = np.asarray(y_true, dtype=np.float64).reshape(len(outputs), -1), np.asarray(outputs, dtype=np.float64)
    metrics = multilabel_metrics(y, p) if task.kind == "multilabel" else regression_metrics(y, p)
    return {k: v for k, v in metrics.items() if v is not None and np.isfinite(v)}


def validation_metrics(y_true: np.ndarray, proba: np.ndarray, class_names: Sequence[str]) -> dict[str, float]:
    """Binary or multi-class scalars (``mcc``, ``auroc``...) over the whole set; undefined ones left out.

    Parameters
    ----------
    y_true : np.ndarray, shape=(n,)
        Class ids of the whole validation set (not a batch).
    proba : np.ndarray, shape=(n, n_classes)
        Class probabilities.
    """
    metrics = compute_metrics(np.asarray(y_true).ravel(), proba, class_names)
    return {k: float(metrics[k]) for k in scalar_metric_names(len(class_names)) if metrics.get(k) is not None}


def multilabel_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float | None]:
    """Macro (mean over labels with both outcomes) and micro (pooled) AUROC and AUPRC; y, p shape=(n, n_labels)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    known = ~np.isnan(y)
    per_label = [
        (roc_auc_score(y[k, j], p[k, j]), average_precision_score(y[k, j], p[k, j]))
        for j, k in enumerate(known.T)
        if len(np.unique(y[k, j])) == 2
    ]
    pooled = len(np.unique(y[known])) == 2
    return {
        "auroc_macro": float(np.mean([a for a, _ in per_label])) if per_label else None,
        "auprc_macro": float(np.mean([b for _, b in per_label])) if per_label else None,
        "auroc_micro": float(roc_auc_score(y[known], p[known])) if pooled else None,
        "auprc_micro": float(average_precision_score(y[known], p[known])) if pooled else None,
    }


def regression_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float | None]:
    """Pearson, Spearman, R² and MSE per target over its known values, averaged over targets; shape=(n, n_targets)."""
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import mean_squared_error, r2_score

    rows = []
    for j, k in enumerate((~np.isnan(y)).T):
        t, v = y[k, j], p[k, j]
        varied = len(t) > 1 and np.ptp(t) > 0 and np.ptp(v) > 0  # a correlation needs spread on both sides
        corr = (float(pearsonr(t, v)[0]), float(spearmanr(t, v)[0])) if varied else (np.nan, np.nan)
        fit = (float(r2_score(t, v)), float(mean_squared_error(t, v))) if len(t) > 1 else (np.nan, np.nan)
        rows.append((*corr, *fit))
    with warnings.catch_warnings():  # a metric undefined for every target stays NaN, and is left out
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(np.asarray(rows, dtype=np.float64).reshape(-1, 4), axis=0)
    return {name: float(means[i]) for i, name in enumerate(REGRESSION_METRICS)}
