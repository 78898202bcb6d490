"""GC-content baseline: one feature, the GC fraction, into a logistic regression.

Enhancer sets are often GC-richer than their backgrounds; a model that barely beats this baseline
has mostly learned GC content.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from enhancerlm.models.kmer_lr import LinearBaseline
from enhancerlm.models.registry import BackboneSpec, register, register_family
from enhancerlm.sequences.records import LabelMap

# byte -> (is G or C, is A/C/G/T); N and other letters count in neither, so they leave the fraction alone.
_GC = np.zeros(256, dtype=np.int64)
_ACGT = np.zeros(256, dtype=np.int64)
for _b in "ACGTacgt":
    _ACGT[ord(_b)] = 1
for _b in "GCgc":
    _GC[ord(_b)] = 1


def gc_fraction(seqs: Sequence[str]) -> np.ndarray:
    """GC fraction of the A/C/G/T bases of each sequence, shape=(len(seqs),); 0.5 when it has none."""
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    data = np.frombuffer("".join(seqs).encode("ascii", errors="replace"), dtype=np.uint8)
    seq_of = np.repeat(np.arange(len(seqs)), lengths)
    gc = np.bincount(seq_of, weights=_GC[data], minlength=len(seqs))
    acgt = np.bincount(seq_of, weights=_ACGT[data], minlength=len(seqs))
    return np.divide(gc, acgt, out=np.full(len(seqs), 0.5), where=acgt > 0)


@register_family("gc")
class GCClassifier(LinearBaseline):
    """GC fraction -> standardisation -> logistic regression."""

    def __init__(self, label_map: LabelMap, backbone: str = "gc"):
        self.label_map, self.backbone = label_map, backbone

    def features(self, seqs: Sequence[str]) -> np.ndarray:
        """Feature matrix, shape=(len(seqs), 1): the GC fraction."""
        return gc_fraction(seqs)[:, None]

    @classmethod
    def from_manifest(cls, manifest: dict) -> "GCClassifier":
        return cls(LabelMap.from_dict(manifest), backbone=manifest["backbone"])


register(BackboneSpec(name="gc", family="gc", max_tokens=None, is_baseline=True, finetune=None,
                      description="baseline: GC fraction + logistic regression"))
