"""JASPAR motifs (pyjaspar's offline SQLite) and a TOMTOM-style comparison of a PPM against all of them.

Why not MEME's TOMTOM or memelite: the first is a C tool outside PyPI, the second compiles with
numba for longer than a test may run. The comparison here follows TOMTOM's recipe on a smaller
scale: column-wise Pearson correlation summed over every overlap of at least ``min_overlap``
columns on both strands; a p-value from the same statistic for query motifs with shuffled columns
(standardised per target, then pooled over all targets for resolution); Benjamini-Hochberg q-values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from enhancerlm.data.generate.motifs import JASPAR_RELEASE, open_jaspar
from enhancerlm.errors import ConfigError

log = logging.getLogger(__name__)


def reverse_complement_ppm(ppm: np.ndarray) -> np.ndarray:
    """Reverse complement of a PPM, shape=(w, 4): rows reversed, ACGT columns reversed (A<->T, C<->G)."""
    return np.asarray(ppm)[::-1, ::-1]


def _standardize(columns: np.ndarray) -> np.ndarray:
    """Z-score each 4-vector so that mean(z_a * z_b) is the Pearson correlation; flat columns -> 0."""
    mean = columns.mean(axis=-1, keepdims=True)
    std = columns.std(axis=-1, keepdims=True)
    return np.divide(columns - mean, std, out=np.zeros_like(columns), where=std > 1e-9)


@dataclass
class MotifDatabase:
    """Reference motifs, padded into arrays for vectorised comparison.

    Attributes
    ----------
    matrix_ids, names : list of str
    ppms : list of np.ndarray, each shape=(w_i, 4)
    release : str
    """

    matrix_ids: list[str]
    names: list[str]
    ppms: list[np.ndarray]
    release: str = ""
    _z: np.ndarray = field(init=False, repr=False)  # (2 * n_motifs, max_w, 4): forward strands, then reverse
    _valid: np.ndarray = field(init=False, repr=False)  # (2 * n_motifs, max_w)

    def __post_init__(self):
        both = list(self.ppms) + [reverse_complement_ppm(p) for p in self.ppms]
        width = max(len(p) for p in both)
        self._z = np.zeros((len(both), width, 4))
        self._valid = np.zeros((len(both), width), dtype=bool)
        for i, ppm in enumerate(both):
            self._z[i, : len(ppm)] = _standardize(np.asarray(ppm, dtype=np.float64))
            self._valid[i, : len(ppm)] = True

    def __len__(self) -> int:
        return len(self.matrix_ids)

    def match(self, ppm: np.ndarray, *, min_overlap: int = 5, n_shuffles: int = 50, seed: int = 0) -> pd.DataFrame:
        """Compare a query PPM, shape=(w, 4), with every motif in the database.

        Returns
        -------
        pandas.DataFrame
            One row per database motif, best first: matrix_id, name, score (summed column Pearson
            correlation of the best alignment), overlap (columns), offset (query column i faces
            database column i + offset), strand (of the database motif), z, p_value, q_value.
        """
        from scipy.stats import false_discovery_control

        query = _standardize(np.asarray(ppm, dtype=np.float64))
        sim = np.einsum("ic,tjc->tij", query, self._z) / 4.0  # (2n, w, W) column correlations
        aligner = _Aligner(sim, self._valid, min_overlap)
        score, offset, overlap = aligner.best()
        rng = np.random.default_rng(seed)
        null = np.stack([aligner.best(rng.permutation(len(query)))[0] for _ in range(n_shuffles)], axis=1)
        n = len(self)
        strand = (score[n:] > score[:n]).astype(int)  # best strand per motif
        pick = np.arange(n) + strand * n
        null = np.maximum(null[:n], null[n:])
        mu, sd = null.mean(axis=1), null.std(axis=1) + 1e-9
        z = (score[pick] - mu) / sd
        pooled = np.sort(((null - mu[:, None]) / sd[:, None]).ravel())
        p_value = (1 + pooled.size - np.searchsorted(pooled, z, side="left")) / (1 + pooled.size)
        table = pd.DataFrame(
            {
                "matrix_id": self.matrix_ids,
                "name": self.names,
                "score": score[pick],
                "overlap": overlap[pick],
                "offset": offset[pick],
                "strand": np.where(strand == 0, "+", "-"),
                "z": z,
                "p_value": p_value,
                "q_value": false_discovery_control(p_value, method="bh"),
            }
        )
        # Ties at the p-value floor are common among a TF family; the closer alignment (score) goes first.
        return table.sort_values(["p_value", "score"], ascending=[True, False], ignore_index=True)


class _Aligner:
    """Best summed column correlation over all offsets, for a query and any permutation of its columns.

    ``sim[t, i, j]`` is the correlation of query column i with target column j; offsets run from
    -(w-1) to W-1 and need min(min_overlap, w, width_t) overlapping columns. The offsets' column
    indices and overlaps are the same for every permutation, so they are computed once.
    """

    def __init__(self, sim: np.ndarray, valid: np.ndarray, min_overlap: int):
        n_targets, w, width = sim.shape
        self.offsets = np.arange(-(w - 1), width)
        self.cols = np.arange(w)[None, :] + self.offsets[:, None] + w  # (n_off, w) columns in the padded target
        self.padded = np.pad(sim, ((0, 0), (0, 0), (w, w)))
        self.overlap = np.pad(valid, ((0, 0), (w, w)))[:, self.cols].sum(axis=2)  # (T, n_off)
        needed = np.minimum(min(min_overlap, w), valid.sum(axis=1))[:, None]
        self.allowed = self.overlap >= needed

    def best(self, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(score, offset, overlap), each shape=(T,), with query columns taken in ``order``."""
        rows = np.arange(self.cols.shape[1]) if order is None else order
        totals = self.padded[:, rows[None, :], self.cols].sum(axis=2)  # (T, n_off)
        totals = np.where(self.allowed, totals, -np.inf)
        best = totals.argmax(axis=1)
        index = np.arange(len(totals))
        return totals[index, best], self.offsets[best], self.overlap[index, best]


@lru_cache(maxsize=4)
def load_jaspar(release: str | None = None, collection: str = "CORE", tax_group: str = "vertebrates") -> MotifDatabase:
    """The latest version of each JASPAR matrix in ``collection``/``tax_group`` from pyjaspar's bundled SQLite.

    Parameters
    ----------
    release : str or None
        e.g. ``"JASPAR2026"``; None: the pinned ``enhancerlm.data.generate.motifs.JASPAR_RELEASE`` (see
        :func:`enhancerlm.data.generate.motifs.open_jaspar` for why not pyjaspar's newest).
    collection, tax_group : str
    """
    release = release or JASPAR_RELEASE
    try:
        db = open_jaspar(release)
    except ImportError as err:  # optional dependency: the `interpret` extra
        raise ConfigError("matching motifs to JASPAR needs pyjaspar: pip install 'enhancerlm[interpret]'") from err
    motifs = db.fetch_motifs(collection=collection, tax_group=[tax_group])
    if not motifs:
        raise ConfigError(f"JASPAR {release}: no motifs in collection={collection!r}, tax_group={tax_group!r}")
    ppms = []
    for motif in motifs:
        counts = np.array([motif.counts[b] for b in "ACGT"], dtype=np.float64).T
        ppms.append(counts / counts.sum(axis=1, keepdims=True))
    log.debug("loaded %d JASPAR %s %s motifs", len(motifs), release, tax_group)
    return MotifDatabase([m.matrix_id for m in motifs], [m.name for m in motifs], ppms, release)
