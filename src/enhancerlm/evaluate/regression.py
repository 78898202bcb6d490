"""Regression metrics per target (measured activity: STARR-seq, MPRA), and their resampled copies.

Pearson and Spearman say whether predictions follow the measurements (Spearman: in rank, which a
monotone readout cannot fake), R² and MSE how close they come in the target's own units. With
several targets each has its block (``per_target.<name>``); the top level is the mean over targets.
NaN truth (``--mask-missing``) leaves that target's row out.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import stats
from sklearn import metrics as skm

from enhancerlm.errors import InputError
from enhancerlm.evaluate.metrics import output_arrays
from enhancerlm.evaluate.names import REGRESSION_METRICS
from enhancerlm.evaluate.resampled import ScoreGroups

# Correlations need two distinct values on both sides; R² needs a truth that varies.
_NEEDS_SPREAD = {"pearson": "both", "spearman": "both", "r2": "truth"}


def check_regression(y_true, predicted, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Validate truth (NaN = missing) and finite predictions, both shape=(n, n_targets); return float64."""
    y, p = output_arrays(y_true, predicted, names, "regression truth, predictions, targets")
    if np.isinf(y).any() or not np.isfinite(p).all():
        row, col = map(int, np.argwhere(np.isinf(y) | ~np.isfinite(p))[0])
        raise InputError(
            f"regression: row {row} target {names[col]!r} is not finite (truth {y[row, col]}, prediction {p[row, col]})"
        )
    return y, p


def regression_metrics(y_true, predicted, names: Sequence[str]) -> dict:
    """Pearson, Spearman, R² and MSE per target and their means, as a JSON-able dict.

    Parameters
    ----------
    y_true : array-like of float, shape=(n, n_targets)
        Measured values; NaN where unknown.
    predicted : array-like of float, shape=(n, n_targets)
    names : sequence of str, length n_targets

    Returns
    -------
    dict
        ``task`` ("regression"), ``target_names``, ``n``, ``pearson`` (scipy's ``pearsonr``),
        ``spearman`` (scipy's ``spearmanr``), ``r2`` (scikit-learn's ``r2_score``), ``mse``
        (``mean_squared_error``), each the mean over the targets where it is defined; with several
        targets ``per_target`` (name -> the same for that target, with its ``n``); ``undefined``
        (metric -> why it is None: a constant prediction or truth) and ``warnings``.
    """
    y, p = check_regression(y_true, predicted, names)
    per_target = {str(name): _target_block(y[:, j], p[:, j]) for j, name in enumerate(names)}
    out: dict = {
        "task": "regression",
        "target_names": [str(n) for n in names],
        "n": int(len(y)),
        "undefined": {},
        "warnings": [],
    }
    for metric in REGRESSION_METRICS:
        values = {name: block[metric] for name, block in per_target.items() if block[metric] is not None}
        out[metric] = float(np.mean(list(values.values()))) if values else None
        if not values:
            out["undefined"][metric] = next(iter(per_target.values()))["undefined"].get(metric, "no known value")
        elif len(values) < len(per_target) and len(per_target) > 1:
            out["warnings"].append(f"{metric}: the mean over targets {list(values)}; undefined for the others")
    if len(per_target) > 1:
        out["per_target"] = per_target
    return out


def _target_block(y: np.ndarray, p: np.ndarray) -> dict:
    known = ~np.isnan(y)
    y, p = y[known], p[known]
    block: dict = {"n": int(len(y)), "undefined": {}}
    spread = {"truth": len(y) > 1 and np.ptp(y) > 0, "prediction": len(p) > 1 and np.ptp(p) > 0}
    for metric, needs in _NEEDS_SPREAD.items():
        missing = [side for side in ("truth", "prediction") if needs in (side, "both") and not spread[side]]
        if missing:
            block["undefined"][metric] = f"the {' and the '.join(missing)} is constant"
            block[metric] = None
    if "pearson" not in block:
        block["pearson"] = float(stats.pearsonr(y, p).statistic)
    if "spearman" not in block:
        block["spearman"] = float(stats.spearmanr(y, p).statistic)
    if "r2" not in block:
        block["r2"] = float(skm.r2_score(y, p))
    block["mse"] = float(skm.mean_squared_error(y, p)) if len(y) else None
    if not len(y):
        block["undefined"]["mse"] = "no known value"
    return block


