"""Gapped k-mer frequencies + logistic regression: the gkm-SVM idea (Ghandi et al. 2014) with a linear model.

A transcription-factor site tolerates substitutions at some positions, so contiguous k-mers split one
site's evidence over many rare features. Gapped k-mers count words of ``length`` bp in which only
``informative`` positions are read (the first and the last always, the others every way of choosing
them), so one feature collects a site and its variants at the gaps. Counting both strands makes the
features strand-symmetric. scikit-learn has no gapped k-mer featuriser and gkm-SVM's own tools are
C++ programs outside Python, hence these few lines of numpy: every word of a window is read from a
table of all 5**length windows (:mod:`enhancerlm.models.word_features`).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from typing import Sequence

import numpy as np
from scipy import sparse

from enhancerlm.errors import ConfigError
from enhancerlm.models.base import manifest_task
from enhancerlm.models.kmer_lr import LinearBaseline
from enhancerlm.models.registry import register_family
from enhancerlm.models.word_features import WordFeatures, WordTable
from enhancerlm.sequences.dna import ATCG, kmer_ids, reverse_complement_codes, window_codes
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task

MAX_LENGTH = 8  # bp per word: the table of every window has 5**8 = 390,625 rows


def gapped_masks(length: int, informative: int) -> list[tuple[int, ...]]:
    """Offsets read in a word of ``length`` bp: the first and last, plus every choice of the rest."""
    if not 2 <= informative <= length:
        raise ConfigError(f"gapped k-mers: need 2 <= informative ({informative}) <= length ({length})")
    return [(0, *inner, length - 1) for inner in combinations(range(1, length - 1), informative - 2)]


@lru_cache(maxsize=8)
def gapped_table(length: int = 7, informative: int = 5) -> WordTable:
    """The word table of ``gapped_kmer_frequencies``: a window of ``length`` bp holds, for every mask,
    the word it reads on each strand; each mask is one block."""
    masks = gapped_masks(length, informative)
    if length > MAX_LENGTH:
        raise ConfigError(f"gapped k-mers: length {length} bp is over {MAX_LENGTH} (the word table has 5**length rows)")
    windows = window_codes(length)
    rows, cols = [], []
    for m, mask in enumerate(masks):
        for strand in (windows, reverse_complement_codes(windows, ATCG)):
            ids, valid = kmer_ids(strand[:, list(mask)], informative, order=ATCG)  # N at a gap is not read
            rows.append(np.flatnonzero(valid[:, 0]))
            cols.append(m * 4**informative + ids[valid])
    block = np.repeat(np.arange(len(masks)), 4**informative)
    return WordTable(length, True, np.concatenate(rows), np.concatenate(cols), block)


def gapped_kmer_frequencies(seqs: Sequence[str], length: int = 7, informative: int = 5) -> sparse.csr_matrix:
    """Gapped k-mer frequencies on both strands, shape=(len(seqs), n_masks * 4**informative), float32 CSR.

    Column ``m * 4**informative + id`` counts mask ``m`` (``gapped_masks`` order) reading the word
    ``id`` (A=0, T=1, C=2, G=3 digits, first offset most significant). Words with N are skipped;
    each mask's counts are divided by its number of valid words on the two strands (zeros if none).
    One vectorised pass (:class:`WordFeatures`); for 7 bp words with 5 informative positions about
    15 nonzeros per bp of sequence, 8 bytes each (the model itself keeps them in product form).
    """
    return WordFeatures(seqs, gapped_table(length, informative)).tocsr()


@register_family("gkm-lr")
class GappedKmerLRClassifier(LinearBaseline):
    """Gapped k-mer frequencies (both strands) -> standardisation -> logistic regression.

    Parameters
    ----------
    label_map : LabelMap
    length : int
        Word length in bp (gkm-SVM's l).
    informative : int
        Positions read in each word (gkm-SVM's k); the features number C(length-2, informative-2) * 4**informative.
    backbone : str
        Registry name.
    """

    def __init__(self, label_map: LabelMap | Task, length: int = 7, informative: int = 5, backbone: str = "gkm-lr"):
        if informative > 6:
            raise ConfigError(f"gkm-lr: informative={informative} gives too many features (at most 6)")
        gapped_table(length, informative)  # validates (and builds the table once)
        self.label_map, self.length, self.informative, self.backbone = label_map, length, informative, backbone

    @property
    def min_bp(self) -> int:  # type: ignore[override]  # read-only here: it follows the word length
        """Shorter records hold no gapped word: all-zero features, scored on the intercept alone."""
        return self.length

    def features(self, seqs: Sequence[str]) -> WordFeatures:
        """Gapped k-mer frequencies (``gapped_kmer_frequencies``' columns) in product form."""
        return WordFeatures(seqs, gapped_table(self.length, self.informative))

    def params(self) -> dict:
        return {"length": self.length, "informative": self.informative}

    @classmethod
    def from_manifest(cls, manifest: dict) -> "GappedKmerLRClassifier":
        return cls(manifest_task(manifest), manifest["length"], manifest["informative"], manifest["backbone"])
