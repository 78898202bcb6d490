"""The contract every model meets, language model or baseline: sequences in, class probabilities out."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Sequence

import numpy as np

from enhancerlm.errors import ConfigError
from enhancerlm.io import write_text_atomic
from enhancerlm.sequences.records import LabelMap

if TYPE_CHECKING:  # the registry imports this module
    from enhancerlm.models.registry import BackboneSpec, CreateOptions

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
    min_bp : int
        Shortest sequence, in bp, that gives the model one token of its own (k for k-mer models,
        1 otherwise); shorter records are kept and scored on ``[CLS] [SEP]`` alone.
    fits_in_closed_form : bool
        True for models trained by their own ``fit(train_table, seed=...)`` (k-mer LR, GC, ensembles
        of them): no untrained head, no learning rate. False: fine-tuned by ``enhancerlm.train``.
    """

    label_map: LabelMap
    backbone: str
    family: str
    max_bp: int | None = None
    min_bp: int = 1
    fits_in_closed_form: ClassVar[bool] = False

    @classmethod
    def create(cls, spec: "BackboneSpec", label_map: LabelMap, options: "CreateOptions") -> "SequenceClassifier":
        """A fresh classifier for ``spec`` (``registry.create_classifier`` calls it): untrained head or model."""
        raise NotImplementedError(f"{cls.__name__} is not created from a registry entry")

    @classmethod
    def create_encoder(cls, spec: "BackboneSpec", source: str | None, trust_remote_code: bool = False):
        """The family's token encoder for ``spec`` (``source``: a folder or hub id), without the model.

        Families without a tokenizer (k-mer LR, GC, ensembles) keep this default, a ConfigError.
        """
        raise ConfigError(f"backbone {spec.name!r} ({spec.family}) has no tokenizer to show")

    @classmethod
    def spec_for_folder(cls, path: Path) -> "BackboneSpec | None":
        """The family's registry entry that a hub-layout folder without our manifest holds, or None."""
        return None

    def to(self, device) -> "SequenceClassifier":
        """Move the model's weights to ``device``; returns self (a no-op for models without torch weights)."""
        return self

    def compile(self) -> bool:
        """``torch.compile`` the model in place; False where there is nothing to compile."""
        return False

    def quantize(self, mode: str) -> "SequenceClassifier":
        """A copy for CPU inference whose linear layers run in ``mode`` (``"int8"``); self is left as it is.

        Call it through ``enhancerlm.models.quantize.quantize``. Models without torch linear layers
        (k-mer LR, GC) keep this default, a ConfigError.
        """
        raise ConfigError(
            f"--quantize {mode}: backbone {self.backbone!r} ({self.family}) has no linear layers to quantise"
        )

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
