"""Per-epoch validation metrics for every task kind: what the Trainer logs and what picks an epoch or a trial.

Computed over the whole validation set (never averaged over batches) by :mod:`enhancerlm.evaluate`, the
same code as the test report, without its intervals: binary and multi-class scalars; for multi-label
tasks per-label AUROC/AUPRC averaged (macro) and pooled (micro); for regression Pearson, Spearman, R²
and MSE averaged over targets. Missing truth (NaN, with masking) is left out per output.
"""

from __future__ import annotations

import logging
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
    from enhancerlm.evaluate.bootstrap import task_metrics  # the report's own computation, without intervals

    y = np.asarray(y_true, dtype=np.float64).reshape(len(outputs), -1)
    metrics = task_metrics(y, np.asarray(outputs, dtype=np.float64), task)
    scalars = {name: metrics.get(name) for name in epoch_metric_names(task)}
    return {k: float(v) for k, v in scalars.items() if v is not None and np.isfinite(v)}


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
