"""Frozen embeddings: hidden states of chosen layers -> one vector per token window -> one per sequence.

Pooling within a window (one forward pass):

- ``"mean"`` (default): the mean over the window's own sequence tokens; special tokens (``[CLS]``,
  ``[SEP]``, the encoder's ``n_prefix`` / ``n_suffix``) and padding are left out. A window with no
  token of its own (a record shorter than k: ``[CLS] [SEP]`` only) gets the mean of its special tokens.
- ``"cls"``: the hidden state at position 0 (``[CLS]`` for BERTs; for models without one, the first token).

``layers`` picks hidden states by index into ``output.hidden_states`` (0: the embedding layer's output,
1 ... n: after each transformer layer, -1: the last); several layers are averaged before pooling.

Records longer than the model's window are split exactly as ``enhancerlm.predict`` splits them
(:func:`enhancerlm.tokenization.windows.split_windows`), never truncated. A record's vector is the mean of
its window vectors weighted by each window's length in bp: ``v = sum_w bp_w * v_w / sum_w bp_w``. With
that splitting policy every window of a long record is exactly ``window_bp`` long, so this is the plain
mean of its windows (bases in an overlap count once in each window that holds them).
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import torch

from enhancerlm.config import POOLING_MODES
from enhancerlm.errors import ConfigError
from enhancerlm.models.hf import BatchRows, TransformerClassifier
from enhancerlm.tokenization.windows import split_windows

log = logging.getLogger(__name__)

POOLINGS = POOLING_MODES


def require_transformer(classifier) -> TransformerClassifier:
    """``classifier`` if it has a transformer to take hidden states from; else a ConfigError naming it."""
    if not (isinstance(classifier, TransformerClassifier) and classifier.has_hidden_states):
        raise ConfigError(
            f"backbone {getattr(classifier, 'backbone', classifier)!r} ({getattr(classifier, 'family', '?')}) "
            "has no transformer hidden states to embed with; use a language-model backbone "
            "(e.g. tiny-dnabert-6, dnabert-6, a hub model or a fine-tuned `run` model folder)"
        )
    return classifier


def check_layers(classifier: TransformerClassifier, layers: Sequence[int]) -> tuple[int, ...]:
    """``layers`` as a tuple, each a valid index into the model's hidden states (n layers + 1)."""
    layers = tuple(int(layer) for layer in layers)
    if not layers:
        raise ConfigError("layers: give at least one hidden layer index (e.g. -1 for the last)")
    n_layers = getattr(classifier.model.config, "num_hidden_layers", None)
    if n_layers is not None:
        bad = [layer for layer in layers if not -(n_layers + 1) <= layer <= n_layers]
        if bad:
            raise ConfigError(
                f"layer {bad[0]}: backbone {classifier.backbone!r} has hidden states 0 (embeddings) to "
                f"{n_layers} (or -{n_layers + 1} to -1)"
            )
    return layers


def check_settings(classifier, pooling: str, layers: Sequence[int]) -> tuple[TransformerClassifier, tuple[int, ...]]:
    """Validate before computing: (the transformer, the layer indices as a tuple), or a ConfigError."""
    classifier = require_transformer(classifier)
    if pooling not in POOLINGS:
        raise ConfigError(f"pooling={pooling!r}: use one of {', '.join(POOLINGS)}")
    return classifier, check_layers(classifier, layers)


def sequence_token_mask(attention_mask: torch.Tensor, n_prefix: int, n_suffix: int) -> torch.Tensor:
    """True at each row's own sequence tokens, shape=(batch, tokens); all real tokens where a row has none."""
    positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
    lengths = attention_mask.sum(dim=1, keepdim=True)
    inside = (positions >= n_prefix) & (positions < lengths - n_suffix)
    return torch.where(inside.any(dim=1, keepdim=True), inside, attention_mask.bool())


