"""Transcription-factor motifs as position probability matrices, from JASPAR via pyjaspar or a built-in copy."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np

from enhancerlm.errors import ConfigError, InputError

logger = logging.getLogger(__name__)

JASPAR_RELEASE = "JASPAR2024"
# Well-known vertebrate regulators of blood-cell enhancers (GATA1, GATA1::TAL1, SPI1/PU.1, CEBPB),
# the ubiquitous AP-1 dimer and the insulator CTCF: JASPAR CORE vertebrates matrix ids.
DEFAULT_MATRIX_IDS = ("MA0035.5", "MA0140.3", "MA0080.7", "MA0466.4", "MA0099.4", "MA0139.2")
UNIFORM_MIX = 0.01  # share of a uniform distribution mixed into every column: no base has probability 0

# Count matrices (rows A, C, G, T) of the defaults, copied from JASPAR 2024 CORE as bundled with
# pyjaspar 4.0 (JASPAR data are CC BY 4.0; cite Rauluseviciute et al., NAR 2024), so that the defaults
# and every synthetic data set built from them do not depend on the optional pyjaspar package.
_BUILTIN_COUNTS = {
    "MA0035.5": (
        "GATA1",
        (
            (3953, 1314, 49692, 67550, 2206, 2567, 7397),  # A
            (62419, 595, 710, 1292, 1238, 65937, 3025),  # C
            (2712, 652, 856, 988, 618, 1471, 765),  # G
            (2744, 69267, 20570, 1998, 67766, 1853, 60641),  # T
        ),
    ),
    "MA0140.3": (
        "GATA1::TAL1",
        (
            (206, 318, 4955, 0, 0, 2049, 658, 963, 1191, 1778, 1038, 1352, 1885, 1381, 110, 4659, 160),  # A
            (807, 0, 0, 0, 4955, 63, 1331, 1214, 1127, 1130, 1237, 1142, 1033, 1237, 4822, 0, 890),  # C
            (159, 0, 0, 0, 0, 55, 2214, 1244, 1520, 990, 1712, 1466, 820, 1884, 23, 0, 3544),  # G
            (3783, 4637, 0, 4955, 0, 2788, 752, 1534, 1117, 1057, 968, 995, 1217, 453, 0, 296, 361),  # T
        ),
    ),
    "MA0080.7": (
        "Spi1",
        (
            (66531, 82280, 81461, 8636, 89952, 4077, 2028, 102012, 99529, 7616, 16997, 9972, 23194),  # A
            (6863, 5758, 2330, 12201, 2594, 550, 831, 1095, 958, 7067, 3716, 6075, 11577),  # C
            (22807, 10614, 10220, 79986, 9636, 99360, 101383, 1063, 1822, 89140, 5128, 83385, 57669),  # G
            (8997, 6546, 11187, 4375, 3016, 1211, 956, 1028, 2889, 1375, 79357, 5766, 12758),  # T
        ),
    ),
    "MA0466.4": (
        "CEBPB",
        (
            (8993, 1, 0, 1855, 0, 101, 185, 11810, 11810, 2),  # A
            (738, 2, 0, 1, 11810, 8, 10010, 81, 1, 2844),  # C
            (2817, 0, 79, 9955, 2, 11810, 3, 0, 0, 737),  # G
            (7, 11810, 11810, 182, 110, 0, 1800, 0, 0, 8966),  # T
        ),
    ),
    "MA0099.4": (
        "FOS::JUN",
        (
            (592, 3, 7, 820, 78, 5, 30, 992, 24),  # A
            (111, 5, 1, 131, 180, 2, 963, 2, 313),  # C
            (257, 2, 824, 4, 688, 2, 3, 2, 95),  # G
            (40, 990, 168, 45, 54, 991, 4, 4, 568),  # T
        ),
    ),
    "MA0139.2": (
        "CTCF",
        (
            (281, 56, 8, 744, 40, 107, 851, 5, 333, 54, 12, 56, 104, 372, 82),  # A
            (49, 800, 903, 13, 528, 433, 11, 0, 3, 12, 0, 8, 733, 13, 482),  # C
            (449, 21, 0, 65, 334, 48, 32, 903, 566, 504, 890, 775, 5, 507, 307),  # G
            (134, 36, 2, 91, 11, 324, 18, 3, 9, 341, 8, 71, 67, 17, 37),  # T
        ),
    ),
}


@dataclass(frozen=True)
class Motif:
    """A motif as per-position base probabilities.

    Parameters
    ----------
    name : str
        Transcription factor, as JASPAR spells it.
    matrix_id : str
        JASPAR matrix id with version, e.g. ``MA0139.2``.
    probs : np.ndarray, shape=(length_bp, 4)
        Base probabilities per position, columns A, C, G, T; rows sum to 1.
    source : str
        Where the matrix came from (JASPAR release via pyjaspar, or the built-in copy).
    """

    name: str
    matrix_id: str
    probs: np.ndarray
    source: str

    @property
    def length_bp(self) -> int:
        return len(self.probs)

    @property
    def consensus(self) -> str:
        """Most probable base at every position."""
        return "".join("ACGT"[i] for i in self.probs.argmax(axis=1))

    def log_odds(self, site: str, background: np.ndarray = np.full(4, 0.25)) -> float:
        """Log2-odds score of a site of ``length_bp`` bases (forward strand) against ``background``."""
        index = np.array(["ACGT".index(b) for b in site.upper()])
        return float(np.log2(self.probs[np.arange(len(index)), index] / background[index]).sum())

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "matrix_id": self.matrix_id,
            "source": self.source,
            "consensus": self.consensus,
            "probabilities": {b: self.probs[:, i].round(6).tolist() for i, b in enumerate("ACGT")},
        }


def _from_counts(name: str, matrix_id: str, counts, source: str) -> Motif:
    counts = np.asarray(counts, dtype=float).T  # (length_bp, 4)
    probs = counts / counts.sum(axis=1, keepdims=True)
    return Motif(name, matrix_id, (1 - UNIFORM_MIX) * probs + UNIFORM_MIX / 4, source)


def open_jaspar(release: str | None = None):
    """pyjaspar's offline JASPAR database: the one place enhancerlm opens JASPAR.

    The release is pinned (``JASPAR_RELEASE``) rather than pyjaspar's newest, so that synthetic data,
    planted motifs and motif matches stay the same when pyjaspar is upgraded (matrix versions such
    as MA0466.4 change between releases); the built-in copies are from the same release.

    Parameters
    ----------
    release : str or None
        e.g. ``"JASPAR2026"``; None: ``JASPAR_RELEASE``.

    Raises
    ------
    ImportError
        pyjaspar is not installed (the ``interpret`` extra).
    ConfigError
        pyjaspar does not bundle ``release``.
    """
    import pyjaspar

    release = release or JASPAR_RELEASE
    if release not in pyjaspar.jaspar_releases:
        raise ConfigError(f"JASPAR release {release!r} is not bundled; available: {sorted(pyjaspar.jaspar_releases)}")
    return pyjaspar.jaspardb(release=release)


def _from_pyjaspar(matrix_ids, release: str) -> dict[str, Motif]:
    try:
        db = open_jaspar(release)
    except ImportError:
        logger.info("pyjaspar is not installed: using the built-in copy of the default motifs")
        return {}
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjaspar warns on every empty lookup
        for matrix_id in matrix_ids:
            m = db.fetch_motif_by_id(matrix_id)
            if m is not None:
                counts = [m.counts[b] for b in "ACGT"]
                found[matrix_id] = _from_counts(m.name, matrix_id, counts, f"{release} via pyjaspar")
    return found


def load_motifs(matrix_ids=DEFAULT_MATRIX_IDS, release: str = JASPAR_RELEASE) -> list[Motif]:
    """Motifs by JASPAR matrix id, from pyjaspar's offline database, else from the built-in copy.

    Parameters
    ----------
    matrix_ids : sequence of str
        JASPAR ids with version. Ids outside ``DEFAULT_MATRIX_IDS`` need pyjaspar.
    release : str
        JASPAR release bundled with pyjaspar (e.g. ``JASPAR2024``).

    Returns
    -------
    list of Motif, in the order of ``matrix_ids``
    """
    found = _from_pyjaspar(matrix_ids, release)
    motifs = []
    for matrix_id in matrix_ids:
        if matrix_id in found:
            motifs.append(found[matrix_id])
        elif matrix_id in _BUILTIN_COUNTS:
            name, counts = _BUILTIN_COUNTS[matrix_id]
            motifs.append(_from_counts(name, matrix_id, counts, "JASPAR2024 (built-in copy)"))
        else:
            raise InputError(
                f"motif {matrix_id!r}: not in {release} (pyjaspar) nor among the built-in "
                f"motifs {sorted(_BUILTIN_COUNTS)}"
            )
    return motifs
