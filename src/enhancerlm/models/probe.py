"""Linear probe: a frozen transformer's embeddings -> standardisation -> the task's linear head (by CV on train).

The protocol of BEND and DART-Eval: no backpropagation, forward passes only. The transformer is never
changed; the head is the pickle-free head of the k-mer baseline for the task, fitted the same way
(:mod:`enhancerlm.models.task_heads`): logistic regression with C by stratified, seeded folds, one per
label for a multi-label task; ridge regression with alpha by leave-one-out for a regression task. Saved as ``backbone/`` (the transformer, as it saves
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
from enhancerlm.models.base import manifest_task, read_manifest
from enhancerlm.models.hf import TransformerClassifier
from enhancerlm.models.kmer_lr import HEAD_FILE, LinearBaseline
from enhancerlm.models.pooling import check_settings, embed_sequences
from enhancerlm.models.registry import load_classifier, register_family
from enhancerlm.models.task_heads import head_from_dict, head_settings
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task

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
    label_map : Task or LabelMap
        What the head predicts.
    pooling : {"mean", "cls"}
    layers : sequence of int
        Hidden-state indices, averaged (see :mod:`enhancerlm.models.pooling`).
    """

    def __init__(
        self,
        transformer: TransformerClassifier,
        label_map: LabelMap | Task,
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
        probe = cls(transformer, manifest_task(manifest), manifest["pooling"], manifest["layers"])
        probe.head = head_from_dict(json.loads(path.read_text()))
        return probe


def write_probe_summary(probe: ProbeClassifier, path: str | Path) -> dict:
    """The probe's setting (C chosen, per label for multi-label; alpha per target for regression; pooling,
    layers, width) as JSON at ``path``; returns it."""
    assert probe.head is not None  # written after fitting
    settings = head_settings(probe.head)
    summary = {
        **{k: v for k, v in settings.items() if k != "n_features"},
        "pooling": probe.pooling,
        "layers": list(probe.layers),
        "n_features": settings["n_features"],
    }
    write_text_atomic(path, json.dumps(summary, indent=2) + "\n")
    return summary
