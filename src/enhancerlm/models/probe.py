"""Linear probe: a frozen transformer's embeddings -> standardisation -> logistic regression (C by CV on train).

The protocol of BEND and DART-Eval: no backpropagation, forward passes only. The transformer is never
changed; the head is the pickle-free ``LinearHead`` of the k-mer baseline, fitted by the same
``fit_linear_head`` (stratified, seeded folds). Saved as ``backbone/`` (the transformer, as it saves
itself) + ``linear_model.json`` (plain numbers) + the manifest (pooling, layers), so ``enhancerlm
predict --model`` loads it without unpickling anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from enhancerlm.errors import InputError
from enhancerlm.io import write_text_atomic
from enhancerlm.models.base import read_manifest
from enhancerlm.models.hf import TransformerClassifier
from enhancerlm.models.kmer_lr import HEAD_FILE, LinearBaseline, LinearHead
from enhancerlm.models.pooling import check_settings, embed_sequences
from enhancerlm.models.registry import load_classifier, register_family
from enhancerlm.sequences.records import LabelMap

BACKBONE_DIR = "backbone"


@register_family("probe")
class ProbeClassifier(LinearBaseline):
    """Frozen-embedding features (:func:`enhancerlm.models.pooling.embed_sequences`) + a linear head.

    ``max_bp`` is None: the probe takes whole records and the embedding windows long ones itself
    (pooled over windows weighted by bp), so ``enhancerlm.predict`` never averages probe probabilities.

    Parameters
    ----------
    transformer : TransformerClassifier
        The frozen backbone; its own classification head is not used.
    label_map : LabelMap
    pooling : {"mean", "cls"}
    layers : sequence of int
        Hidden-state indices, averaged (see :mod:`enhancerlm.models.pooling`).
    """

    def __init__(
        self,
        transformer: TransformerClassifier,
        label_map: LabelMap,
        pooling: str = "mean",
        layers: Sequence[int] = (-1,),
    ):
        self.transformer, self.layers = check_settings(transformer, pooling, layers)
        self.label_map, self.pooling, self.backbone = label_map, pooling, transformer.backbone

    @property
    def min_bp(self) -> int:  # type: ignore[override]  # follows the transformer's tokenizer
        return self.transformer.min_bp

    def features(self, seqs: Sequence[str]) -> np.ndarray:
        """Embeddings, shape=(len(seqs), hidden), float64 for the head."""
        vectors = embed_sequences(self.transformer, seqs, pooling=self.pooling, layers=self.layers)
        return vectors.astype(np.float64)

    def params(self) -> dict:
        return {"pooling": self.pooling, "layers": list(self.layers)}

    def to(self, device) -> "ProbeClassifier":
        self.transformer.to(device)
        return self

    @classmethod
    def from_manifest(cls, manifest: dict):  # pragma: no cover - load() builds it with its transformer
        raise NotImplementedError("a probe is loaded with its backbone: ProbeClassifier.load(directory)")

    def save(self, directory: str | Path) -> None:
        """``backbone/`` + ``linear_model.json`` + manifest; nothing pickled."""
        directory = Path(directory)
        super().save(directory)
        self.transformer.save(directory / BACKBONE_DIR)

    @classmethod
    def load(cls, directory: str | Path) -> "ProbeClassifier":
        directory = Path(directory)
        path = directory / HEAD_FILE
        if not path.is_file() or not (directory / BACKBONE_DIR).is_dir():
            raise InputError(f"{directory}: not a saved probe (needs {HEAD_FILE} and {BACKBONE_DIR}/)")
        manifest = read_manifest(directory)
        transformer = load_classifier(directory / BACKBONE_DIR)
        assert isinstance(transformer, TransformerClassifier)  # probes are only built on transformers
        probe = cls(transformer, LabelMap.from_dict(manifest), manifest["pooling"], manifest["layers"])
        probe.head = LinearHead.from_dict(json.loads(path.read_text()))
        return probe


def write_probe_summary(probe: ProbeClassifier, path: str | Path) -> dict:
    """The probe's setting (C chosen, pooling, layers, width) as JSON at ``path``; returns it."""
    assert probe.head is not None  # written after fitting
    summary = {
        "C": probe.head.C,
        "pooling": probe.pooling,
        "layers": list(probe.layers),
        "n_features": probe.head.mean.size,
    }
    write_text_atomic(path, json.dumps(summary, indent=2) + "\n")
    return summary
