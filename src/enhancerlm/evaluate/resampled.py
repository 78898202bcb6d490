"""Metrics of many resampled copies of one set at once, from example multiplicities (vectorised numpy).

A bootstrap replicate is the original set with each example repeated ``w_i`` times (``w_i >= 0``).
Every metric here is a function of those multiplicities, so one ``(n_replicates, n)`` weight matrix
gives all replicates in a few matrix operations instead of 1000 scikit-learn calls. The formulas are
scikit-learn's (``zero_division=0``, ties in AUROC get half credit, AP without interpolation) and the
tests hold them equal to scikit-learn on the resampled sets.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from enhancerlm.errors import InputError
from enhancerlm.evaluate.metrics import predict_classes, scalar_metric_names


def resampled_metrics(
    y: np.ndarray, proba: np.ndarray, weights: np.ndarray, metric_names: Sequence[str]
) -> dict[str, np.ndarray]:
    """Each metric of each weighted copy of the set.

    Parameters
    ----------
    y : np.ndarray of int, shape=(n,)
        True class ids (validated, see :func:`enhancerlm.evaluate.metrics.check_inputs`).
    proba : np.ndarray of float, shape=(n, n_classes)
        Class probabilities.
    weights : np.ndarray, shape=(n_replicates, n)
        ``weights[b, i]``: how many times example ``i`` occurs in replicate ``b``.
    metric_names : sequence of str
        Names from :func:`enhancerlm.evaluate.metrics.scalar_metric_names`.

    Returns
    -------
    dict of str to np.ndarray, shape=(n_replicates,)
        NaN where a metric is undefined in a replicate (AUROC with one class present).
    """
    n_classes = proba.shape[1]
    known = scalar_metric_names(n_classes)
    unknown = [m for m in metric_names if m not in known]
    if unknown:
        raise InputError(f"metric_names: {unknown} not available for {n_classes} classes; choose from {known}")
    weights = np.asarray(weights, dtype=np.float64)
    cm = confusion_counts(y, predict_classes(proba), n_classes, weights)
    counted = binary_from_counts(cm) if n_classes == 2 else multiclass_from_counts(cm)
    out = {m: counted[m] for m in metric_names if m in counted}
    if "auroc" in metric_names or "auprc" in metric_names:
        groups = ScoreGroups(proba[:, 1])
        pos, neg = groups.class_weights(y == 1, weights)
        out.update({m: f(pos, neg) for m, f in (("auroc", auroc), ("auprc", auprc)) if m in metric_names})
    if "auroc_macro" in metric_names:
        per_class = [auroc(*ScoreGroups(proba[:, c]).class_weights(y == c, weights)) for c in range(n_classes)]
        out["auroc_macro"] = np.mean(per_class, axis=0)
    return out


def confusion_counts(y: np.ndarray, pred: np.ndarray, n_classes: int, weights: np.ndarray) -> np.ndarray:
    """Weighted confusion matrices, shape=(n_replicates, n_classes, n_classes), rows true, columns predicted."""
    cell = y * n_classes + pred
    one_hot = np.zeros((len(y), n_classes * n_classes))
    one_hot[np.arange(len(y)), cell] = 1.0
    return (weights @ one_hot).reshape(len(weights), n_classes, n_classes)


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den == 0 (scikit-learn's zero_division=0)."""
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)


def _per_class(cm: np.ndarray) -> dict[str, np.ndarray]:
    tp = np.diagonal(cm, axis1=1, axis2=2)
    support, predicted = cm.sum(axis=2), cm.sum(axis=1)
    return {
        "tp": tp,
        "support": support,
        "predicted": predicted,
        "precision": _div(tp, predicted),
        "recall": _div(tp, support),
        "f1": _div(2 * tp, support + predicted),
    }  # 2PR/(P+R) written in counts, as scikit-learn does


def _mcc(cm: np.ndarray, pc: dict[str, np.ndarray]) -> np.ndarray:
    # Gorodkin's multi-class MCC, the formula scikit-learn uses; equals the binary MCC for 2 classes.
    s = cm.sum(axis=(1, 2))
    c = pc["tp"].sum(axis=1)
    t, p = pc["support"], pc["predicted"]
    cov_tp = c * s - (t * p).sum(axis=1)
    cov_pp = s**2 - (p * p).sum(axis=1)
    cov_tt = s**2 - (t * t).sum(axis=1)
    return _div(cov_tp, np.sqrt(cov_tt * cov_pp))


def binary_from_counts(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Count-based binary metrics (positive = class 1) of confusion matrices, shape=(n_replicates, 2, 2)."""
    pc = _per_class(cm)
    n = cm.sum(axis=(1, 2))
    return {
        "accuracy": _div(pc["tp"].sum(axis=1), n),
        "precision": pc["precision"][:, 1],
        "recall": pc["recall"][:, 1],
        "specificity": pc["recall"][:, 0],
        "fpr": _div(cm[:, 0, 1], pc["support"][:, 0]),
        "f1": pc["f1"][:, 1],
        "mcc": _mcc(cm, pc),
    }


def multiclass_from_counts(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Count-based multi-class metrics of confusion matrices, shape=(n_replicates, k, k)."""
    pc = _per_class(cm)
    accuracy = _div(pc["tp"].sum(axis=1), cm.sum(axis=(1, 2)))
    # In single-label classification micro precision = micro recall = micro F1 = accuracy.
    return {
        "accuracy": accuracy,
        "precision_macro": pc["precision"].mean(axis=1),
        "recall_macro": pc["recall"].mean(axis=1),
        "f1_macro": pc["f1"].mean(axis=1),
        "precision_micro": accuracy,
        "recall_micro": accuracy,
        "f1_micro": accuracy,
        "mcc": _mcc(cm, pc),
    }


class ScoreGroups:
    """Examples sorted by score and grouped where scores tie; sorted once, reused for every replicate.

    Parameters
    ----------
    score : np.ndarray, shape=(n,)
        Score of the class of interest (higher = more likely that class).
    """

    def __init__(self, score: np.ndarray):
        self.order = np.argsort(score, kind="stable")
        ranked = score[self.order]
        self.starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])

    def class_weights(self, is_pos: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positive and negative weight per tie group, each shape=(n_replicates, n_groups), ascending score."""
        w = weights[:, self.order]
        pos_w = w * is_pos[self.order]
        return np.add.reduceat(pos_w, self.starts, axis=1), np.add.reduceat(w - pos_w, self.starts, axis=1)


def auroc(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AUROC per replicate from tie-group weights (ascending score); NaN when a class is missing.

    The Mann-Whitney form: the weighted share of (positive, negative) pairs ranked correctly, ties
    counting one half, which equals the trapezoidal area scikit-learn's ``roc_auc_score`` computes.
    """
    neg_below = np.cumsum(neg, axis=1) - neg
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    correct = (pos * (neg_below + 0.5 * neg)).sum(axis=1)
    return np.divide(correct, pairs, out=np.full(len(pos), np.nan), where=pairs > 0)


def auprc(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Average precision per replicate from tie-group weights (ascending score); NaN with no positive.

    ``sum_k (R_k - R_{k-1}) P_k`` over thresholds at each distinct score, highest first, as
    scikit-learn's ``average_precision_score`` (no interpolation).
    """
    pos, neg = pos[:, ::-1], neg[:, ::-1]
    tp, fp = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
    precision = _div(tp, tp + fp)
    n_pos = pos.sum(axis=1)
    return np.divide((pos * precision).sum(axis=1), n_pos, out=np.full(len(pos), np.nan), where=n_pos > 0)
