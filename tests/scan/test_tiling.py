"""Window coordinates and chunks (enhancerlm.scan.tiling)."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.scan.tiling import Tiling, count_windows
from enhancerlm.sequences.genome import Region
from enhancerlm.tokenization.windows import window_starts


def coords(block):
    return [(int(s), int(e)) for s, e in zip(block.start, block.end)]


def test_windows_by_hand():
    regions = [Region("chr1", 100, 1000), Region("chr1", 2000, 2650), Region("chr2", 5, 105)]
    tiling = Tiling(regions, window_bp=300, stride_bp=200)
    assert coords(tiling.windows(0, tiling.n_windows)) == [
        (100, 400),
        (300, 600),
        (500, 800),
        (700, 1000),  # (900 - 300) % 200 == 0: the grid reaches the end
        (2000, 2300),
        (2200, 2500),
        (2350, 2650),  # one extra window aligned to the region end
        (5, 105),  # a region shorter than a window is one shorter window
    ]
    assert tiling.windows(0, 8).region.tolist() == [0, 0, 0, 0, 1, 1, 1, 2]
    assert tiling.region_bp == 900 + 650 + 100


@pytest.mark.parametrize("window_bp, stride_bp", [(10, 10), (10, 3), (7, 1), (512, 256)])
def test_same_rule_as_predict_windows(window_bp, stride_bp):
    lengths = np.arange(1, 1200)
    assert count_windows(lengths, window_bp, stride_bp).tolist() == [
        len(window_starts(n, window_bp, stride_bp)) for n in lengths
    ]
    for n in (1, window_bp, window_bp + 1, 3 * window_bp + 2, 1199):
        tiling = Tiling([Region("c", 50, 50 + n)], window_bp, stride_bp)
        block = tiling.windows(0, tiling.n_windows)
        assert (block.start - 50).tolist() == window_starts(n, window_bp, stride_bp).tolist()
        assert (block.end - block.start).tolist() == [min(n, window_bp)] * len(block)


def test_chunks_partition_the_windows_in_order():
    tiling = Tiling([Region("a", 0, 1000), Region("b", 0, 333)], window_bp=64, stride_bp=32)
    assert tiling.n_windows == 31 + 10
    assert tiling.n_chunks(8) == 6
    chunks = [tiling.chunk(i, 8) for i in range(6)]
    assert [len(c) for c in chunks] == [8, 8, 8, 8, 8, 1]
    assert [c.first for c in chunks] == [0, 8, 16, 24, 32, 40]
    whole = tiling.windows(0, tiling.n_windows)
    assert np.concatenate([c.start for c in chunks]).tolist() == whole.start.tolist()
    assert np.concatenate([c.region for c in chunks]).tolist() == whole.region.tolist()


def test_bad_tilings():
    with pytest.raises(ConfigError, match="stride_bp"):
        Tiling([Region("a", 0, 10)], window_bp=5, stride_bp=6)
    with pytest.raises(ConfigError, match="sorted"):
        Tiling([Region("b", 0, 10), Region("a", 0, 10)], window_bp=5, stride_bp=5)
    with pytest.raises(ConfigError, match="not overlap"):
        Tiling([Region("a", 0, 10), Region("a", 9, 20)], window_bp=5, stride_bp=5)
    with pytest.raises(ConfigError, match="empty"):
        Tiling([Region("a", 5, 5)], window_bp=5, stride_bp=5)
