"""Long sequences -> windows -> per-sequence probabilities, with exact expected values."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.tokenization.windows import aggregate_windows, split_windows, window_starts


@pytest.mark.parametrize("length_bp,starts", [(4, [0]), (3, [0]), (10, [0, 3, 6]), (11, [0, 3, 6, 7]), (5, [0, 1])])
def test_window_starts_are_exact_and_the_last_window_ends_with_the_sequence(length_bp, starts):
    assert window_starts(length_bp, window_bp=4, stride_bp=3).tolist() == starts


def test_split_windows_cuts_only_long_sequences():
    windows = split_windows(["ACGTACGTAC", "GGG"], window_bp=4, stride_bp=3)
    assert windows.seqs == ["ACGT", "TACG", "GTAC", "GGG"]
    assert windows.seq_index.tolist() == [0, 0, 0, 1]
    assert windows.starts.tolist() == [0, 3, 6, 0]


def test_windows_cover_every_base_and_stay_inside():
    seqs = ["".join("ACGT"[i % 4] for i in range(length_bp)) for length_bp in range(1, 40)]
    windows = split_windows(seqs, window_bp=7, stride_bp=5)
    covered = [np.zeros(len(seq), dtype=bool) for seq in seqs]
    for i, start, window in zip(windows.seq_index, windows.starts, windows.seqs):
        assert window == seqs[i][start : start + 7] and len(window) == min(7, len(seqs[i]))
        covered[i][start : start + len(window)] = True
    assert all(c.all() for c in covered)


def test_default_stride_is_half_a_window_and_none_means_no_limit():
    assert split_windows(["A" * 10], window_bp=4).starts.tolist() == [0, 2, 4, 6]
    whole = split_windows(["A" * 10_000, "C"], window_bp=None)
    assert whole.seqs == ["A" * 10_000, "C"] and whole.seq_index.tolist() == [0, 1]


@pytest.mark.parametrize("window_bp,stride_bp", [(4, 5), (0, None)])
def test_bad_window_settings_are_config_errors(window_bp, stride_bp):
    with pytest.raises(ConfigError, match="stride_bp"):
        split_windows(["ACGTACGT"], window_bp, stride_bp)


def test_mean_and_max_aggregation_are_exact():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]], dtype=np.float32)
    seq_index = np.array([0, 0, 0, 1])
    np.testing.assert_allclose(
        aggregate_windows(proba, seq_index, 2, "mean"), [[17 / 30, 13 / 30], [0.7, 0.3]], rtol=1e-6
    )
    # max: the window with the highest positive-class probability speaks for the sequence
    np.testing.assert_array_equal(aggregate_windows(proba, seq_index, 2, "max"), proba[[1, 3]])
    with pytest.raises(ConfigError, match="'mean' or 'max'"):
        aggregate_windows(proba, seq_index, 2, "median")
