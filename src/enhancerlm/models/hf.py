"""Transformers models as `SequenceClassifier`s: batched, length-sorted, dynamically padded inference."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np
import torch

from enhancerlm.device import autocast, default_batch_size
from enhancerlm.models.base import SequenceClassifier
# Loading lives in models/weights.py; importable from here as before.
from enhancerlm.models.weights import from_pretrained, load_model  # noqa: F401

log = logging.getLogger(__name__)


class TokenEncoder(Protocol):
    """What a classifier needs from a tokenizer: batch encoding, padding id, saving."""

    pad_id: int

    def encode_batch(self, seqs: Sequence[str]) -> list[np.ndarray]: ...

    def save_pretrained(self, directory: str | Path) -> None: ...


def pad_batch(ids: Sequence[np.ndarray], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to the longest in the batch -> (input_ids, attention_mask), shape=(batch, max_len)."""
    width = max(len(x) for x in ids)
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, x in enumerate(ids):
        input_ids[row, : len(x)] = x
        mask[row, : len(x)] = 1
    return torch.from_numpy(input_ids), torch.from_numpy(mask)


class HFClassifier(SequenceClassifier):
    """A ``*ForSequenceClassification`` model and its tokenizer.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        Returns ``.logits`` of shape (batch, n_classes).
    encoder : TokenEncoder
        Sequences -> token ids ([CLS]/[SEP] included).
    label_map : LabelMap
    backbone : str
        Registry name.
    max_bp : int or None
        Longest sequence that fits in the model's positions.
    """

    def __init__(self, model, encoder: TokenEncoder, label_map, backbone: str, max_bp: int | None):
        self.model = model
        self.encoder = encoder
        self.label_map = label_map
        self.backbone = backbone
        self.max_bp = max_bp

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def predict_logits(self, seqs: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Logits, shape=(len(seqs), n_classes), float32; batches sorted by length to pad little."""
        ids = self.encoder.encode_batch(seqs)
        batch_size = batch_size or default_batch_size(self.device)
        order = np.argsort([len(x) for x in ids], kind="stable")
        out = np.empty((len(seqs), self.model.config.num_labels), dtype=np.float32)
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode(), autocast(self.device):
                for lo in range(0, len(order), batch_size):
                    rows = order[lo : lo + batch_size]
                    input_ids, mask = pad_batch([ids[i] for i in rows], self.encoder.pad_id)
                    logits = self.model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device)).logits
                    out[rows] = logits.float().cpu().numpy()
        finally:
            self.model.train(was_training)
        return out

    def predict_proba(self, seqs: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        logits = self.predict_logits(seqs, batch_size)
        return torch.softmax(torch.from_numpy(logits), dim=-1).numpy()

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        self.model.save_pretrained(directory)  # transformers 5 always writes safetensors
        self.encoder.save_pretrained(directory)
        self.write_manifest(directory, max_bp=self.max_bp)

