"""Finished chunks -> ``scores.bedgraph`` (and ``scores.bw``), ``enhancers.bed``: one pass in genome order.

All files are written to temporary names and renamed only when every chunk has been read, so
each output appears whole or not at all (``summary.json``, written after them, marks a finished scan). Everything here is a pure function of the chunk files and the
settings, which is what makes resumed and multi-process scans byte-identical to a plain one.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

import numpy as np

from enhancerlm.chunks import ChunkStore
from enhancerlm.io import atomic_path
from enhancerlm.scan.outputs import CallStream, Intervals, TrackStream, bed6_lines, bedgraph_header, bedgraph_lines
from enhancerlm.scan.tiling import Tiling

log = logging.getLogger(__name__)

BEDGRAPH, BIGWIG, BED = "scores.bedgraph", "scores.bw", "enhancers.bed"


class CallSettings(NamedTuple):
    """How window scores become enhancer intervals (see ``enhancerlm.scan.outputs``)."""

    threshold: float
    merge_gap_bp: int
    min_length_bp: int


class AssemblyStats(NamedTuple):
    """Counts over the whole scan."""

    n_scored: int
    n_skipped: int
    n_pieces: int
    n_calls: int
    call_bp: int
    files: tuple[str, ...]


class _Writers:
    """The open output files; ``emit`` appends one chromosome's pieces or calls to them."""

    def __init__(self, track, bed, bigwig):
        self.track, self.bed, self.bigwig = track, bed, bigwig
        self.n_pieces = self.n_calls = self.call_bp = 0

    def pieces(self, chrom: str, pieces: Intervals) -> None:
        self.track.write(bedgraph_lines(chrom, pieces))
        if self.bigwig is not None and len(pieces):
            self.bigwig.addEntries(
                [chrom] * len(pieces), pieces.start.tolist(), ends=pieces.end.tolist(), values=pieces.value.tolist()
            )
        self.n_pieces += len(pieces)

    def calls(self, chrom: str, calls: Intervals) -> None:
        self.bed.write(bed6_lines(chrom, calls, self.n_calls + 1))
        self.n_calls += len(calls)
        self.call_bp += int((calls.end - calls.start).sum())


def assemble(
    out: Path,
    tiling: Tiling,
    store: ChunkStore,
    chunk_windows: int,
    calls: CallSettings,
    chrom_sizes: dict[str, int],
    description: str,
) -> AssemblyStats:
    """Read every chunk in order and write the outputs into ``out``."""
    with ExitStack() as stack:
        track = stack.enter_context(open(stack.enter_context(atomic_path(out / BEDGRAPH)), "w"))
        bed = stack.enter_context(open(stack.enter_context(atomic_path(out / BED)), "w"))
        bigwig = _open_bigwig(stack, out / BIGWIG, chrom_sizes)
        track.write(bedgraph_header("enhancerlm", description))
        writers = _Writers(track, bed, bigwig)
        n_scored, n_skipped = _stream_chunks(tiling, store, chunk_windows, calls, writers)
        if bigwig is not None:
            bigwig.close()  # before the rename: the index is written on close
    files = (BEDGRAPH, BED) + ((BIGWIG,) if bigwig is not None else ())
    return AssemblyStats(n_scored, n_skipped, writers.n_pieces, writers.n_calls, writers.call_bp, files)


def _stream_chunks(
    tiling: Tiling, store: ChunkStore, chunk_windows: int, calls: CallSettings, writers: _Writers
) -> tuple[int, int]:
    chrom: str | None = None
    track: TrackStream | None = None
    caller: CallStream | None = None
    n_scored = n_skipped = 0
    for index in range(tiling.n_chunks(chunk_windows)):
        block = tiling.chunk(index, chunk_windows)
        scores = store.load(index, (len(block),))
        chroms = np.array([tiling.regions[r].chrom for r in block.region])
        bounds = np.flatnonzero(chroms[1:] != chroms[:-1]) + 1
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(block)]):
            if chroms[lo] != chrom:
                if chrom is not None:
                    assert track is not None and caller is not None  # set together with chrom
                    _finish(chrom, track, caller, writers)
                chrom, track, caller = chroms[lo], TrackStream(), CallStream(*calls)
            assert chrom is not None and track is not None and caller is not None  # set just above or before
            ok = np.isfinite(scores[lo:hi])
            start, end, score = block.start[lo:hi][ok], block.end[lo:hi][ok], scores[lo:hi][ok]
            writers.pieces(chrom, track.add(start, end, score, frontier=int(block.start[hi - 1])))
            writers.calls(chrom, caller.add(start, end, score))
            n_scored, n_skipped = n_scored + int(ok.sum()), n_skipped + int((~ok).sum())
    if chrom is not None:
        assert track is not None and caller is not None  # set together with chrom
        _finish(chrom, track, caller, writers)
    return n_scored, n_skipped


def _finish(chrom: str, track: TrackStream, caller: CallStream, writers: _Writers) -> None:
    writers.pieces(chrom, track.finish())
    writers.calls(chrom, caller.finish())


def _open_bigwig(stack: ExitStack, path: Path, chrom_sizes: dict[str, int]):
    """An open pyBigWig writer with the genome's chromosomes in genome order, or None without pyBigWig."""
    try:
        import pyBigWig
    except ImportError:
        log.info("pyBigWig is not installed: writing bedGraph only (pip install pyBigWig for %s)", path.name)
        return None
    tmp = stack.enter_context(atomic_path(path))
    bigwig = pyBigWig.open(str(tmp), "w")
    bigwig.addHeader(sorted(chrom_sizes.items()))
    return bigwig
