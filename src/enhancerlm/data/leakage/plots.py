"""Histograms of sequence length and GC content per class and split (compute with ``composition``, then draw)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from enhancerlm.io import atomic_path

VALUES = {"gc": "GC content (fraction of A/C/G/T)", "length_bp": "length (bp)"}
_LINESTYLE = {"train": "-", "test": "--", "val": ":"}


def histogram_bins(values: np.ndarray, n_bins: int = 40, quantum: float | None = None) -> np.ndarray:
    """Shared bin edges for every group.

    Parameters
    ----------
    values : np.ndarray, shape=(n,)
    n_bins : int
        About this many bins.
    quantum : float, optional
        Spacing of the possible values (1 bp for lengths; 1/L for the GC of sequences all L bp
        long): bins are then whole multiples of it centred on those values, avoiding the comb
        artefact of bins that hold sometimes one, sometimes two possible values.

    Returns
    -------
    np.ndarray, shape=(n_edges,)
    """
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if quantum is None:
        return np.linspace(low, high if high > low else low + 1, n_bins + 1)
    step = quantum * max(1, round((high - low) / quantum / n_bins))
    return np.arange(low - quantum / 2, high + step, step)


def _quantum(table: pd.DataFrame, value: str) -> float | None:
    if value == "length_bp":
        return 1.0
    lengths = table["length_bp"].unique() if "length_bp" in table else []
    return 1.0 / lengths[0] if len(lengths) == 1 and lengths[0] > 0 else None


def plot_distribution(table: pd.DataFrame, value: str = "gc", ax: Axes | None = None, n_bins: int = 40) -> Axes:
    """Draw one density histogram (step outline) per split and class on shared bins.

    Parameters
    ----------
    table : pd.DataFrame
        Columns ``split``, ``label`` and ``value``, e.g. from :func:`enhancerlm.data.leakage.audit.composition`.
    value : {"gc", "length_bp"}
    ax : matplotlib Axes, optional
        Drawn on a new figure when None.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        ax = Figure(figsize=(6, 4), layout="constrained").subplots()
    bins = histogram_bins(table[value].to_numpy(dtype=float), n_bins, _quantum(table, value))
    labels = sorted(table["label"].unique())
    for split, by_split in table.groupby("split", sort=False):
        for i, label in enumerate(labels):
            values = by_split.loc[by_split["label"] == label, value].dropna()
            if len(values):
                name = f"{split} / {label or '(unlabelled)'} (n={len(values)})"
                ax.hist(
                    values,
                    bins=bins,
                    density=True,
                    histtype="step",
                    color=f"C{i}",
                    linestyle=_LINESTYLE.get(split, "-."),
                    label=name,
                )
    ax.set_xlabel(VALUES[value])
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    return ax


def save_distribution_plots(table: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write ``gc_histogram.png`` and ``length_histogram.png`` into ``out_dir``; returns their paths."""
    paths = []
    for value, name in (("gc", "gc_histogram.png"), ("length_bp", "length_histogram.png")):
        ax = plot_distribution(table, value)
        ax.set_title(f"{VALUES[value]} per split and class")
        with atomic_path(Path(out_dir) / name) as tmp:
            ax.figure.savefig(tmp, format="png", dpi=120)
        paths.append(Path(out_dir) / name)
    return paths
