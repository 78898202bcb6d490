"""Multi-label metrics: each label a binary task of its own, plus macro and micro summaries over the labels.

A sequence carries 0..n of n labels (an enhancer active in several cell types). Truth is 0/1 per
label, NaN where a label's value is missing (masked per label, ``--mask-missing``): each label is
scored on its own known rows, and the micro averages pool every known (sequence, label) pair.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn import metrics as skm

from enhancerlm.errors import InputError
from enhancerlm.evaluate.metrics import compute_metrics, output_arrays
from enhancerlm.evaluate.names import BINARY_METRICS
from enhancerlm.evaluate.resampled import ScoreGroups, auprc, auroc, resampled_metrics

THRESHOLD = 0.5  # a label is called where its probability is above 0.5 (Task.decide), as a binary positive
# Keys of a label's binary block that name classes of a single-label task, not the label.
_CLASS_KEYS = ("task", "class_names", "positive_class", "n_per_class")


def check_multilabel(y_true, proba, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Validate 0/1/NaN truth and probabilities, both shape=(n, n_labels); return them as float64."""
    y, p = output_arrays(y_true, proba, names, "multi-label truth, probabilities, labels")
    bad = ~np.isnan(y) & (y != 0) & (y != 1)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise InputError(f"multi-label truth: row {row} label {names[col]!r} is {y[row, col]:g}, not 0, 1 or missing")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        row, col = map(int, np.argwhere(~np.isfinite(p) | (p < 0) | (p > 1))[0])
        raise InputError(f"probabilities: row {row} label {names[col]!r} is {p[row, col]!r}, not in [0, 1]")
    return y, p


def multilabel_metrics(y_true, proba, names: Sequence[str]) -> dict:
    """Per-label binary metrics and their macro/micro summaries, as a JSON-able dict.

    Parameters
    ----------
    y_true : array-like, shape=(n, n_labels)
        0/1 per label; NaN where unknown (that label's metrics leave the row out).
    proba : array-like of float, shape=(n, n_labels)
        Probability of each label (sigmoid outputs; rows need not sum to 1).
    names : sequence of str, length n_labels

    Returns
    -------
    dict
        ``task`` ("multilabel"), ``label_names``, ``n`` (sequences), ``n_positive`` (label -> count),
        ``per_label`` (label -> :func:`enhancerlm.evaluate.metrics.compute_metrics`'s binary block on
        the label's known rows: ``n``, ``n_positive``, accuracy ... auprc, confusion matrix), the
        ``MULTILABEL_METRICS``: ``auroc_macro``/``auprc_macro``/``f1_macro`` (the mean over the
        labels where the metric is defined, which equals scikit-learn's ``average="macro"`` when it
        is defined for all), ``auroc_micro``/``auprc_micro``/``f1_micro`` (every known pair pooled,
        scikit-learn's ``average="micro"``), ``undefined`` and ``warnings``.
    """
    y, p = check_multilabel(y_true, proba, names)
    per_label = {str(name): _label_block(y[:, j], p[:, j], str(name)) for j, name in enumerate(names)}
    out: dict = {
        "task": "multilabel",
        "label_names": [str(n) for n in names],
        "n": int(len(y)),
        "n_positive": {name: block["n_positive"] for name, block in per_label.items()},
        "undefined": {},
        "warnings": [],
    }
    for metric in ("auroc", "auprc", "f1"):
        out[f"{metric}_macro"] = _macro(per_label, metric, out)
    known = ~np.isnan(y)
    out.update(_micro(y[known] == 1, p[known], out["undefined"]))
    out["per_label"] = per_label
    return out


def _label_block(y: np.ndarray, p: np.ndarray, name: str) -> dict:
    known = ~np.isnan(y)
    is_pos = (y[known] == 1).astype(np.int64)
    if not known.any():
        return {"n": 0, "n_positive": 0, "undefined": dict.fromkeys(BINARY_METRICS, "no known value"), "warnings": []}
    score = p[known]
    block = compute_metrics(is_pos, np.column_stack([1 - score, score]), [f"not {name}", name])
    block["n_positive"] = int(is_pos.sum())
    return {k: v for k, v in block.items() if k not in _CLASS_KEYS}


