"""Regions -> windows in genome order, numbered globally and cut into fixed-size chunks.

Window rule (the same as ``enhancerlm.tokenization.windows.window_starts``): in a region of L bp,
windows of ``window_bp`` start every ``stride_bp`` from the region start; when the last one does
not reach the region end, one more window is aligned to the end, so every base is covered. A
region shorter than ``window_bp`` is one window of L bp. Windows are never cut by N-runs here:
the scorer skips windows with too many N (see ``enhancerlm.scan.score``), so the numbering, and
hence the chunks, depend only on the regions and the two lengths, not on the sequence.

Genome order is chromosome name (byte order, as ``sort -k1,1`` in the C locale), then start.
In that order both window starts and window ends never decrease.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from enhancerlm.errors import ConfigError
from enhancerlm.sequences.genome import Region


class WindowBlock(NamedTuple):
    """Consecutive windows, global numbers ``[first, first + n)``.

    Attributes
    ----------
    first : int
        Global number of the first window.
    region : np.ndarray, shape=(n,), int64
        Index into ``Tiling.regions`` of each window's region.
    start, end : np.ndarray, shape=(n,), int64
        0-based half-open window coordinates on the region's chromosome, bp.
    """

    first: int
    region: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


def count_windows(length_bp: np.ndarray, window_bp: int, stride_bp: int) -> np.ndarray:
    """Windows per region, shape like ``length_bp``: 1 when L <= W, else the grid plus one end-aligned
    window when ``(L - W) % S != 0``."""
    length_bp = np.asarray(length_bp, dtype=np.int64)
    overhang = np.maximum(length_bp - window_bp, 0)
    return overhang // stride_bp + 1 + (overhang % stride_bp != 0)


class Tiling:
    """All windows of a list of regions, numbered in genome order.

    Parameters
    ----------
    regions : sequence of Region
        Sorted by (chrom, start) and non-overlapping (``read_regions`` and
        ``whole_genome_regions`` return them so).
    window_bp, stride_bp : int
        Window length and step, bp; ``1 <= stride_bp <= window_bp``.
    """

    def __init__(self, regions: Sequence[Region], window_bp: int, stride_bp: int):
        if not 1 <= stride_bp <= window_bp:
            raise ConfigError(f"need 1 <= stride_bp ({stride_bp}) <= window_bp ({window_bp})")
        _check_sorted(regions)
        self.regions = tuple(regions)
        self.window_bp, self.stride_bp = window_bp, stride_bp
        self._region_start = np.array([r.start for r in regions], dtype=np.int64)
        self._length = np.array([r.end - r.start for r in regions], dtype=np.int64)
        counts = count_windows(self._length, window_bp, stride_bp)
        # _offsets[i] is the global number of region i's first window; _offsets[-1] the total.
        self._offsets = np.concatenate([[0], np.cumsum(counts)])

    @property
    def n_windows(self) -> int:
        return int(self._offsets[-1])

    @property
    def region_bp(self) -> int:
        """Bases in all regions."""
        return int(self._length.sum())

    def windows(self, first: int, stop: int) -> WindowBlock:
        """Windows numbered ``[first, stop)``, computed from the region table without reading sequence."""
        number = np.arange(first, min(stop, self.n_windows), dtype=np.int64)
        region = np.searchsorted(self._offsets, number, side="right") - 1
        j = number - self._offsets[region]
        length = self._length[region]
        # j * S for the grid; the one window past the grid is clipped to L - W, i.e. aligned to the end.
        rel_start = np.minimum(j * self.stride_bp, np.maximum(length - self.window_bp, 0))
        start = self._region_start[region] + rel_start
        return WindowBlock(first, region, start, start + np.minimum(length, self.window_bp))

    def n_chunks(self, chunk_windows: int) -> int:
        """Chunks of ``chunk_windows`` windows (the last one may be shorter)."""
        return -(-self.n_windows // chunk_windows)

    def chunk(self, index: int, chunk_windows: int) -> WindowBlock:
        """The windows of chunk ``index``: numbers ``[index * chunk_windows, (index + 1) * chunk_windows)``."""
        return self.windows(index * chunk_windows, (index + 1) * chunk_windows)


def _check_sorted(regions: Sequence[Region]) -> None:
    for region in regions:
        if not 0 <= region.start < region.end:
            raise ConfigError(f"region {region} is empty or has a negative start")
    for prev, cur in zip(regions, regions[1:]):
        if cur.chrom < prev.chrom or (cur.chrom == prev.chrom and cur.start < prev.end):
            raise ConfigError(f"regions must be sorted by (chrom, start) and not overlap: {prev} then {cur}")