def pool_tokens(
    hidden: torch.Tensor, attention_mask: torch.Tensor, pooling: str, n_prefix: int = 1, n_suffix: int = 1
) -> torch.Tensor:
    """Hidden states, shape=(batch, tokens, hidden) -> one vector per row, shape=(batch, hidden), float32."""
    hidden = hidden.float()
    if pooling == "cls":
        return hidden[:, 0]
    if pooling != "mean":
        raise ConfigError(f"pooling={pooling!r}: use one of {', '.join(POOLINGS)}")
    weights = sequence_token_mask(attention_mask, n_prefix, n_suffix).to(hidden.dtype)
    return (hidden * weights[..., None]).sum(dim=1) / weights.sum(dim=1, keepdim=True)


def hidden_pooler(pooling: str, layers: tuple[int, ...], n_prefix: int, n_suffix: int) -> BatchRows:
    """``TransformerClassifier.forward_rows``' per-batch step: the chosen layers averaged, then pooled."""

    def to_rows(output, attention_mask: torch.Tensor) -> torch.Tensor:
        states = output.hidden_states
        hidden = torch.stack([states[layer].float() for layer in layers]).mean(dim=0)
        return pool_tokens(hidden, attention_mask, pooling, n_prefix, n_suffix)

    return to_rows


def pool_windows(vectors: np.ndarray, seq_index: np.ndarray, weights_bp: np.ndarray, n_seqs: int) -> np.ndarray:
    """Window vectors, shape=(n_windows, hidden) -> per sequence, shape=(n_seqs, hidden), float32.

    Each sequence's vector is the mean of its windows' weighted by ``weights_bp`` (window length, bp);
    computed in float64, so a one-window sequence gets its window's vector exactly.
    """
    sums = np.zeros((n_seqs, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, seq_index, vectors.astype(np.float64) * weights_bp[:, None])
    totals = np.bincount(seq_index, weights=weights_bp, minlength=n_seqs)
    return (sums / totals[:, None]).astype(np.float32)


def embed_sequences(
    classifier,
    seqs: Sequence[str],
    *,
    pooling: str = "mean",
    layers: Sequence[int] = (-1,),
    batch_size: int | None = None,
    stride_bp: int | None = None,
) -> np.ndarray:
    """One frozen embedding per sequence, through the classifier's one batched inference loop.

    Parameters
    ----------
    classifier : TransformerClassifier
        A loaded transformer (registry backbone, hub model or fine-tuned ``run`` model); its weights
        are not changed. Models without one (k-mer LR, GC, CNN, ensembles): ConfigError.
    seqs : sequence of str
    pooling : {"mean", "cls"}
        Within a window; see the module docstring.
    layers : sequence of int
        Hidden-state indices (0: embedding output, -1: last layer); several are averaged.
    batch_size : int, optional
        Windows per forward pass (default: 64 on CPU, 256 on GPU).
    stride_bp : int, optional
        Step between windows of records longer than ``classifier.max_bp`` (default: half a window).

    Returns
    -------
    np.ndarray, shape=(len(seqs), hidden), float32
        In the order of ``seqs``; long records pooled over windows weighted by bp.
    """
    classifier, layers = check_settings(classifier, pooling, layers)
    width = int(classifier.model.config.hidden_size)
    if len(seqs) == 0:
        return np.empty((0, width), dtype=np.float32)
    windows = split_windows(seqs, classifier.max_bp, stride_bp)
    if len(windows.seqs) > len(seqs):
        log.info(
            "%d sequences embedded as %d windows of at most %s bp", len(seqs), len(windows.seqs), classifier.max_bp
        )
    encoder = classifier.encoder
    to_rows = hidden_pooler(pooling, layers, encoder.n_prefix, encoder.n_suffix)
    vectors = classifier.forward_rows(windows.seqs, to_rows, width, batch_size, output_hidden_states=True)
    if len(windows.seqs) == len(seqs):
        return vectors
    weights_bp = np.array([len(s) for s in windows.seqs], dtype=np.float64)
    return pool_windows(vectors, windows.seq_index, weights_bp, len(seqs))
