"""The contract every model meets, language model or baseline: sequences in, class probabilities out."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import numpy as np

from enhancerlm.io import write_text_atomic
from enhancerlm.sequences.records import LabelMap

# Written into every saved model folder; `load_classifier` reads it to pick the family's loader.
MANIFEST = "enhancerlm.json"


class SequenceClassifier(ABC):
    """A trained or untrained sequence classifier.

    Attributes
    ----------
    label_map : LabelMap
        Class names in id order (binary: ``names[1]`` is the positive class).
    backbone : str
        Registry name the model was created from (e.g. ``"tiny-dnabert-6"``).
    family : str
        Registry family (the module that can load it back).
    max_bp : int or None
        Longest sequence, in bp, scored in one pass; longer ones are windowed by
        ``enhancerlm.predict``. None: no limit.
    """

    label_map: LabelMap
    backbone: str
    family: str
    max_bp: int | None = None

    @abstractmethod
    def predict_proba(self, seqs: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Class probabilities, shape=(len(seqs), n_classes); sequences fit in ``max_bp``."""

    @abstractmethod
    def save(self, directory: str | Path) -> None:
        """Write the model to ``directory`` so that ``load_classifier`` restores it."""

    @classmethod
    @abstractmethod
    def load(cls, directory: str | Path) -> "SequenceClassifier":
        """Restore a model written by ``save``."""

    def write_manifest(self, directory: str | Path, **extra) -> None:
        """Record family, backbone and labels next to the weights."""
        data = {"family": self.family, "backbone": self.backbone, **self.label_map.to_dict(), **extra}
        write_text_atomic(Path(directory) / MANIFEST, json.dumps(data, indent=2) + "\n")


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a saved model folder, or {} where there is none (a plain hub-layout folder)."""
    path = Path(directory) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}
