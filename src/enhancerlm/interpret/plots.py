"""Pictures of computed results: attribution tracks as sequence logos, motif logos in bits (logomaker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.ism import BASES
from enhancerlm.interpret.motifs import information_content
from enhancerlm.io import atomic_path
from enhancerlm.sequences.dna import one_hot

# Beyond this many bases letters are unreadable, so tracks are drawn as bars coloured by base.
MAX_LOGO_BP = 400
_COLOURS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: never needs a display
    import matplotlib.pyplot as plt

    return plt


def _logomaker():
    try:
        import logomaker
    except ImportError as err:  # optional dependency: the `interpret` extra
        raise ConfigError("logos need logomaker: pip install 'enhancerlm[interpret]'") from err
    return logomaker


def plot_attribution(
    seq: str,
    tracks: dict[str, np.ndarray],
    title: str = "",
    track_seqs: dict[str, str] | None = None,
    *,
    one_based: bool = False,
    ylabel: str = "{}",
):
    """One panel per method: each base drawn with height = its attribution (negative below the axis).

    Parameters
    ----------
    seq : str
        The sequence, L bp.
    tracks : dict of str -> np.ndarray, shape=(L,)
        Method name -> per-base attribution.
    title : str
    track_seqs : dict of str -> str, optional
        The sequence a panel draws where it is not ``seq`` (e.g. a variant's ALT window next to its REF).
    one_based : bool
        Number the bases from 1 (as genome browsers do) rather than 0; base i is drawn at x = i (+1).
    ylabel : str
        Each panel's y label, ``{}`` standing for its method (add the unit here).

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    width = min(max(len(seq) / 10, 6), 40)
    fig, axes = plt.subplots(len(tracks), 1, figsize=(width, 1.6 * len(tracks)), squeeze=False)
    first = int(one_based)
    for ax, (method, scores) in zip(axes[:, 0], tracks.items()):
        drawn = (track_seqs or {}).get(method, seq)
        onehot, scores = one_hot(drawn), np.asarray(scores, dtype=np.float64)
        x = np.arange(len(drawn)) + first
        if len(drawn) <= MAX_LOGO_BP:
            frame = pd.DataFrame(onehot * scores[:, None], columns=list(BASES), index=x)
            _logomaker().Logo(frame, ax=ax, color_scheme=_COLOURS)
        else:
            colours = [_COLOURS.get(b, "grey") for b in drawn.upper()]
            ax.bar(x, scores, width=1.0, color=colours)
        ax.axhline(0, color="black", lw=0.5)
        ax.set_ylabel(ylabel.format(method))
        ax.set_xlim(first - 0.5, first + len(drawn) - 0.5)
    axes[0, 0].set_title(title)
    axes[-1, 0].set_xlabel(f"position (bp, {first}-based)")
    fig.tight_layout()
    return fig


def plot_motif(ppm: np.ndarray, title: str = ""):
    """Information-content logo of a PPM, shape=(w, 4); letter height = probability x column bits."""
    plt = _pyplot()
    ppm = np.asarray(ppm, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(max(len(ppm) * 0.45, 3), 2))
    frame = pd.DataFrame(ppm * information_content(ppm)[:, None], columns=list(BASES))
    _logomaker().Logo(frame, ax=ax, color_scheme=_COLOURS)
    ax.set_ylim(0, 2)
    ax.set_ylabel("bits")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | Path, dpi: int = 90) -> Path:
    """Write ``fig`` as PNG atomically and close it."""
    plt = _pyplot()
    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return path
