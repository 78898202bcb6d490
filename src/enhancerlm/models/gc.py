"""GC-content baseline: one feature, the GC fraction, into the task's linear head.

Enhancer sets are often GC-richer than their backgrounds; a model that barely beats this baseline
has mostly learned GC content. The head is a logistic regression (binary, multi-class), one per
label (multi-label: how much of each cell type's call GC alone explains) or a linear regression per
target (regression), as :mod:`enhancerlm.models.task_heads` fits them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from enhancerlm.models.base import manifest_task
from enhancerlm.models.kmer_lr import LinearBaseline
from enhancerlm.models.registry import register_family
from enhancerlm.sequences.dna import gc_fraction
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task


def gc_feature(seqs: Sequence[str]) -> np.ndarray:
    """The model's feature: GC fraction of the A/C/G/T bases, shape=(len(seqs),); 0.5 when there are none.

    :func:`enhancerlm.sequences.dna.gc_fraction` says NaN for a sequence with no A/C/G/T (unknown);
    a logistic regression needs a number, and 0.5 is the neutral one.
    """
    return np.nan_to_num(gc_fraction(seqs), nan=0.5)


@register_family("gc")
class GCClassifier(LinearBaseline):
    """GC fraction -> standardisation -> the task's linear head (logistic, per-label logistic, or linear)."""

    def __init__(self, label_map: LabelMap | Task, backbone: str = "gc"):
        self.label_map, self.backbone = label_map, backbone

    def features(self, seqs: Sequence[str]) -> np.ndarray:
        """Feature matrix, shape=(len(seqs), 1): the GC fraction."""
        return gc_feature(seqs)[:, None]

    @classmethod
    def from_manifest(cls, manifest: dict) -> "GCClassifier":
        return cls(manifest_task(manifest), backbone=manifest["backbone"])
