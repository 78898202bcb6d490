"""Gapped k-mer frequencies + logistic regression: the gkm-SVM idea (Ghandi et al. 2014) with a linear model.

A transcription-factor site tolerates substitutions at some positions, so contiguous k-mers split one
site's evidence over many rare features. Gapped k-mers count words of ``length`` bp in which only
``informative`` positions are read (the first and the last always, the others every way of choosing
them), so one feature collects a site and its variants at the gaps. Counting both strands makes the
features strand-symmetric. scikit-learn has no gapped k-mer featuriser and gkm-SVM's own tools are
C++ programs outside Python, hence these few lines of numpy.
"""

from __future__ import annotations

from itertools import combinations
from typing import Sequence

import numpy as np

from enhancerlm.errors import ConfigError
from enhancerlm.models.base import manifest_task
from enhancerlm.models.kmer_lr import LinearBaseline
from enhancerlm.models.registry import register_family
from enhancerlm.sequences.dna import ATCG, concat_codes, reverse_complement
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task

_CHUNK = 1024  # sequences featurised at once: bounds the (chunk, n_features) count matrix


def gapped_masks(length: int, informative: int) -> list[tuple[int, ...]]:
    """Offsets read in a word of ``length`` bp: the first and last, plus every choice of the rest."""
    if not 2 <= informative <= length:
        raise ConfigError(f"gapped k-mers: need 2 <= informative ({informative}) <= length ({length})")
    return [(0, *inner, length - 1) for inner in combinations(range(1, length - 1), informative - 2)]


def gapped_kmer_frequencies(seqs: Sequence[str], length: int = 7, informative: int = 5) -> np.ndarray:
    """Gapped k-mer frequencies on both strands, shape=(len(seqs), n_masks * 4**informative), float32.

    Column ``m * 4**informative + id`` counts mask ``m`` (``gapped_masks`` order) reading the word
    ``id`` (A=0, T=1, C=2, G=3 digits, first offset most significant). Words with N are skipped;
    each mask's counts are divided by its number of valid words on the two strands (zeros if none).
    """
    masks = gapped_masks(length, informative)
    out = np.empty((len(seqs), len(masks) * 4**informative), dtype=np.float32)
    for lo in range(0, len(seqs), _CHUNK):
        chunk = list(seqs[lo : lo + _CHUNK])
        counts = _counts(chunk, masks, length) + _counts([reverse_complement(s) for s in chunk], masks, length)
        per_mask = counts.reshape(len(chunk), len(masks), -1)
        totals = per_mask.sum(axis=2, keepdims=True)  # differ between masks only where a gap holds an N
        out[lo : lo + _CHUNK] = (per_mask / np.maximum(totals, 1)).reshape(len(chunk), -1)
    return out


def _counts(seqs: list[str], masks: list[tuple[int, ...]], length: int) -> np.ndarray:
    """Counts, shape=(len(seqs), n_masks * 4**k): one pass over the concatenation per mask."""
    k = len(masks[0])
    codes, lengths = concat_codes(seqs, ATCG)  # DNABERT's base order, as the k-mer tokenizer's ids
    n_words = max(len(codes) - length + 1, 0)
    seq_of = np.repeat(np.arange(len(seqs)), lengths)[:n_words]
    # A word counts when it ends inside its own sequence; the N test is per mask (gaps may hold N).
    inside = np.arange(n_words) + length <= np.cumsum(lengths)[seq_of]
    counts = np.zeros((len(seqs), len(masks) * 4**k), dtype=np.float32)
    for m, mask in enumerate(masks):
        read = np.stack([codes[off : off + n_words] for off in mask])  # (k, n_words)
        valid = inside & (read < 4).all(axis=0)
        ids = (read[:, valid].astype(np.int64) * (4 ** np.arange(k - 1, -1, -1))[:, None]).sum(axis=0)
        flat = np.bincount(seq_of[valid] * 4**k + ids, minlength=len(seqs) * 4**k)
        counts[:, m * 4**k : (m + 1) * 4**k] = flat.reshape(len(seqs), 4**k)
    return counts


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
        gapped_masks(length, informative)  # validates
        if informative > 6:
            raise ConfigError(f"gkm-lr: informative={informative} gives too many features (at most 6)")
        self.label_map, self.length, self.informative, self.backbone = label_map, length, informative, backbone

    @property
    def min_bp(self) -> int:  # type: ignore[override]  # read-only here: it follows the word length
        """Shorter records hold no gapped word: all-zero features, scored on the intercept alone."""
        return self.length

    def features(self, seqs: Sequence[str]) -> np.ndarray:
        return gapped_kmer_frequencies(seqs, self.length, self.informative)

    def params(self) -> dict:
        return {"length": self.length, "informative": self.informative}

    @classmethod
    def from_manifest(cls, manifest: dict) -> "GappedKmerLRClassifier":
        return cls(manifest_task(manifest), manifest["length"], manifest["informative"], manifest["backbone"])
