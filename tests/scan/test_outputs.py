"""Per-base mean track and merged calls (enhancerlm.scan.outputs), streamed block by block."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.scan.outputs import CallStream, Intervals, TrackStream, bed6_lines, bedgraph_lines, mean_pieces


def arr(*xs):
    return np.array(xs, dtype=np.int64)


def as_rows(pieces):
    return [(int(s), int(e), float(v)) for s, e, v in zip(*pieces)]


def test_mean_pieces_by_hand():
    # [0,4) = 1.0 and [2,6) = 0.5 overlap on [2,4); [10,14) stands alone after a gap of unscored bases.
    start, end, score = arr(0, 2, 10), arr(4, 6, 14), np.array([1.0, 0.5, 0.25])
    assert as_rows(mean_pieces(start, end, score, 0, np.inf)) == [
        (0, 2, 1.0),
        (2, 4, 0.75),
        (4, 6, 0.5),
        (10, 14, 0.25),
    ]
    assert as_rows(mean_pieces(start, end, score, 3, 11)) == [(3, 4, 0.75), (4, 6, 0.5), (10, 11, 0.25)]


def random_windows(n, rng, window_bp=50, stride_bp=20):
    start = np.sort(rng.choice(np.arange(0, 40 * n, stride_bp), n, replace=False)).astype(np.int64)
    return start, start + window_bp, rng.random(n).astype(np.float32)


@pytest.mark.parametrize("seed", range(5))
def test_track_stream_equals_one_pass(seed):
    rng = np.random.default_rng(seed)
    start, end, score = random_windows(60, rng)
    expected = as_rows(mean_pieces(start, end, score, 0, np.inf))
    cuts = np.sort(rng.choice(np.arange(1, 60), 6, replace=False))
    stream, got = TrackStream(), []
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, 60]):
        got += as_rows(stream.add(start[lo:hi], end[lo:hi], score[lo:hi], frontier=int(start[hi - 1])))
    got += as_rows(stream.finish())
    assert got == expected  # exact: each piece sums its windows in the same order however they arrive
    assert all(a[1] <= b[0] for a, b in zip(got, got[1:]))  # sorted, non-overlapping


def test_calls_merge_filter_and_peak():
    start, end = arr(0, 10, 20, 50, 100, 130), arr(20, 30, 40, 70, 120, 150)
    score = np.array([0.6, 0.9, 0.2, 0.7, 0.8, 0.55])
    calls = CallStream(threshold=0.5, merge_gap_bp=0, min_length_bp=0)
    assert as_rows(calls.add(start, end, score)) + as_rows(calls.finish()) == [
        (0, 30, 0.9),
        (50, 70, 0.7),
        (100, 120, 0.8),
        (130, 150, 0.55),
    ]
    calls = CallStream(threshold=0.5, merge_gap_bp=10, min_length_bp=25)
    # gap 10 joins 100-120 and 130-150; 50-70 (20 bp) is dropped as too short
    assert as_rows(calls.add(start, end, score)) + as_rows(calls.finish()) == [(0, 30, 0.9), (100, 150, 0.8)]


@pytest.mark.parametrize("seed", range(5))
def test_call_stream_equals_one_pass(seed):
    rng = np.random.default_rng(seed)
    start, end, score = random_windows(80, rng)
    one = CallStream(0.5, 15, 60)
    expected = as_rows(one.add(start, end, score)) + as_rows(one.finish())
    stream, got = CallStream(0.5, 15, 60), []
    for lo, hi in zip(range(0, 80, 7), range(7, 87, 7)):
        got += as_rows(stream.add(start[lo:hi], end[lo:hi], score[lo:hi]))
    assert got + as_rows(stream.finish()) == expected


def test_line_formats():
    pieces = Intervals(arr(0, 2), arr(2, 6), np.array([0.123456789, 1.0]))
    assert bedgraph_lines("chr1", pieces) == "chr1\t0\t2\t0.123457\nchr1\t2\t6\t1\n"
    calls = Intervals(arr(10, 50), arr(30, 90), np.array([0.8764, 1.0]))
    assert bed6_lines("chr2", calls, first_number=3) == (
        "chr2\t10\t30\tenhancer_3\t876\t.\nchr2\t50\t90\tenhancer_4\t1000\t.\n"
    )