def _macro(per_label: dict, metric: str, out: dict) -> float | None:
    values = {name: block.get(metric) for name, block in per_label.items()}
    defined = [v for v in values.values() if v is not None]
    left_out = [name for name, v in values.items() if v is None]
    if not defined:
        out["undefined"][f"{metric}_macro"] = "undefined for every label"
        return None
    if left_out:
        out["warnings"].append(f"{metric}_macro: the mean over {len(defined)} labels; undefined for {left_out}")
    return float(np.mean(defined))


def _micro(is_pos: np.ndarray, score: np.ndarray, undefined: dict) -> dict:
    called = score > THRESHOLD
    tp, fp, fn = (float(np.sum(a & b)) for a, b in ((is_pos, called), (~is_pos, called), (is_pos, ~called)))
    out: dict[str, float | None] = {"f1_micro": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0}
    if is_pos.all() or not is_pos.any():
        undefined["auroc_micro"] = "the known (sequence, label) pairs are all positive or all negative"
        out["auroc_micro"] = None
    else:
        out["auroc_micro"] = float(skm.roc_auc_score(is_pos, score))
    if not is_pos.any():
        undefined["auprc_micro"] = "no positive (sequence, label) pair"
        out["auprc_micro"] = None
    else:
        out["auprc_micro"] = float(skm.average_precision_score(is_pos, score))
    return out


def multilabel_replicates(y: np.ndarray, p: np.ndarray, weights: np.ndarray, names: Sequence[str]) -> dict:
    """Every interval metric of each weighted copy of the set (see :mod:`enhancerlm.evaluate.resampled`).

    Parameters
    ----------
    y, p : np.ndarray, shape=(n, n_labels)
        Validated truth (0/1/NaN) and probabilities (:func:`check_multilabel`).
    weights : np.ndarray, shape=(n_replicates, n)
        How many times each sequence occurs in each replicate (all its labels travel together).

    Returns
    -------
    dict
        ``("per_label", name, metric)`` and ``(metric,)`` -> np.ndarray, shape=(n_replicates,), NaN
        where undefined; the macro means NaN where one of their labels is.
    """
    out: dict = {}
    counts = np.zeros((3, len(weights)))  # tp, fp, fn summed over labels, for the micro F1
    macro: dict[str, list] = {"auroc": [], "auprc": [], "f1": []}  # labels the full set defines it for
    for j, name in enumerate(names):
        known = ~np.isnan(y[:, j])
        if not known.any():
            continue
        is_pos, score, w = y[known, j] == 1, p[known, j], weights[:, known]
        ids = is_pos.astype(np.int64)
        label = resampled_metrics(ids, np.column_stack([1 - score, score]), w, BINARY_METRICS)
        out.update({("per_label", str(name), m): v for m, v in label.items()})
        n_pos = int(is_pos.sum())
        for metric, defined in (("auroc", 0 < n_pos < len(ids)), ("auprc", n_pos > 0), ("f1", True)):
            macro[metric] += [label[metric]] if defined else []
        called = score > THRESHOLD
        counts += np.stack([w @ (is_pos & called), w @ (~is_pos & called), w @ (is_pos & ~called)])
    tp, fp, fn = counts
    out[("f1_micro",)] = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros(len(tp)), where=(2 * tp + fp + fn) > 0)
    for metric, values in macro.items():
        out[(f"{metric}_macro",)] = np.mean(values, axis=0) if values else np.full(len(weights), np.nan)
    rows, cols = np.nonzero(~np.isnan(y))
    groups = ScoreGroups(p[rows, cols])
    pos, neg = groups.class_weights(y[rows, cols] == 1, weights[:, rows])
    out[("auroc_micro",)], out[("auprc_micro",)] = auroc(pos, neg), auprc(pos, neg)
    return out
