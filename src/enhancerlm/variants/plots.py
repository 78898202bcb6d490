"""The strongest variants drawn around the allele: REF and ALT attribution tracks (ISM) one above the other."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from enhancerlm.interpret.ism import saturation_mutagenesis
from enhancerlm.interpret.plots import plot_attribution, save_figure
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.variants.windows import Windows

log = logging.getLogger(__name__)

PLOT = "top_variants.png"
# Bases drawn, and mutated, around each variant: a 20 bp site holding the allele fits whole, and the
# letters stay readable. Only these bases are mutated: ISM of a whole 512 bp window would cost 1,536
# model calls per allele (an hour per plot for a DNABERT-size model on a CPU), of these 41 bases 123.
SHOWN_BP = 41


def plot_top_variants(
    classifier: SequenceClassifier,
    top: pd.DataFrame,
    windows: Windows,
    path: Path,
    *,
    target: str | None = None,
    batch_size: int | None = None,
) -> Path:
    """Draw ``top``'s REF and ALT alleles with the per-base ISM attribution of the bases around them.

    Each panel shows ``SHOWN_BP`` bases centred on the variant (shaded). Their attribution is ISM
    (``enhancerlm.interpret``) of those bases only, within the variant's whole window, so the model
    sees the same input as when it scored the variant: 3 x ``SHOWN_BP`` model inputs per allele.

    Parameters
    ----------
    top : pandas.DataFrame
        Rows of ``variants.tsv`` (id, chrom, pos, ref, alt, log_odds_delta), strongest first.
    windows : Windows
        Their windows, in the same order.
    """
    tracks, drawn, shade = {}, {}, []
    near = _near_ism(classifier, top, windows, target, batch_size)
    for i, (row, (offset, lo, ref_track, alt_track)) in enumerate(zip(top.itertuples(index=False), near)):
        for allele, seq, track, bases in (
            ("REF", windows.ref[i], ref_track, row.ref),
            ("ALT", windows.alt[i], alt_track, row.alt),
        ):
            # the panel's y label: which variant, which allele (and its log-odds delta on the REF panel)
            delta = f" ({row.log_odds_delta:+.2f})" if allele == "REF" else ""
            name = f"#{i + 1} {row.id}\n{allele} {bases}{delta}"
            tracks[name], drawn[name] = track, seq[lo : lo + SHOWN_BP]
            shade.append((offset - lo, len(bases)))
    title = f"ISM attribution (log-odds) of the {SHOWN_BP} bases around each variant: REF above ALT, allele shaded"
    fig = plot_attribution(next(iter(drawn.values())), tracks, title=title, track_seqs=drawn)
    for ax, (at, length) in zip(fig.axes, shade):
        ax.axvspan(at - 0.5, at + length - 0.5, color="grey", alpha=0.2)
    return save_figure(fig, path)


def _near_ism(classifier, top: pd.DataFrame, windows: Windows, target, batch_size):
    """Per variant: (allele offset, first drawn base, REF track, ALT track), tracks shape=(<= SHOWN_BP,).

    The REF allele's offset is that of ``enhancerlm.variants.windows`` (centred). One log line per
    variant says how far the plot is: on a CPU with a large model it is the slow part of a small run.
    """
    log.info(
        "top-variant plot: ISM of the %d bases around each of %d variants, REF and ALT (3 x %d substitutions each; "
        "--top-n 0 skips the plot)",
        SHOWN_BP,
        len(top),
        SHOWN_BP,
    )
    began = time.perf_counter()
    for i, row in enumerate(top.itertuples(index=False)):
        offset = (len(windows.ref[i]) - len(row.ref)) // 2
        lo = max(offset - SHOWN_BP // 2, 0)
        spans = [(lo, lo + SHOWN_BP)] * 2
        seqs = [windows.ref[i], windows.alt[i]]
        ism = saturation_mutagenesis(classifier, seqs, target=target, batch_size=batch_size, spans=spans)
        ref, alt = (np.asarray(a[lo : lo + SHOWN_BP], dtype=np.float64) for a in ism.attribution)
        elapsed = time.perf_counter() - began
        log.info(
            "top-variant plot: variant %d of %d (%s) attributed; %.1f s so far, about %.0f s left",
            i + 1,
            len(top),
            row.id,
            elapsed,
            elapsed / (i + 1) * (len(top) - i - 1),
        )
        yield offset, lo, ref, alt
