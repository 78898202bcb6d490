"""The strongest variants drawn along their windows: REF and ALT attribution tracks (ISM) one above the other."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from enhancerlm.interpret.attribution import attribute
from enhancerlm.interpret.plots import plot_attribution, save_figure
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.variants.windows import Windows

PLOT = "top_variants.png"
SHOWN_BP = 81  # bases drawn around each variant: enough flank for a motif, few enough to read the letters


def plot_top_variants(
    classifier: SequenceClassifier,
    top: pd.DataFrame,
    windows: Windows,
    path: Path,
    *,
    target: str | None = None,
    batch_size: int | None = None,
) -> Path:
    """Draw ``top``'s REF and ALT windows with per-base ISM attribution (``enhancerlm.interpret``).

    Attribution is computed on the whole windows; the panels show ``SHOWN_BP`` bases centred on the
    variant (shaded), so the motif it hits is readable letter by letter.

    Parameters
    ----------
    top : pandas.DataFrame
        Rows of ``variants.tsv`` (id, chrom, pos, ref, alt, log_odds_delta), strongest first.
    windows : Windows
        Their windows, in the same order.
    """
    seqs = [w for pair in zip(windows.ref, windows.alt) for w in pair]
    attributions = attribute(classifier, seqs, "ism", target=target, batch_size=batch_size)
    tracks, drawn, shade = {}, {}, []
    for i, row in enumerate(top.itertuples(index=False)):
        offset = (len(windows.ref[i]) - len(row.ref)) // 2  # the REF allele's place (enhancerlm.variants.windows)
        lo = max(offset - SHOWN_BP // 2, 0)
        for j, allele in enumerate(("REF", "ALT")):
            # the panel's y label: which variant, which allele (and its log-odds delta on the REF panel)
            name = f"#{i + 1} {row.id}\n{allele} {row.ref if j == 0 else row.alt}" + (
                f" ({row.log_odds_delta:+.2f})" if j == 0 else ""
            )
            tracks[name] = attributions[2 * i + j][lo : lo + SHOWN_BP]
            drawn[name] = seqs[2 * i + j][lo : lo + SHOWN_BP]
            shade.append((offset - lo, len(row.ref if j == 0 else row.alt)))
    title = "ISM attribution, log-odds: REF above ALT, allele shaded, (log-odds delta)"
    fig = plot_attribution(next(iter(drawn.values())), tracks, title=title, track_seqs=drawn)
    for ax, (at, length) in zip(fig.axes, shade):
        ax.axvspan(at - 0.5, at + length - 0.5, color="grey", alpha=0.2)
    return save_figure(fig, path)
