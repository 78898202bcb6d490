"""Figures of multi-output tasks: ROC/PR curves per label, predicted vs measured values per target.

As in :mod:`enhancerlm.evaluate.plots`: plain data in, a ``matplotlib.figure.Figure`` out, drawn
without pyplot. Missing truth (NaN) leaves that point out of its label's or target's panel.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from enhancerlm.errors import InputError
from enhancerlm.evaluate.metrics import compute_metrics
from enhancerlm.evaluate.plots import plot_confusion_matrices, plot_pr_curves, plot_roc_curves
from enhancerlm.sequences.task import Task

# Beyond this many labels one panel per label is unreadable: the curves pool every (sequence, label) pair.
MAX_LABEL_PANELS = 12
# Beyond this many points a scatter hides its density; draw a random sample of them (fixed seed).
MAX_SCATTER_POINTS = 5000
PANEL_SIZE = (4.2, 4.0)


def test_figures(truth, outputs: Mapping[str, np.ndarray], task: Task) -> dict[str, Figure]:
    """The test-set figures of a task's report, by name: the one place that chooses them by task kind.

    Single-label: ``confusion``, ``roc``, ``pr`` (:mod:`enhancerlm.evaluate.plots`); multi-label:
    ``roc_per_label``, ``pr_per_label``; regression: ``scatter`` (predicted vs measured).

    Parameters
    ----------
    truth : array-like
        As :meth:`Task.encode` gives it: class ids, shape=(n,), or shape=(n, n_outputs).
    outputs : mapping of str to np.ndarray, shape=(n, n_outputs)
        Model name -> its outputs (probabilities or predicted values).
    task : Task
    """
    names = list(task.names)
    if task.kind == "multilabel":
        return {f"{kind}_per_label": plot_label_curves(truth, outputs, names, kind) for kind in ("roc", "pr")}
    if task.kind == "regression":
        return {"scatter": plot_predicted_vs_measured(truth, outputs, names)}
    matrices = {k: compute_metrics(truth, p, names)["confusion_matrix"] for k, p in outputs.items()}
    predictions = {k: (truth, p) for k, p in outputs.items()}
    return {
        "confusion": plot_confusion_matrices(matrices, names),
        "roc": plot_roc_curves(predictions),
        "pr": plot_pr_curves(predictions),
    }


def _grid(n_rows: int, n_cols: int) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(PANEL_SIZE[0] * n_cols, PANEL_SIZE[1] * n_rows), layout="constrained")
    return fig, fig.subplots(n_rows, n_cols, squeeze=False)


def plot_label_curves(truth, predictions: Mapping[str, np.ndarray], names: Sequence[str], kind: str = "roc") -> Figure:
    """ROC (``kind="roc"``) or precision-recall (``"pr"``) curves of several models, one panel per label.

    Parameters
    ----------
    truth : array-like, shape=(n, n_labels)
        0/1 per label, NaN where unknown.
    predictions : mapping of str to array-like, shape=(n, n_labels)
        Model name -> label probabilities.
    names : sequence of str
        Label names, one per column.
    kind : {"roc", "pr"}

    With more than ``MAX_LABEL_PANELS`` labels one panel pools every known (sequence, label) pair
    (the micro average). A label whose known truth is one class only gets an empty panel that says so.
    """
    if kind not in ("roc", "pr"):
        raise InputError(f"kind: expected 'roc' or 'pr', got {kind!r}")
    if not predictions:
        raise InputError("predictions: no model to draw")
    y = np.asarray(truth, dtype=np.float64)
    outputs = {name: np.asarray(p, dtype=np.float64) for name, p in predictions.items()}
    draw: Callable = plot_roc_curves if kind == "roc" else plot_pr_curves
    panels = _label_panels(y, list(names))
    n_cols = min(4, len(panels))
    fig, axes = _grid(-(-len(panels) // n_cols), n_cols)
    for ax, (title, cells) in zip(axes.ravel(), panels):
        is_pos = y[cells] == 1
        if is_pos.all() or not is_pos.any():
            ax.set_title(f"{title}: one class only, no curve")
            ax.set_axis_off()
            continue
        draw({model: (is_pos.astype(np.int64), p[cells]) for model, p in outputs.items()}, ax=ax)
        ax.set_title(title)
    for ax in axes.ravel()[len(panels) :]:
        ax.set_axis_off()
    fig.suptitle(("ROC" if kind == "roc" else "Precision-recall") + " curves per label")
    return fig


def _label_panels(y: np.ndarray, names: list[str]) -> list[tuple[str, tuple[np.ndarray, np.ndarray]]]:
    """(title, known cells as row and column indices) per panel: one per label, or all labels pooled."""
    if y.ndim != 2 or y.shape[1] != len(names):
        raise InputError(f"truth: expected shape (n, {len(names)}) for labels {names}, got {y.shape}")
    if len(names) > MAX_LABEL_PANELS:
        return [(f"all {len(names)} labels pooled (micro-average)", np.nonzero(~np.isnan(y)))]
    return [
        (name, (np.flatnonzero(~np.isnan(y[:, j])), np.full(int((~np.isnan(y[:, j])).sum()), j)))
        for j, name in enumerate(names)
    ]


def plot_predicted_vs_measured(truth, predictions: Mapping[str, np.ndarray], names: Sequence[str]) -> Figure:
    """Predicted against measured values: one row of panels per target, one column per model.

    Parameters
    ----------
    truth : array-like of float, shape=(n, n_targets)
        Measured values, NaN where unknown.
    predictions : mapping of str to array-like, shape=(n, n_targets)
        Model name -> predicted values.
    names : sequence of str
        Target names, one per column.

    Each panel shows the identity line (a perfect model lies on it) and the Pearson and Spearman
    correlations of its points; at most ``MAX_SCATTER_POINTS`` points are drawn (a fixed sample).
    """
    if not predictions:
        raise InputError("predictions: no model to draw")
    y = np.asarray(truth, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != len(names):
        raise InputError(f"truth: expected shape (n, {len(names)}) for targets {list(names)}, got {y.shape}")
    fig, axes = _grid(len(names), len(predictions))
    for j, target in enumerate(names):
        rows = np.flatnonzero(~np.isnan(y[:, j]))
        shown = rows if len(rows) <= MAX_SCATTER_POINTS else np.random.default_rng(0).choice(rows, MAX_SCATTER_POINTS)
        for ax, (model, p) in zip(axes[j], predictions.items()):
            _scatter(ax, y[shown, j], np.asarray(p, dtype=np.float64)[shown, j], y[rows, j], np.asarray(p)[rows, j])
            ax.set(xlabel=f"measured {target}", ylabel=f"predicted {target}")
            ax.set_title(f"{model}: {target}\n{_correlations(y[rows, j], np.asarray(p)[rows, j])}", fontsize="medium")
    fig.suptitle("Predicted vs measured values on the test set (dotted: identity)")
    return fig


def _scatter(ax, x_shown, y_shown, x_all, y_all) -> None:
    ax.scatter(x_shown, y_shown, s=6, alpha=0.4, linewidths=0)
    low, high = float(min(x_all.min(), y_all.min())), float(max(x_all.max(), y_all.max()))
    ax.plot([low, high], [low, high], color="grey", linestyle=":")


def _correlations(measured: np.ndarray, predicted: np.ndarray) -> str:
    if len(measured) < 2 or np.ptp(measured) == 0 or np.ptp(predicted) == 0:
        return "n=%d, constant: no correlation" % len(measured)
    pearson = stats.pearsonr(measured, predicted).statistic
    spearman = stats.spearmanr(measured, predicted).statistic
    return f"n={len(measured)}, Pearson {pearson:.3f}, Spearman {spearman:.3f}"
