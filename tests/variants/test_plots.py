"""The top-variant plot: ISM of the bases around each variant only, equal there to ISM of the whole window."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from enhancerlm.interpret.ism import saturation_mutagenesis
from enhancerlm.variants import plots
from enhancerlm.variants.windows import Windows

from .conftest import random_dna


class Counted:
    """A model wrapper that counts the sequences it scores."""

    def __init__(self, classifier):
        self.inner, self.n = classifier, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict_outputs(self, seqs, batch_size=None, **windowing):
        self.n += len(seqs)
        return self.inner.predict_outputs(seqs, batch_size, **windowing)


def test_plot_mutates_only_the_shown_bases_and_logs_each_variant(kmer_model, tmp_path, monkeypatch, caplog):
    from enhancerlm.models import load_classifier

    classifier = Counted(load_classifier(kmer_model))
    ref = [random_dna(120, 7), random_dna(120, 8)]
    at = (120 - 1) // 2  # a SNV's place in a 120 bp window (enhancerlm.variants.windows)
    alt = [r[:at] + ("A" if r[at] != "A" else "C") + r[at + 1 :] for r in ref]
    windows = Windows(ref, alt, np.zeros(2, dtype=np.int64), np.array(["", ""], dtype=object), ["", ""])
    top = pd.DataFrame({"id": ["v1", "v2"], "ref": [r[at] for r in ref], "alt": [a[at] for a in alt]})
    top["log_odds_delta"] = [-1.0, 0.5]
    seen = []
    monkeypatch.setattr(plots, "plot_attribution", lambda seq, tracks, **kw: seen.append(tracks) or _figure())
    with caplog.at_level(logging.INFO, logger="enhancerlm.variants.plots"):
        plots.plot_top_variants(classifier, top, windows, tmp_path / "top.png")
    assert classifier.n == 2 * 2 * (1 + 3 * plots.SHOWN_BP)  # not 3 x 120 per allele
    whole = saturation_mutagenesis(classifier.inner, [ref[1], alt[1]]).attribution
    lo = at - plots.SHOWN_BP // 2
    drawn = list(seen[0].values())
    assert np.array_equal(drawn[2], whole[0][lo : lo + plots.SHOWN_BP])  # variant 2, REF
    assert np.array_equal(drawn[3], whole[1][lo : lo + plots.SHOWN_BP])  # variant 2, ALT
    assert "variant 2 of 2 (v2) attributed" in caplog.text


def _figure():
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots(4, 1)
    return fig


def test_a_neural_model_s_plot_is_gradient_times_input_of_the_whole_window(tmp_path, monkeypatch, caplog):
    from enhancerlm.interpret.gradients import gradient_times_input
    from enhancerlm.models import create_classifier
    from enhancerlm.sequences.records import LabelMap

    cnn = create_classifier("cnn", LabelMap.from_labels(["enhancer", "not_enhancer"]))
    ref = [random_dna(120, 9)]
    at = (120 - 1) // 2
    alt = [ref[0][:at] + ("A" if ref[0][at] != "A" else "C") + ref[0][at + 1 :]]
    windows = Windows(ref, alt, np.zeros(1, dtype=np.int64), np.array([""], dtype=object), [""])
    top = pd.DataFrame({"id": ["v1"], "ref": [ref[0][at]], "alt": [alt[0][at]], "log_odds_delta": [0.3]})
    seen = []
    monkeypatch.setattr(plots, "plot_attribution", lambda seq, tracks, **kw: seen.append((tracks, kw)) or _figure())
    monkeypatch.setattr(plots, "saturation_mutagenesis", None)  # no ISM: one forward and backward pass per allele
    with caplog.at_level(logging.INFO, logger="enhancerlm.variants.plots"):
        plots.plot_top_variants(cnn, top, windows, tmp_path / "top.png")
    whole = gradient_times_input(cnn, [ref[0], alt[0]]).attribution
    lo = at - plots.SHOWN_BP // 2
    tracks, kw = seen[0]
    drawn = list(tracks.values())
    assert np.array_equal(drawn[0], whole[0][lo : lo + plots.SHOWN_BP])
    assert np.array_equal(drawn[1], whole[1][lo : lo + plots.SHOWN_BP])
    assert kw["title"].startswith("gradient x input attribution")
    assert "top-variant plot: gradient x input" in caplog.text