def regression_replicates(y: np.ndarray, p: np.ndarray, weights: np.ndarray, names: Sequence[str]) -> dict:
    """Every metric of each weighted copy of the set, per target and as the mean over targets.

    The formulas are the weighted forms of scipy's and scikit-learn's: a replicate is the set with
    sequence ``i`` repeated ``weights[b, i]`` times, and Spearman ranks repeated and tied values by
    their average rank, as ``spearmanr`` does on the repeated set.

    Parameters
    ----------
    y, p : np.ndarray, shape=(n, n_targets)
        Validated truth (NaN = missing) and predictions (:func:`check_regression`).
    weights : np.ndarray, shape=(n_replicates, n)

    Returns
    -------
    dict
        ``("per_target", name, metric)`` (several targets) and ``(metric,)`` -> shape=(n_replicates,),
        NaN where undefined in a replicate.
    """
    per_target = {}
    for j, name in enumerate(names):
        known = ~np.isnan(y[:, j])
        per_target[str(name)] = _weighted_metrics(y[known, j], p[known, j], weights[:, known])
    out: dict = {}
    for metric in REGRESSION_METRICS:
        defined = [v[metric] for v in per_target.values() if not np.isnan(v[metric]).all()]
        out[(metric,)] = np.mean(defined, axis=0) if defined else np.full(len(weights), np.nan)
    if len(names) > 1:
        out.update({("per_target", name, m): v for name, block in per_target.items() for m, v in block.items()})
    return out


def _weighted_metrics(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sse = w @ (y - p) ** 2
        mean_y = (w @ y) / total
        sst = (w * (y[None, :] - mean_y[:, None]) ** 2).sum(axis=1)
        return {
            "pearson": _weighted_pearson(y[None, :], p[None, :], w),
            "spearman": _weighted_pearson(_average_ranks(y, w), _average_ranks(p, w), w),
            "r2": np.where(sst > 0, 1 - sse / np.where(sst > 0, sst, 1), np.nan),
            "mse": sse / total,
        }


def _weighted_pearson(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson r per replicate of values a, b (each (1, n) or (n_replicates, n)); NaN where one is constant."""
    total = w.sum(axis=1, keepdims=True)
    da = a - (w * a).sum(axis=1, keepdims=True) / total
    db = b - (w * b).sum(axis=1, keepdims=True) / total
    cov, var_a, var_b = ((w * x * z).sum(axis=1) for x, z in ((da, db), (da, da), (db, db)))
    # A spread below rounding noise of the mean is a constant (scipy says the same with a warning).
    scale = np.maximum(np.abs(a).max(), np.abs(b).max()) ** 2 * 1e-24 * total[:, 0]
    ok = (var_a > scale) & (var_b > scale)
    return np.divide(cov, np.sqrt(var_a * var_b), out=np.full(len(w), np.nan), where=ok)


def _average_ranks(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Rank of each value in each replicate, ties (and repeats) at their average rank; shape=(n_replicates, n)."""
    groups = ScoreGroups(x)
    group_w = np.add.reduceat(w[:, groups.order], groups.starts, axis=1)
    group_rank = np.cumsum(group_w, axis=1) - (group_w - 1) / 2
    group_of = np.empty(len(x), dtype=np.int64)
    group_of[groups.order] = np.repeat(np.arange(len(groups.starts)), np.diff(np.r_[groups.starts, len(x)]))
    return group_rank[:, group_of]
