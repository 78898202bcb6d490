"""Figures for evaluation: confusion matrices, ROC and PR curves, training and search curves.

Every function takes plain data and an optional axes to draw on, and returns the matplotlib
``Figure``. Without axes a new ``matplotlib.figure.Figure`` is made directly (not through pyplot), so
nothing depends on a display or on pyplot's global state and figures are freed with their last reference.
"""

from __future__ import annotations

import io
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn import metrics as skm
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.preprocessing import label_binarize

from enhancerlm.errors import InputError
from enhancerlm.evaluate.history import check_history, split_metric
from enhancerlm.evaluate.metrics import check_inputs

_SPLIT_STYLE = {"train": "--", "val": "-", "test": ":", "": "-"}


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _axes_for(n_panels: int, axes, panel_size=(4.2, 3.6)) -> tuple[Figure, list]:
    """Use the caller's axes (one per panel) or make a figure with one row of panels."""
    if axes is None:
        fig = Figure(figsize=(panel_size[0] * n_panels, panel_size[1]), layout="constrained")
        return fig, list(fig.subplots(1, n_panels, squeeze=False)[0])
    axes = list(np.ravel(axes))
    if len(axes) != n_panels:
        raise InputError(f"axes: need {n_panels} axes (one per panel), got {len(axes)}")
    return axes[0].figure, axes


def plot_confusion_matrices(
    matrices: Mapping[str, Sequence[Sequence[int]]], class_names: Sequence[str], *, axes=None
) -> Figure:
    """Confusion matrices of several models side by side.

    Parameters
    ----------
    matrices : mapping of str to array-like, shape=(n_classes, n_classes)
        Model name -> counts, rows true class, columns predicted (``metrics.json``'s ``confusion_matrix``).
    class_names : sequence of str
    axes : sequence of matplotlib Axes, optional
        One per model.

    Each cell shows its count and its share of the true class; colour is that share on a common 0-1
    scale, so models evaluated on sets of different size compare by colour.
    """
    if not matrices:
        raise InputError("matrices: no model to draw")
    fig, axes = _axes_for(len(matrices), axes)
    for ax, (name, counts) in zip(axes, matrices.items()):
        display = _draw_confusion(ax, np.asarray(counts), list(class_names), name)
    fig.colorbar(display.im_, ax=axes, label="share of the true class", shrink=0.8)
    fig.suptitle("Confusion matrices (rows: true class, columns: predicted class)")
    return fig


def _draw_confusion(ax, counts: np.ndarray, class_names: list[str], name: str) -> ConfusionMatrixDisplay:
    if counts.shape != (len(class_names), len(class_names)):
        raise InputError(f"matrices[{name!r}]: shape {counts.shape} does not match {len(class_names)} classes")
    row_totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, row_totals, out=np.zeros(counts.shape), where=row_totals > 0)
    display = ConfusionMatrixDisplay(share, display_labels=class_names)
    display.plot(ax=ax, cmap="Blues", colorbar=False, values_format=".2f", im_kw={"vmin": 0, "vmax": 1})
    for (i, j), text in np.ndenumerate(display.text_):
        text.set_text(f"{counts[i, j]}\n({share[i, j]:.0%})")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"{name}\nn={counts.sum()}, accuracy {accuracy:.3f}")
    return display


def _curve_inputs(name: str, y_true, proba) -> tuple[np.ndarray, np.ndarray, bool]:
    """Binary truth and score for one curve: the positive class, or micro-averaged one-vs-rest.

    Returns ``(is_pos, score, micro)``; with more than two classes every (example, class) pair is one
    point, scikit-learn's micro-average, so one curve per model stays readable.
    """
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        p = np.column_stack([1 - p, p])
    y, p = check_inputs(y_true, p)
    if y.min() == y.max():
        raise InputError(f"predictions[{name!r}]: y_true has one class only; ROC/PR curves need two")
    if p.shape[1] == 2:
        return y == 1, p[:, 1], False
    return label_binarize(y, classes=np.arange(p.shape[1])).ravel().astype(bool), p.ravel(), True


def plot_roc_curves(predictions: Mapping[str, tuple], *, ax=None) -> Figure:
    """ROC curves of several models on one axes, AUROC in the legend.

    Parameters
    ----------
    predictions : mapping of str to (y_true, proba)
        Model name -> true class ids, shape=(n,), and class probabilities, shape=(n, n_classes), or the
        positive-class probability, shape=(n,). With more than two classes each model gets its
        micro-averaged one-vs-rest curve (the table's AUROC is the macro average).
    ax : matplotlib Axes, optional
    """
    if not predictions:
        raise InputError("predictions: no model to draw")
    fig, (ax,) = _axes_for(1, None if ax is None else [ax], panel_size=(5, 4.6))
    micro = False
    for name, (y_true, proba) in predictions.items():
        is_pos, score, micro = _curve_inputs(name, y_true, proba)
        fpr, tpr, _ = skm.roc_curve(is_pos, score)
        ax.plot(fpr, tpr, label=f"{name} (AUROC {skm.auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance (AUROC 0.5)")
    ax.set(
        xlabel="False positive rate (1 - specificity)",
        ylabel="True positive rate (recall)",
        title="ROC curves" + (" (one-vs-rest, micro-averaged)" if micro else ""),
        xlim=(0, 1),
        ylim=(0, 1.01),
        aspect="equal",
    )
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_pr_curves(predictions: Mapping[str, tuple], *, ax=None) -> Figure:
    """Precision-recall curves of several models on one axes, AUPRC (average precision) in the legend.

    Parameters
    ----------
    predictions : mapping of str to (y_true, proba)
        As :func:`plot_roc_curves`.
    ax : matplotlib Axes, optional
    """
    if not predictions:
        raise InputError("predictions: no model to draw")
    fig, (ax,) = _axes_for(1, None if ax is None else [ax], panel_size=(5, 4.6))
    prevalence, micro = None, False
    for name, (y_true, proba) in predictions.items():
        is_pos, score, micro = _curve_inputs(name, y_true, proba)
        precision, recall, _ = skm.precision_recall_curve(is_pos, score)
        ax.step(
            recall, precision, where="post", label=f"{name} (AUPRC {skm.average_precision_score(is_pos, score):.3f})"
        )
        prevalence = is_pos.mean()
    if prevalence is not None:
        ax.axhline(prevalence, color="grey", linestyle=":", label=f"chance (positive share {prevalence:.2f})")
    ax.set(
        xlabel="Recall (sensitivity)",
        ylabel="Precision",
        title="Precision-recall curves" + (" (one-vs-rest, micro-averaged)" if micro else ""),
        xlim=(0, 1),
        ylim=(0, 1.01),
        aspect="equal",
    )
    ax.legend(loc="lower left", fontsize="small")
    return fig


