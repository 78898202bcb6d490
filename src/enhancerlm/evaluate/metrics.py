"""Classification metrics computed over a whole set with scikit-learn (never averaged over batches)."""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np
from sklearn import metrics as skm

from enhancerlm.errors import InputError
from enhancerlm.evaluate.names import BINARY_METRICS, MULTICLASS_METRICS

log = logging.getLogger(__name__)

# Rows of class probabilities must sum to 1 so that argmax equals "proba[:, 1] > 0.5" in a binary task;
# the slack allows float16 softmax output.
PROBA_SUM_TOL = 1e-2


def scalar_metric_names(n_classes: int) -> tuple[str, ...]:
    """Names of the scalar metrics :func:`compute_metrics` reports for ``n_classes`` classes."""
    return BINARY_METRICS if n_classes == 2 else MULTICLASS_METRICS


def check_inputs(y_true, proba, class_names: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate labels and class probabilities; return them as ``int64`` and ``float64`` arrays.

    Parameters
    ----------
    y_true : array-like of int, shape=(n,)
        True class ids, ``0 <= y_true < n_classes``.
    proba : array-like of float, shape=(n, n_classes)
        Class probabilities; each row sums to 1.
    class_names : sequence of str, optional
        ``class_names[i]`` names class id ``i``; its length must equal ``n_classes``.

    Returns
    -------
    y : np.ndarray, shape=(n,), int64
    proba : np.ndarray, shape=(n, n_classes), float64
    """
    y = _check_labels(y_true)
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != len(y) or p.shape[1] < 2:
        raise InputError(f"proba: expected shape (n={len(y)}, n_classes>=2) to match y_true, got {p.shape}")
    if class_names is not None and len(class_names) != p.shape[1]:
        raise InputError(f"class_names: {len(class_names)} names {list(class_names)} for {p.shape[1]} proba columns")
    _check_proba_values(p)
    outside = np.flatnonzero((y < 0) | (y >= p.shape[1]))
    if outside.size:
        i = int(outside[0])
        raise InputError(f"y_true: class id {y[i]} at position {i} is outside 0..{p.shape[1] - 1}")
    return y, p


def output_arrays(y_true, outputs, names: Sequence[str], what: str) -> tuple[np.ndarray, np.ndarray]:
    """Multi-output truth and model outputs as float64 arrays, both shape=(n, len(names)), or an InputError.

    ``what``: how the message names them, e.g. ``"multi-label truth", "probabilities", "labels"``.
    """
    kind, output_word, names_word = what.split(", ")
    y, p = np.asarray(y_true, dtype=np.float64), np.asarray(outputs, dtype=np.float64)
    if y.ndim != 2 or y.shape != p.shape or y.shape[1] != len(names) or not len(y):
        raise InputError(
            f"{kind} {y.shape} and {output_word} {p.shape}: expected both (n, {len(names)}) for {names_word} "
            f"{list(names)}"
        )
    return y, p


def _check_labels(y_true) -> np.ndarray:
    y = np.asarray(y_true)
    if y.ndim != 1 or y.size == 0:
        raise InputError(f"y_true: expected a non-empty 1-D array of class ids, got shape {y.shape}")
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "iub":
        raise InputError(
            f"y_true: expected integer class ids, got dtype {y.dtype} (map names to ids with LabelMap.encode)"
        )
    return y.astype(np.int64)


def _check_proba_values(p: np.ndarray) -> None:
    bad = np.flatnonzero(~np.isfinite(p).all(axis=1) | (p < 0).any(axis=1) | (p > 1).any(axis=1))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"proba: row {i} {p[i].tolist()} has a value that is not a probability in [0, 1]")
    sums = p.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1) > PROBA_SUM_TOL)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"proba: row {i} sums to {sums[i]:.4g}, not 1; pass class probabilities (softmax), not logits")


def predict_classes(proba: np.ndarray) -> np.ndarray:
    """Predicted class ids, shape=(n,): argmax, i.e. ``proba[:, 1] > 0.5`` in a binary task (ties -> 0)."""
    return np.asarray(proba).argmax(axis=1)


def compute_metrics(y_true, proba, class_names: Sequence[str]) -> dict:
    """Metrics over the whole set, as a JSON-able dict.

    Binary tasks (positive = class id 1, predicted when ``proba[:, 1] > 0.5``): ``accuracy``,
    ``precision``, ``recall`` (sensitivity), ``specificity``, ``fpr``, ``f1``, ``mcc``, ``auroc``,
    ``auprc`` (average precision), ``confusion_matrix`` (rows true, columns predicted).
    More classes: ``accuracy``, ``precision/recall/f1`` ``_macro`` and ``_micro``, ``mcc``,
    ``auroc_macro`` (one-vs-rest), ``per_class`` (precision, recall, f1, support, auroc) and the
    full ``confusion_matrix``. Always: ``task``, ``class_names``, ``n``, ``n_per_class``, ``threshold``
    (binary), ``undefined`` (metric -> why it is None) and ``warnings`` (list of str).

    A ratio whose denominator is zero is 0 (scikit-learn's ``zero_division=0``); a metric that needs
    both classes (AUROC) is None when ``y_true`` has one class, with the reason in ``undefined``.

    Parameters
    ----------
    y_true : array-like of int, shape=(n,)
        True class ids.
    proba : array-like of float, shape=(n, n_classes)
        Class probabilities.
    class_names : sequence of str, length n_classes
        ``class_names[i]`` names class id ``i``.
    """
    y, p = check_inputs(y_true, proba, class_names)
    names = [str(c) for c in class_names]
    counts = np.bincount(y, minlength=len(names))
    out: dict = {
        "task": "binary" if len(names) == 2 else "multiclass",
        "class_names": names,
        "n": int(len(y)),
        "n_per_class": {c: int(k) for c, k in zip(names, counts)},
        "undefined": {},
        "warnings": [],
    }
    absent = [c for c, k in zip(names, counts) if k == 0]
    if absent:
        out["warnings"].append(f"class(es) {absent} absent from y_true: some metrics are undefined or 0")
    if len(names) == 2:
        out.update(_binary_metrics(y, p, names, out["undefined"]))
    else:
        out.update(_multiclass_metrics(y, p, names, out["undefined"]))
    return out


def _binary_metrics(y: np.ndarray, p: np.ndarray, names: list[str], undefined: dict) -> dict:
    pred = predict_classes(p)
    cm = skm.confusion_matrix(y, pred, labels=[0, 1])
    prec, rec, f1, _ = skm.precision_recall_fscore_support(y, pred, labels=[0, 1], zero_division=0)
    tn, fp = cm[0]
    return {
        "positive_class": names[1],
        "threshold": 0.5,
        "accuracy": float(skm.accuracy_score(y, pred)),
        "precision": float(prec[1]),
        "recall": float(rec[1]),
        "specificity": float(rec[0]),
        "fpr": float(fp / (tn + fp)) if tn + fp else 0.0,
        "f1": float(f1[1]),
        "mcc": _mcc(y, pred),
        "auroc": _auroc(y == 1, p[:, 1], names[1], undefined, "auroc"),
        "auprc": _auprc(y == 1, p[:, 1], names[1], undefined),
        "confusion_matrix": cm.tolist(),
    }


def _mcc(y: np.ndarray, pred: np.ndarray) -> float:
    # With one label in y and pred together MCC is 0/0, which scikit-learn returns as 0 after a warning
    # about its internal confusion matrix; answer 0 directly so a one-class batch logs nothing.
    if np.union1d(y, pred).size < 2:
        return 0.0
    return float(skm.matthews_corrcoef(y, pred))


def _auroc(is_pos: np.ndarray, score: np.ndarray, pos_name: str, undefined: dict, key: str) -> float | None:
    if is_pos.all() or not is_pos.any():
        undefined[key] = f"needs both '{pos_name}' and other examples; y_true has only one of them"
        return None
    return float(skm.roc_auc_score(is_pos, score))


def _auprc(is_pos: np.ndarray, score: np.ndarray, pos_name: str, undefined: dict) -> float | None:
    if not is_pos.any():
        undefined["auprc"] = f"no '{pos_name}' (positive) example in y_true"
        return None
    return float(skm.average_precision_score(is_pos, score))


def _multiclass_metrics(y: np.ndarray, p: np.ndarray, names: list[str], undefined: dict) -> dict:
    pred = predict_classes(p)
    labels = list(range(len(names)))
    prec, rec, f1, support = skm.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    aurocs = [_auroc(y == c, p[:, c], names[c], undefined, f"auroc[{names[c]}]") for c in labels]
    out: dict[str, Any] = {"accuracy": float(skm.accuracy_score(y, pred))}
    for average in ("macro", "micro"):
        avg = skm.precision_recall_fscore_support(y, pred, labels=labels, average=average, zero_division=0)
        out.update({f"{m}_{average}": float(v) for m, v in zip(("precision", "recall", "f1"), avg[:3])})
    out["mcc"] = _mcc(y, pred)
    # The mean of per-class one-vs-rest AUROCs is scikit-learn's multi_class="ovr" macro AUROC, which
    # refuses to run when a class is absent; per class we can still report the defined ones.
    if None in aurocs:
        out["auroc_macro"] = None
        undefined["auroc_macro"] = "a class is absent from y_true, so its one-vs-rest AUROC is undefined"
    else:
        out["auroc_macro"] = float(np.mean(aurocs))
    out["per_class"] = {
        names[c]: {
            "precision": float(prec[c]),
            "recall": float(rec[c]),
            "f1": float(f1[c]),
            "support": int(support[c]),
            "auroc": aurocs[c],
        }
        for c in labels
    }
    out["confusion_matrix"] = skm.confusion_matrix(y, pred, labels=labels).tolist()
    return out
