"""The strongest variants drawn around the allele: REF and ALT attribution tracks one above the other."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from enhancerlm.interpret.gradients import gradient_times_input
from enhancerlm.interpret.ism import saturation_mutagenesis
from enhancerlm.interpret.plots import plot_attribution, save_figure
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.models.hf import TransformerClassifier
from enhancerlm.variants.windows import Windows

log = logging.getLogger(__name__)

PLOT = "top_variants.png"
# Bases drawn around each variant: a 20 bp site holding the allele fits whole, and the letters stay
# readable. A neural model's picture is gradient x input (one forward and backward pass per allele);
# other models' is ISM of these bases only (3 x 41 model inputs per allele, not 3 x the window).
# ISM of the drawn bases cost a transformer 76% of a 200-variant job on a CPU: the picture must stay a
# small part of it, and `enhancerlm mutagenesis` gives the full ISM of any variant's window.
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
    """Draw ``top``'s REF and ALT alleles with the per-base attribution of the bases around them.

    Each panel shows ``SHOWN_BP`` bases centred on the variant (shaded), attributed within the variant's
    whole window, so the model sees the same input as when it scored the variant: gradient x input for
    neural models (one forward and backward pass per allele), ISM of the drawn bases for the others
    (3 x ``SHOWN_BP`` model inputs per allele).

    Parameters
    ----------
    top : pandas.DataFrame
        Rows of ``variants.tsv`` (id, chrom, pos, ref, alt, log_odds_delta), strongest first.
    windows : Windows
        Their windows, in the same order.
    """
    tracks, drawn, shade = {}, {}, []
    method = "gradient x input" if isinstance(classifier, TransformerClassifier) else "ISM"
    near = _near_attribution(classifier, method, top, windows, target, batch_size)
    for i, (row, (offset, lo, ref_track, alt_track)) in enumerate(zip(top.itertuples(index=False), near)):
        for allele, seq, track, bases in (
            ("REF", windows.ref[i], ref_track, row.ref),
            ("ALT", windows.alt[i], alt_track, row.alt),
        ):
            # the panel's y label: which variant, which allele (and its effect on the REF panel)
            delta = f" ({_effect_text(row)})" if allele == "REF" else ""
            name = f"#{i + 1} {row.id}\n{allele} {bases}{delta}"
            tracks[name], drawn[name] = track, seq[lo : lo + SHOWN_BP]
            shade.append((offset - lo, len(bases)))
    unit = classifier.task.explained_unit
    # two lines: the figure is as wide as 41 bases, and one line was cut at both ends
    title = f"{method} attribution ({unit}),\n{SHOWN_BP} bp around each variant: REF above ALT, allele shaded"
    fig = plot_attribution(next(iter(drawn.values())), tracks, title=title, track_seqs=drawn)
    for ax, (at, length) in zip(fig.axes, shade):
        ax.axvspan(at - 0.5, at + length - 0.5, color="grey", alpha=0.2)
    return save_figure(fig, path)


def _effect_text(row) -> str:
    """A variant's effect as its panel shows it: the log-odds delta, or a multi-output model's largest delta."""
    if hasattr(row, "most_affected"):
        return f"{row.most_affected} {row.delta:+.2f}"
    return f"{row.log_odds_delta:+.2f}"


def _near_attribution(classifier, method: str, top: pd.DataFrame, windows: Windows, target, batch_size):
    """Per variant: (allele offset, first drawn base, REF track, ALT track), tracks shape=(<= SHOWN_BP,).

    The REF allele's offset is that of ``enhancerlm.variants.windows`` (centred). One log line per
    variant says how far the plot is.
    """
    log.info("top-variant plot: %s of the %d bases around each of %d variants, REF and ALT (--top-n 0 skips it)",
             method, SHOWN_BP, len(top))  # fmt: skip
    began = time.perf_counter()
    for i, row in enumerate(top.itertuples(index=False)):
        offset = (len(windows.ref[i]) - len(row.ref)) // 2
        lo = max(offset - SHOWN_BP // 2, 0)
        seqs = [windows.ref[i], windows.alt[i]]
        # A multi-output model's variant is drawn for the label or target it moves most.
        explained = getattr(row, "most_affected", target)
        if method == "ISM":
            spans = [(lo, lo + SHOWN_BP)] * 2
            result = saturation_mutagenesis(classifier, seqs, target=explained, batch_size=batch_size, spans=spans)
        else:
            result = gradient_times_input(classifier, seqs, target=explained, batch_size=batch_size or 16)
        ref, alt = (np.asarray(a[lo : lo + SHOWN_BP], dtype=np.float64) for a in result.attribution)
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
