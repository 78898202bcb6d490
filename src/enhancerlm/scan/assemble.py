"""Finished chunks -> ``scores.bedgraph`` (and ``scores.bw``), ``enhancers.bed``: one pass per track in genome order.

A binary or multi-class model has one track; a multi-label or regression model one per label or target
(``scores.<name>.bedgraph``, ``scores.<name>.bw``, ``enhancers.<name>.bed``), each a pass over the chunks.

All files are written to temporary names and renamed only when every chunk has been read, so
each output appears whole or not at all (``summary.json``, written after them, marks a finished scan). Everything here is a pure function of the chunk files and the
settings, which is what makes resumed and multi-process scans byte-identical to a plain one.
"""

from __future__ import annotations

import logging
import re
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

import numpy as np

from enhancerlm.chunks import ChunkStore
from enhancerlm.io import atomic_path
from enhancerlm.scan.outputs import CallStream, Intervals, TrackStream, bed6_lines, bedgraph_lines
from enhancerlm.scan.tiling import Tiling

log = logging.getLogger(__name__)

BEDGRAPH, BIGWIG, BED = "scores.bedgraph", "scores.bw", "enhancers.bed"


class CallSettings(NamedTuple):
    """How window scores become enhancer intervals (see ``enhancerlm.scan.outputs``)."""

    threshold: float
    merge_gap_bp: int
    min_length_bp: int


class Track(NamedTuple):
    """One scored output and its files.

    Attributes
    ----------
    name : str or None
        The label or target; None for a binary or multi-class model's one track.
    column : int
        Column of the chunk arrays that holds its window scores.
    bedgraph, bigwig : str
        File names of the track.
    bed : str or None
        File name of its calls; None: no calls (a regression model without a threshold).
    header : str
        The bedGraph's ``track`` line.
    """

    name: str | None
    column: int
    bedgraph: str
    bigwig: str
    bed: str | None
    header: str


class AssemblyStats(NamedTuple):
    """Counts over the whole scan (one track)."""

    n_scored: int
    n_skipped: int
    n_pieces: int
    n_calls: int
    call_bp: int
    files: tuple[str, ...]


def output_tracks(names: list[str] | None, headers: list[str], calls: bool) -> list[Track]:
    """The tracks of a scan: ``scores.bedgraph`` alone, or ``scores.<name>.bedgraph`` per label or target.

    Separate single-track files, not one multi-column bedGraph: genome browsers (IGV, UCSC) and
    pyBigWig read one value column per bedGraph, and a bigWig holds one track. A name is made safe
    for a file name (other characters as ``_``) and kept distinct (``_2``, ``_3`` ...).

    Parameters
    ----------
    names : list of str or None
        The multi-label or regression outputs scanned, in chunk-column order; None: one track.
    headers : list of str
        The ``track`` line of each track.
    calls : bool
        Whether windows are called (a BED per track).
    """
    if names is None:
        return [Track(None, 0, BEDGRAPH, BIGWIG, BED if calls else None, headers[0])]
    tracks, used = [], set()
    for column, (name, header) in enumerate(zip(names, headers)):
        stem = base = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        n = 1
        while stem.lower() in used:  # case-insensitive file systems
            n += 1
            stem = f"{base}_{n}"
        used.add(stem.lower())
        bed = f"enhancers.{stem}.bed" if calls else None
        tracks.append(Track(name, column, f"scores.{stem}.bedgraph", f"scores.{stem}.bw", bed, header))
    return tracks


class _Writers:
    """The open output files of one track; ``emit`` appends one chromosome's pieces or calls to them."""

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
        if self.bed is None:
            return
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
    track: Track,
    n_columns: int | None = None,
) -> AssemblyStats:
    """Read every chunk in order and write one track's outputs into ``out``.

    ``n_columns``: columns of the chunk arrays, shape=(n_windows, n_columns); None: one-dimensional
    chunks (a binary or multi-class scan). A scan of several tracks calls this once per track.
    """
    with ExitStack() as stack:
        bedgraph = stack.enter_context(open(stack.enter_context(atomic_path(out / track.bedgraph)), "w"))
        bed = None
        if track.bed is not None:
            bed = stack.enter_context(open(stack.enter_context(atomic_path(out / track.bed)), "w"))
        bigwig = _open_bigwig(stack, out / track.bigwig, chrom_sizes)
        bedgraph.write(track.header)
        writers = _Writers(bedgraph, bed, bigwig)
        reader = _ChunkColumn(store, track.column, n_columns)
        n_scored, n_skipped = _stream_chunks(tiling, reader, chunk_windows, calls, writers)
        if bigwig is not None:
            bigwig.close()  # before the rename: the index is written on close
    files = (track.bedgraph,) + ((track.bed,) if track.bed else ()) + ((track.bigwig,) if bigwig is not None else ())
    return AssemblyStats(n_scored, n_skipped, writers.n_pieces, writers.n_calls, writers.call_bp, files)


class _ChunkColumn:
    """One column of every chunk's scores, shape=(n_windows,), read back from the store."""

    def __init__(self, store: ChunkStore, column: int, n_columns: int | None):
        self.store, self.column, self.n_columns = store, column, n_columns

    def load(self, index: int, n_windows: int) -> np.ndarray:
        if self.n_columns is None:
            return self.store.load(index, (n_windows,))
        return self.store.load(index, (n_windows, self.n_columns))[:, self.column]


def _stream_chunks(
    tiling: Tiling, reader: _ChunkColumn, chunk_windows: int, calls: CallSettings, writers: _Writers
) -> tuple[int, int]:
    chrom: str | None = None
    track: TrackStream | None = None
    caller: CallStream | None = None
    n_scored = n_skipped = 0
    for index in range(tiling.n_chunks(chunk_windows)):
        block = tiling.chunk(index, chunk_windows)
        scores = reader.load(index, len(block))
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
