"""Seqlets: peaks of core-window attribution above a threshold, fixed width, kept inside the sequence."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.seqlets import core_sums, extract_seqlets, null_threshold, shuffle_sequences
from enhancerlm.sequences.dna import one_hot

SEQ = "ACGT" * 25  # 100 bp


def _bump(start: int, height: float = 1.0, length: int = 8) -> np.ndarray:
    track = np.zeros(len(SEQ))
    track[start : start + length] = height
    return track


def test_a_bump_gives_one_seqlet_centred_on_it():
    seqlets = extract_seqlets([_bump(40)], [SEQ], ["s"], threshold=4.0, width_bp=21, core_bp=8)
    row = seqlets.table.iloc[0]
    assert len(seqlets.table) == 1
    assert (row["id"], row["start"], row["end"], row["score"]) == ("s", 34, 55, 8.0)
    assert row["sequence"] == SEQ[34:55]
    assert seqlets.onehot.shape == (1, 21, 4) and seqlets.contrib[0].sum() == 8.0


def test_windows_stay_inside_the_sequence_and_apart():
    track = _bump(0) + _bump(88) + _bump(93, height=0.5, length=4)
    seqlets = extract_seqlets([track], [SEQ], ["s"], threshold=4.0, width_bp=21, core_bp=8)
    assert seqlets.table[["start", "end"]].values.tolist() == [[0, 21], [79, 100]]


def test_nothing_above_the_threshold_gives_an_empty_set():
    seqlets = extract_seqlets([_bump(40)], [SEQ], ["s"], threshold=9.0)
    assert len(seqlets.table) == 0 and seqlets.onehot.shape == (0, 21, 4)


def test_core_cannot_exceed_the_seqlet():
    with pytest.raises(ConfigError, match="core_bp"):
        extract_seqlets([_bump(40)], [SEQ], ["s"], threshold=1.0, width_bp=5, core_bp=8)


def test_null_threshold_is_a_quantile_of_window_sums():
    assert core_sums(np.arange(5.0), 2).tolist() == [1.0, 3.0, 5.0, 7.0]
    assert null_threshold([np.arange(5.0)], core_bp=2, quantile=0.5) == 4.0


def test_shuffles_keep_composition_and_one_hot_marks_n():
    (shuffled,) = shuffle_sequences(["AACGTTTN"], seed=3)
    assert sorted(shuffled) == sorted("AACGTTTN")
    assert one_hot("AN").tolist() == [[1, 0, 0, 0], [0, 0, 0, 0]]