def _panel_order(metrics: pd.Series) -> list[str]:
    """Base metric names in order of appearance, loss first."""
    names = list(dict.fromkeys(metrics))
    return sorted(names, key=lambda m: (m != "loss", names.index(m)))


def plot_training_curves(history: pd.DataFrame, *, axes=None, metrics: Sequence[str] | None = None) -> Figure:
    """Training and validation curves over epochs, one panel per metric.

    Parameters
    ----------
    history : pandas.DataFrame
        Long history table (see :mod:`enhancerlm.evaluate.history`): ``epoch, metric, value, [run]``
        with metric names ``<split>_<name>``. ``train_loss`` and ``val_loss`` share the ``loss`` panel.
    axes : sequence of matplotlib Axes, optional
        One per panel.
    metrics : sequence of str, optional
        Base metric names to draw (e.g. ``["loss", "accuracy"]``); default all, loss first.
    """
    table = check_history(history)
    parts = table["metric"].map(split_metric)
    table = table.assign(split=[s for s, _ in parts], base=[b for _, b in parts])
    panels = list(metrics) if metrics is not None else _panel_order(table["base"])
    missing = [m for m in panels if m not in set(table["base"])]
    if missing:
        raise InputError(f"metrics: {missing} not in the history (has {sorted(set(table['base']))})")
    fig, axes = _axes_for(len(panels), axes)
    has_run = "run" in table.columns and table["run"].nunique() > 1
    table["run_label"] = table["run"].astype(str) if has_run else ""
    for ax, base in zip(axes, panels):
        for (run, split), rows in table[table["base"] == base].groupby(["run_label", "split"], sort=True):
            rows = rows.sort_values("epoch")
            label = " ".join(x for x in (run, split or base) if x)
            ax.plot(
                rows["epoch"],
                rows["value"],
                linestyle=_SPLIT_STYLE.get(split, "-"),
                marker="o" if split != "train" else None,
                markersize=3,
                label=label,
            )
        ax.set(xlabel="epoch", ylabel=base, title=base)
        _epoch_ticks(ax, table["epoch"])
        ax.legend(fontsize="small")
    fig.suptitle("Training history (dashed: train, solid with markers: validation)")
    return fig


def plot_search(results: pd.DataFrame, *, axes=None, metrics: Sequence[str] | None = None) -> Figure:
    """Learning-rate search: one panel per metric, one line per learning rate, over epochs.

    Parameters
    ----------
    results : pandas.DataFrame
        Long table with columns ``lr, epoch, metric, value``; several rows for one
        ``(lr, epoch, metric)`` (seeds) are drawn as their mean with a min-max band.
    axes : sequence of matplotlib Axes, optional
        One per panel.
    metrics : sequence of str, optional
        Metrics to draw; default all, in order of appearance.
    """
    table = check_history(results, extra=("lr",))
    panels = list(metrics) if metrics is not None else list(dict.fromkeys(table["metric"]))
    fig, axes = _axes_for(len(panels), axes)
    lrs = sorted(table["lr"].unique())
    colours = [_viridis(i / max(len(lrs) - 1, 1)) for i in range(len(lrs))]
    for ax, metric in zip(axes, panels):
        rows = table[table["metric"] == metric]
        if rows.empty:
            raise InputError(f"metrics: {metric!r} not in the search results")
        stats = rows.groupby(["lr", "epoch"])["value"].agg(["mean", "min", "max", "count"]).reset_index()
        for lr, colour in zip(lrs, colours):
            curve = stats[stats["lr"] == lr]
            ax.plot(curve["epoch"], curve["mean"], marker="o", markersize=3, color=colour, label=f"{lr:.0e}")
            if (curve["count"] > 1).any():
                ax.fill_between(curve["epoch"], curve["min"], curve["max"], color=colour, alpha=0.2)
        ax.set(xlabel="epoch", ylabel=metric, title=metric)
        _epoch_ticks(ax, curve["epoch"])
        ax.legend(fontsize="small", title="learning rate")
    fig.suptitle("Learning-rate search (lines: mean over runs; bands: min-max)")
    return fig


def _epoch_ticks(ax, epochs: pd.Series) -> None:
    # Whole-epoch logs read better with whole-number ticks; fractional (per-step) logs keep the default.
    if (epochs == epochs.round()).all():
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _viridis(x: float):
    return colormaps["viridis"](0.9 * x)  # stop before viridis' pale yellow end, hard to see on white
