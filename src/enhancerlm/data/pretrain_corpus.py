"""Pre-training corpus: FASTA records -> N-free segments, the last part of each held out -> crop tiles."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.io import atomic_path
from enhancerlm.sequences.fasta import iter_fasta

log = logging.getLogger(__name__)

PARTS = ("train", "eval")
SEGMENT_COLUMNS = ("record", "start", "end", "part", "offset")
# Anything else (N, IUPAC ambiguity codes) breaks a segment: the model never trained on [UNK] k-mers.
_ACGT_RUN = re.compile("[ACGT]+")


@dataclass(frozen=True)
class PretrainCorpus:
    """N-free segments of FASTA records; their bases live in one file read through a memory map.

    A whole genome does not have to fit in memory: records are read one at a time and their
    segments appended to the file, which the operating system pages in as crops are read.

    Attributes
    ----------
    segments : pandas.DataFrame
        One row per segment: ``record`` (str), ``start``, ``end`` (0-based half-open, bp in the
        record), ``part`` (``"train"`` or ``"eval"``), ``offset`` (bp into ``bases``).
    path : Path
        The file of bases: ASCII ``ACGT`` of all segments, concatenated.
    """

    segments: pd.DataFrame
    path: Path

    @cached_property
    def bases(self) -> np.ndarray:
        """The bases, uint8, shape=(total_bp,), memory-mapped read-only."""
        return np.memmap(self.path, dtype=np.uint8, mode="r")

    def __getstate__(self) -> dict:
        # Data-loader worker processes reopen the file instead of receiving a copy of every base.
        return {key: value for key, value in self.__dict__.items() if key != "bases"}

    def part(self, name: str) -> pd.DataFrame:
        """The segments of one part, ``"train"`` or ``"eval"``."""
        if name not in PARTS:
            raise ConfigError(f"corpus part {name!r} must be one of {PARTS}")
        return self.segments[self.segments["part"] == name].reset_index(drop=True)

    def n_bp(self, name: str) -> int:
        """Bases in one part."""
        part = self.part(name)
        return int((part["end"] - part["start"]).sum())

    def sequence(self, offset: int, length: int) -> str:
        """``length`` bases starting ``offset`` bp into ``bases``, upper case."""
        return bytes(self.bases[offset : offset + length]).decode("ascii")


def build_corpus(
    fasta_paths: Sequence[str | Path], cache_path: str | Path, *, eval_fraction: float = 0.1, min_segment_bp: int = 64
) -> PretrainCorpus:
    """Read FASTA files record by record into a pre-training corpus.

    Each record (upper-cased: soft-masking is dropped) is split at ``cut = length - floor(length *
    eval_fraction)``: bases before the cut are for training, the rest is held out. Each part is cut
    into maximal runs of ``ACGT``; runs of N or other codes are skipped and runs shorter than
    ``min_segment_bp`` are dropped.

    Parameters
    ----------
    fasta_paths : sequence of str or Path
        FASTA files, plain or gzip.
    cache_path : str or Path
        File that receives the segments' bases (1 byte per bp), written atomically.
    eval_fraction : float
        Fraction of each record, from its end, held out; in [0, 1).
    min_segment_bp : int
        Shortest segment kept, in bp.

    Returns
    -------
    PretrainCorpus
    """
    if not 0 <= eval_fraction < 1:
        raise ConfigError(f"eval_fraction={eval_fraction!r} must be in [0, 1)")
    if min_segment_bp < 1:
        raise ConfigError(f"min_segment_bp={min_segment_bp!r} must be at least 1")
    if not fasta_paths:
        raise InputError("pre-training needs at least one FASTA file (--fasta)")
    rows, n_read = [], 0
    with atomic_path(cache_path) as tmp, open(tmp, "wb") as handle:
        for path in fasta_paths:
            for record_id, seq in iter_fasta(path):
                n_read += len(seq)
                for part, start, end in _segments(seq, eval_fraction, min_segment_bp):
                    rows.append((record_id, start, end, part, handle.tell()))
                    handle.write(seq[start:end].encode("ascii"))
    segments = pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS))
    _check_segments(segments, fasta_paths, min_segment_bp, eval_fraction)
    corpus = PretrainCorpus(segments, Path(cache_path))
    log.info(
        "corpus: %d bp read, %d bp in %d training segments, %d bp held out (%d N/short bp skipped)",
        n_read,
        corpus.n_bp("train"),
        int((segments["part"] == "train").sum()),
        corpus.n_bp("eval"),
        n_read - corpus.n_bp("train") - corpus.n_bp("eval"),
    )
    return corpus


def _segments(seq: str, eval_fraction: float, min_bp: int):
    """Yield (part, start, end) for the ACGT runs of one record, bp, 0-based half-open."""
    cut = len(seq) - int(len(seq) * eval_fraction)
    for part, lo, hi in (("train", 0, cut), ("eval", cut, len(seq))):
        for run in _ACGT_RUN.finditer(seq, lo, hi):
            if run.end() - run.start() >= min_bp:
                yield part, run.start(), run.end()


def _check_segments(segments: pd.DataFrame, paths, min_bp: int, eval_fraction: float) -> None:
    names = ", ".join(str(p) for p in paths)
    if not (segments["part"] == "train").any():
        raise InputError(f"{names}: no stretch of at least {min_bp} bp without N to train on")
    if eval_fraction > 0 and not (segments["part"] == "eval").any():
        raise InputError(
            f"{names}: the held-out last {eval_fraction:.0%} of the records has no stretch of "
            f"at least {min_bp} bp without N; use longer records or eval_fraction=0"
        )


def tile_crops(
    lengths: np.ndarray,
    crop_bp: int,
    rng: np.random.Generator | None = None,
    *,
    short_crop_prob: float = 0.0,
    min_crop_bp: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crops that tile each segment, ``ceil(length / crop_bp)`` per segment.

    Without ``rng``, crop i of a segment starts at ``i * crop_bp`` (the last one is moved back to
    end at the segment's end), so the crops cover every base. With ``rng`` the crop boundaries
    move every epoch while the number of crops stays fixed (the Trainer needs a fixed epoch
    length): crop i starts at ``i * crop_bp - shift`` (clipped into the segment) with ``shift``
    drawn per segment in [0, crop_bp), and half of the segments are tiled from their other end.
    Fixed count and moving boundaries cannot both cover every base: when ``shift`` exceeds the
    slack ``count * crop_bp - length``, fewer than ``crop_bp`` bases at the far end are left out
    of that epoch; tiling from either end in turn keeps those bases in about half of the epochs
    or more. With probability ``short_crop_prob`` a crop is shortened to a uniform length in
    [min_crop_bp, its length] at a uniform place inside it, so the model also sees short inputs
    (DNABERT trained on 5-510 bp).

    Parameters
    ----------
    lengths : np.ndarray of int, shape=(n_segments,)
        Segment lengths, bp.
    crop_bp : int
        Longest crop, bp.
    rng : numpy.random.Generator or None
    short_crop_prob : float
    min_crop_bp : int

    Returns
    -------
    segment : np.ndarray of int64, shape=(n_crops,)
        Segment index of each crop.
    start : np.ndarray of int64, shape=(n_crops,)
        Start in the segment, bp.
    length : np.ndarray of int64, shape=(n_crops,)
        Crop length, bp.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    per_segment = -(-lengths // crop_bp)
    segment = np.repeat(np.arange(len(lengths)), per_segment)
    index = np.arange(len(segment)) - np.repeat(np.cumsum(per_segment) - per_segment, per_segment)
    seg_len = lengths[segment]
    length = np.minimum(seg_len, crop_bp)
    if rng is None:
        return segment, np.minimum(index * crop_bp, seg_len - length), length
    shift = rng.integers(0, crop_bp, size=len(lengths))[segment]
    start = np.clip(index * crop_bp - shift, 0, seg_len - length)
    from_end = (rng.random(len(lengths)) < 0.5)[segment]
    start = np.where(from_end, seg_len - length - start, start)
    if short_crop_prob > 0:
        short = (rng.random(len(segment)) < short_crop_prob) & (length > min_crop_bp)
        new_length = rng.integers(np.minimum(min_crop_bp, length), length + 1)
        new_start = start + rng.integers(0, length - new_length + 1)
        start, length = np.where(short, new_start, start), np.where(short, new_length, length)
    return segment, start, length
