"""The server's pictures, drawn as SVG off pyplot's global state: score histogram, attribution track, window scores."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

SHORT_NAMES = {"ism": "ISM", "ig": "IG"}  # y labels: a rotated label longer than the panel is cut
ATTRIBUTION_UNIT = "log-odds"  # of the positive (or last) class, as `enhancerlm explain` reports it
# Both pictures of an explanation share width and side margins, so base i sits at the same x in each.
FIGURE_WIDTH_IN = 12.0
SIDE_MARGINS = {"left": 0.075, "right": 0.97}


def _svg(fig) -> bytes:
    """SVG bytes of a figure, then the figure closed (a pyplot one is also forgotten by pyplot)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="svg")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _figure(width: float, height: float):
    """A figure outside pyplot's global state (the worker draws while requests are served)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def histogram_svg(probability: np.ndarray, threshold: float | None, label: str) -> bytes:
    return _svg(histogram_figure(probability, threshold, label))


def histogram_figure(probability: np.ndarray, threshold: float | None, label: str):
    """Histogram of the scores in 20 bins over [0, 1], the threshold as a dashed line; counts are whole numbers.

    ``threshold`` None (a regression model's values): 20 bins over the values' range, no line.
    """
    from matplotlib.ticker import MaxNLocator

    fig, ax = _figure(5, 2.4)
    ax.hist(probability, bins=20, range=None if threshold is None else (0, 1), color="#255C99")
    if threshold is not None:
        ax.axvline(threshold, color="#D62839", ls="--", lw=1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(label)
    ax.set_ylabel("sequences")
    fig.tight_layout()
    return fig


def attribution_svg(seq: str, track: np.ndarray, method: str, title: str, unit: str = ATTRIBUTION_UNIT) -> bytes:
    return _svg(attribution_figure(seq, track, method, title, unit))


def attribution_figure(seq: str, track: np.ndarray, method: str, title: str, unit: str = ATTRIBUTION_UNIT):
    """``explain``'s attribution logo (bars past 400 bp), drawn to the page's width, bases numbered from 1."""
    from enhancerlm.interpret.plots import plot_attribution

    label = f"{SHORT_NAMES.get(method, method)} ({unit})"
    fig = plot_attribution(seq, {method: track}, title=title, one_based=True, ylabel=label)
    # The page is about 12 inches wide; the file-sized figure (0.1 inch a base) would shrink its labels to dust.
    fig.set_size_inches(FIGURE_WIDTH_IN, 2.6)
    fig.subplots_adjust(bottom=0.2, top=0.88, **SIDE_MARGINS)
    return fig


def windows_svg(windows: pd.DataFrame, length_bp: int, label: str, score: float) -> bytes:
    return _svg(windows_figure(windows, length_bp, label, score))


def windows_figure(windows: pd.DataFrame, length_bp: int, label: str, score: float):
    """Each window's score as a segment over the bases it covers, x aligned with `attribution_figure`.

    The sequence's score, the mean of the windows', is the dashed line. The y range leaves room
    above 1 and below 0, so that a score of 1 is not drawn on the frame.
    """
    fig, ax = _figure(FIGURE_WIDTH_IN, 2.2)
    # Base i (1-based) spans x = i - 0.5 .. i + 0.5, as in the attribution track. Neighbouring windows
    # overlap: two shades and end ticks keep them apart where their scores are alike.
    for i, window in enumerate(windows.itertuples(index=False)):
        x, y = [window.start + 0.5, window.end + 0.5], [window.probability] * 2
        ax.plot(x, y, color=("#255C99", "#6FA8DC")[i % 2], lw=3, marker="|", markersize=12, solid_capstyle="butt")
    ax.axhline(score, color="#D62839", ls="--", lw=1, label=f"the sequence's score: mean of {len(windows)} windows")
    ax.set_xlim(0.5, length_bp + 0.5)
    if windows["probability"].between(0, 1).all():  # probabilities; a regression target's values scale themselves
        ax.set_ylim(-0.08, 1.08)
        ax.set_yticks([0, 0.5, 1])
    ax.set_xlabel("position (bp, 1-based)")
    ax.set_ylabel(f"window\n{label}")
    ax.legend(loc="best", fontsize=8, frameon=False)
    fig.subplots_adjust(bottom=0.25, top=0.95, **SIDE_MARGINS)
    return fig
