"""Window scoring (enhancerlm.scan.score): the N rule, reverse complements, which column is the score."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.scan.score import score_block, score_column, window_sequences
from enhancerlm.scan.tiling import Tiling
from enhancerlm.sequences.genome import Region, open_genome
from enhancerlm.sequences.records import LabelMap
from tests.helpers import FractionModel, write_fasta

LABELS = LabelMap.from_labels(["enhancer", "not_enhancer"])  # names: (not_enhancer, enhancer)


@pytest.fixture
def genome(tmp_path):
    # 10 bp windows: AAAAACCCCC | 1 N, 2 N, 3 N | all A
    seq = "AAAAACCCCC" + "AAAANCCCCC" + "AAANNCCCCC" + "AANNNCCCCC" + "A" * 10
    with open_genome(write_fasta(tmp_path / "g.fa", {"c": seq}, width=7)) as g:
        yield g


def test_n_rule_skips_windows_above_the_fraction(genome):
    tiling = Tiling([Region("c", 0, 50)], window_bp=10, stride_bp=10)
    block = tiling.windows(0, 5)
    seqs, keep = window_sequences(genome, tiling, block, max_n_fraction=0.2)
    assert keep.tolist() == [True, True, True, False, True]  # 2 N of 10 is 0.2: kept; 3 N is not
    assert seqs == ["AAAAACCCCC", "AAAANCCCCC", "AAANNCCCCC", "A" * 10]
    assert window_sequences(genome, tiling, block, max_n_fraction=0.0)[1].tolist() == [True, False, False, False, True]


def test_score_block_positive_column_and_rc_mean(genome):
    tiling = Tiling([Region("c", 0, 20), Region("c", 40, 50)], window_bp=10, stride_bp=5)
    block = tiling.windows(0, tiling.n_windows)  # [0,10) [5,15) [10,20) [40,50)
    model = FractionModel("A", max_bp=100)
    scores = score_block(model, genome, tiling, block, column=1, max_n_fraction=0.0, rc=False, batch_size=None)
    np.testing.assert_array_equal(scores, np.array([0.5, np.nan, np.nan, 1.0], dtype=np.float32))
    model = FractionModel("A", max_bp=100)
    scores = score_block(model, genome, tiling, block, column=1, max_n_fraction=0.0, rc=True, batch_size=None)
    # reverse complement of AAAAACCCCC is GGGGGTTTTT (no A): mean (0.5 + 0) / 2; poly-A -> poly-T: (1 + 0) / 2
    np.testing.assert_array_equal(scores, np.array([0.25, np.nan, np.nan, 0.5], dtype=np.float32))
    assert model.seen == ["AAAAACCCCC", "A" * 10, "GGGGGTTTTT", "T" * 10]  # one call for both strands


def test_score_column():
    assert score_column(LABELS, None) == 1
    assert score_column(LABELS, "not_enhancer") == 0
    with pytest.raises(ConfigError, match="--class 'x' is not one of"):
        score_column(LABELS, "x")
    with pytest.raises(ConfigError, match="say which one to scan for with --class"):
        score_column(LabelMap(("a", "b", "c")), None)
