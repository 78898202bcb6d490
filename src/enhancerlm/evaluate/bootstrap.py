"""Percentile-bootstrap intervals and the per-model evaluation block written to ``metrics.json``."""

from __future__ import annotations

import logging
from typing import Callable, Sequence

import numpy as np

from enhancerlm.errors import InputError
from enhancerlm.evaluate.metrics import check_inputs, compute_metrics, scalar_metric_names
from enhancerlm.evaluate.multilabel import check_multilabel, multilabel_metrics, multilabel_replicates
from enhancerlm.evaluate.regression import check_regression, regression_metrics, regression_replicates
from enhancerlm.evaluate.resampled import resampled_metrics
from enhancerlm.sequences.task import Task

log = logging.getLogger(__name__)

# Bootstrap weight matrices are built in chunks of at most this many cells (8 bytes each) so that
# memory stays near 30 MB for any test-set size.
_CHUNK_CELLS = 4_000_000
# Below this many examples an interval says little; the block carries a warning.
SMALL_SET = 30


def bootstrap_weights(n: int, n_boot: int, seed: int, cells_per_example: int = 1):
    """Yield example multiplicities of bootstrap replicates, chunks of shape=(chunk, n).

    Each replicate draws ``n`` examples with replacement (whole examples, so a sequence's label and
    probabilities stay together). The generator draws replicates in order, so a seed gives the same
    replicates whatever the chunk size. ``cells_per_example`` (a multi-output task's labels or
    targets) shrinks the chunks where the metrics expand each weight to one per output.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, _CHUNK_CELLS // (n * cells_per_example)))
    for start in range(0, n_boot, chunk):
        rows = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(rows, n))
        flat = (np.arange(rows)[:, None] * n + idx).ravel()
        yield np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(np.float64)


def bootstrap_ci(
    y_true, proba, metric_names: Sequence[str] | None = None, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
) -> dict[str, tuple[float, float] | None]:
    """Percentile bootstrap intervals of whole-set metrics.

    Parameters
    ----------
    y_true : array-like of int, shape=(n,)
        True class ids.
    proba : array-like of float, shape=(n, n_classes)
        Class probabilities.
    metric_names : sequence of str, optional
        Metrics to bound; default every scalar metric of the task
        (:data:`enhancerlm.evaluate.metrics.BINARY_METRICS` or ``MULTICLASS_METRICS``).
    n_boot : int
        Bootstrap replicates.
    seed : int
        Seed of the resampling; the same seed gives the same intervals.
    alpha : float
        1 - coverage; 0.05 gives 95% intervals (2.5th and 97.5th percentiles).

    Returns
    -------
    dict of str to (low, high) or None
        None when the metric is undefined in most replicates (e.g. AUROC with one class present).
    """
    y, p = check_inputs(y_true, proba)
    _check_bootstrap_args(n_boot, alpha)
    names = list(metric_names) if metric_names is not None else list(scalar_metric_names(p.shape[1]))
    chunks = [resampled_metrics(y, p, w, names) for w in bootstrap_weights(len(y), n_boot, seed)]
    return {m: _percentile_interval(np.concatenate([c[m] for c in chunks]), alpha, m) for m in names}


def _check_bootstrap_args(n_boot: int, alpha: float) -> None:
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise InputError(f"n_boot: expected a positive number of bootstrap replicates, got {n_boot!r}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha: expected 0 < alpha < 1 (0.05 for 95% intervals), got {alpha!r}")


def _percentile_interval(values: np.ndarray, alpha: float, name: str) -> tuple[float, float] | None:
    defined = values[np.isfinite(values)]
    if defined.size < values.size / 2:
        log.info(
            "%s: undefined in %d of %d bootstrap replicates; no interval", name, values.size - defined.size, values.size
        )
        return None
    if defined.size < values.size:
        log.info(
            "%s: undefined in %d of %d bootstrap replicates; interval from the rest",
            name,
            values.size - defined.size,
            values.size,
        )
    low, high = np.percentile(defined, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(low), float(high)


def evaluate(
    y_true,
    proba,
    task: Task | Sequence[str],
    *,
    novel_mask=None,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict:
    """One model's evaluation block: whole-set metrics with intervals, on the full set and its novel subset.

    Parameters
    ----------
    y_true : array-like
        Truth of the test set as :meth:`Task.encode` gives it: class ids, shape=(n,); or 0/1 per
        label, or values per target, shape=(n, n_outputs), NaN where missing.
    proba : array-like of float, shape=(n, n_outputs)
        The model's outputs (:meth:`SequenceClassifier.predict_outputs`): class or label
        probabilities, or predicted values.
    task : Task, or sequence of str
        The task; a sequence is the class names of a single-label task (class id ``i`` is ``task[i]``).
    novel_mask : array-like of bool, shape=(n,), optional
        True for test sequences with no duplicate in train.
    n_boot, seed, alpha
        Bootstrap settings, see :func:`bootstrap_ci`.

    Returns
    -------
    dict
        :func:`enhancerlm.evaluate.metrics.compute_metrics` output plus ``ci`` (metric -> ``[low, high]``
        or None), ``bootstrap`` (method, n_boot, seed, level) and ``novel`` (the same for the novel
        subset; None without ``novel_mask``; with ``skipped`` and the reason when it is empty).
        This is the format of each model block in ``metrics.json``. Multi-label and regression
        blocks: :func:`enhancerlm.evaluate.multilabel.multilabel_metrics` or
        :func:`enhancerlm.evaluate.regression.regression_metrics`, with ``ci`` at the top and in each
        ``per_label.<label>`` / ``per_target.<name>`` block (the same replicates for every output).
    """
    if isinstance(task, Task) and not task.single_label:
        check, _, _ = _MULTI_OUTPUT[task.kind]
        y, p = check(y_true, proba, task.names)
        names: Sequence[str] = task.names
    else:
        names = list(task.names) if isinstance(task, Task) else list(task)
        y, p = check_inputs(y_true, proba, names)
    _check_bootstrap_args(n_boot, alpha)
    kind = task.kind if isinstance(task, Task) else "single"

    def evaluate_set(rows: np.ndarray | slice) -> dict:
        if kind in _MULTI_OUTPUT:
            return _evaluate_outputs(y[rows], p[rows], kind, names, n_boot, seed, alpha)
        return _evaluate_set(y[rows], p[rows], names, n_boot, seed, alpha)

    block = evaluate_set(slice(None))
    block["novel"] = None
    if novel_mask is not None:
        block["novel"] = _evaluate_novel(evaluate_set, _check_mask(novel_mask, len(y)))
    return block


def _evaluate_set(y, p, class_names, n_boot: int, seed: int, alpha: float) -> dict:
    block = compute_metrics(y, p, class_names)
    defined = [m for m in scalar_metric_names(p.shape[1]) if block[m] is not None]
    intervals = bootstrap_ci(y, p, defined, n_boot=n_boot, seed=seed, alpha=alpha)
    block["ci"] = {m: (list(ci) if (ci := intervals.get(m)) else None) for m in scalar_metric_names(p.shape[1])}
    return _with_bootstrap_record(block, n_boot, seed, alpha)


def _with_bootstrap_record(block: dict, n_boot: int, seed: int, alpha: float) -> dict:
    """``block`` with its bootstrap settings, and a warning when the set is too small for intervals."""
    block["bootstrap"] = {
        "method": "percentile",
        "resample": "examples",
        "n_boot": int(n_boot),
        "seed": int(seed),
        "level": 1 - alpha,
    }
    if block["n"] < SMALL_SET:
        block["warnings"].append(f"only {block['n']} examples: intervals are wide and unstable")
    return block


def _evaluate_outputs(y, p, kind: str, names: Sequence[str], n_boot: int, seed: int, alpha: float) -> dict:
    """A multi-label or regression block with intervals on every metric, per output and summarised."""
    _, compute, replicates = _MULTI_OUTPUT[kind]
    block = compute(y, p, names)
    chunks = [replicates(y, p, w, names) for w in bootstrap_weights(len(y), n_boot, seed, y.shape[1])]
    for path in chunks[0]:
        holder = block if len(path) == 1 else block[path[0]][path[1]]
        metric = path[-1]
        values = np.concatenate([c[path] for c in chunks])
        interval = _percentile_interval(values, alpha, ".".join(path)) if holder.get(metric) is not None else None
        holder.setdefault("ci", {})[metric] = list(interval) if interval else None
    return _with_bootstrap_record(block, n_boot, seed, alpha)


def _check_mask(novel_mask, n: int) -> np.ndarray:
    mask = np.asarray(novel_mask)
    if mask.shape != (n,) or mask.dtype.kind != "b":
        raise InputError(
            f"novel_mask: expected a boolean array of shape ({n},), got dtype {mask.dtype} shape {mask.shape}"
        )
    return mask


def _evaluate_novel(evaluate_set: Callable[[np.ndarray], dict], mask: np.ndarray) -> dict:
    n_novel = int(mask.sum())
    if n_novel == 0:
        reason = f"no novel test sequence: all {len(mask)} have a duplicate in train"
        log.warning("novel subset: %s", reason)
        return {"n": 0, "skipped": reason}
    block = evaluate_set(mask)
    block["fraction_of_test"] = n_novel / len(mask)
    return block


def task_metrics(y_true, outputs, task: Task) -> dict:
    """A task's whole-set metrics without intervals (a validation set each epoch); keys as in :func:`evaluate`.

    ``y_true`` and ``outputs`` as :func:`evaluate` takes them.
    """
    if task.single_label:
        return compute_metrics(y_true, outputs, task.names)
    check, compute, _ = _MULTI_OUTPUT[task.kind]
    return compute(*check(y_true, outputs, task.names), task.names)


# Multi-output kinds: (validate, whole-set metrics, metrics of weighted replicates), by task kind.
_MULTI_OUTPUT = {
    "multilabel": (check_multilabel, multilabel_metrics, multilabel_replicates),
    "regression": (check_regression, regression_metrics, regression_replicates),
}
