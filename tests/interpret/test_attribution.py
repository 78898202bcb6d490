"""Attribution entry point: planted-base AUROC of a learned model, strand consistency, windows, the long table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.interpret.attribution import (
    attribute,
    attribution_frame,
    planted_auroc,
    rc_consistency,
    reverse_complements,
    windowed,
)
from enhancerlm.sequences.dna import base_codes


def test_ism_ranks_planted_motif_bases_above_background(learned_model, planted_test):
    table = planted_test.table
    tracks = attribute(learned_model, table["sequence"].tolist(), "ism")
    planted = planted_test.planted[planted_test.planted["kind"] == "motif"]
    assert planted_auroc(tracks, table["id"].tolist(), planted) >= 0.9


def test_strand_symmetric_model_explains_both_strands_alike(learned_model, planted_test):
    # Canonical k-mer features see a sequence and its reverse complement identically.
    seqs = planted_test.table["sequence"].tolist()[:5]
    forward = attribute(learned_model, seqs, "ism")
    reverse = attribute(learned_model, reverse_complements(seqs), "ism")
    assert rc_consistency(forward, reverse) == pytest.approx(np.ones(5))


def test_rc_consistency_values():
    track = np.array([0.0, 1.0, 3.0, 2.0])
    out = rc_consistency([track, track, np.ones(4)], [track[::-1], -track[::-1], np.ones(4)])
    assert out[:2] == pytest.approx([1.0, -1.0])
    assert np.isnan(out[2])
    with pytest.raises(InputError, match="sequence 0"):
        rc_consistency([track], [track[:3]])


def test_planted_auroc_counts_only_sequences_with_sites():
    tracks = [np.array([0.1, 0.9, 0.8, 0.2]), np.array([5.0, 5.0])]
    planted = pd.DataFrame({"id": ["a", "zzz"], "start": [1, 0], "end": [3, 1]})
    assert planted_auroc(tracks, ["a", "b"], planted) == 1.0
    with pytest.raises(InputError, match="no planted interval"):
        planted_auroc(tracks, ["x", "y"], planted)


def test_windows_are_merged_back_onto_their_bases():
    seq = "ACGTTGCAAC"  # 10 bp in windows of 6 starting at 0, 3, 4

    def run(seqs):
        return [base_codes(s).astype(float) for s in seqs]

    assert windowed(run, [seq, "ACG"], max_bp=6)[0].tolist() == base_codes(seq).tolist()


def test_unknown_method_is_a_config_error(learned_model):
    with pytest.raises(ConfigError, match="deeplift"):
        attribute(learned_model, ["ACGTACGT"], "deeplift")


def test_attribution_frame_is_one_row_per_base():
    frame = attribution_frame(["a", "b"], ["ACG", "tt"], {"ism": [np.arange(3.0), np.array([5.0, 6.0])]})
    assert frame.columns.tolist() == ["id", "position", "base", "ism"]
    assert frame.values.tolist() == [
        ["a", 0, "A", 0.0],
        ["a", 1, "C", 1.0],
        ["a", 2, "G", 2.0],
        ["b", 0, "T", 5.0],
        ["b", 1, "T", 6.0],
    ]
