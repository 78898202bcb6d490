"""DNABERT-style attention maps: how much [CLS] attends to each k-mer in a layer, averaged back onto bases."""

from __future__ import annotations

import contextlib
import logging
from typing import Sequence

import numpy as np
import torch

from enhancerlm.device import default_batch_size
from enhancerlm.errors import ConfigError
from enhancerlm.interpret.gradients import require_hf
from enhancerlm.interpret.tokens import token_layout, tokens_to_bases
from enhancerlm.models.hf import length_sorted_batches, pad_batch, preserved_model_state

log = logging.getLogger(__name__)


@contextlib.contextmanager
def eager_attention(model):
    """Switch ``model`` to eager attention for the block: SDPA/flash kernels return no attention weights."""
    previous = getattr(model.config, "_attn_implementation", None)
    if previous in (None, "eager") or not hasattr(model, "set_attn_implementation"):
        yield model
        return
    log.debug("attention: %s -> eager for the call (it returns no weights)", previous)
    model.set_attn_implementation("eager")
    try:
        yield model
    finally:
        model.set_attn_implementation(previous)


def cls_attention(
    classifier,
    seqs: Sequence[str],
    *,
    layer: int = -1,
    batch_size: int | None = None,
) -> list[np.ndarray]:
    """Attention from [CLS] to every token in ``layer``, averaged over heads and projected onto bases.

    Attention to [CLS] and [SEP] themselves is dropped; each base gets the mean attention of the
    k-mers covering it (so a base's values do not sum to 1 over the sequence). Sequences must fit
    in ``classifier.max_bp``.

    Parameters
    ----------
    classifier : TransformerClassifier
        A transformer whose tokens start with [CLS] (DNABERT and similar).
    seqs : sequence of str
    layer : int
        Layer index, Python-style (-1: the last layer).
    batch_size : int or None

    Returns
    -------
    list of np.ndarray, each shape=(L_i,)
        Attention weights (0..1) per base.
    """
    model = require_hf(classifier, "attention")
    encoder = classifier.encoder
    ids = encoder.encode_batch(seqs)
    if getattr(encoder, "cls_id", None) is None or any(len(x) == 0 or int(x[0]) != encoder.cls_id for x in ids):
        raise ConfigError("--method attention needs a transformer whose inputs start with [CLS] (e.g. DNABERT)")
    batch_size = batch_size or default_batch_size(classifier.device)
    rows_out: list[np.ndarray] = [np.empty(0)] * len(seqs)
    with preserved_model_state(classifier, eval_mode=True), eager_attention(model), torch.inference_mode():
        for rows in length_sorted_batches(ids, batch_size):
            cls_rows = _cls_rows(model, classifier, [ids[i] for i in rows], layer)
            for row, att in zip(rows, cls_rows):
                rows_out[row] = att
    return [tokens_to_bases(a, len(s), *token_layout(encoder, len(s), x)) for a, s, x in zip(rows_out, seqs, ids)]


def _cls_rows(model, classifier, ids, layer: int) -> list[np.ndarray]:
    """[CLS] query row of ``layer``'s attention, mean over heads, shape=(n_tokens,) per sequence."""
    device = classifier.device
    input_ids, mask = pad_batch(ids, classifier.encoder.pad_id)
    out = model(input_ids=input_ids.to(device), attention_mask=mask.to(device), output_attentions=True)
    if not out.attentions:
        raise ConfigError(f"model {classifier.backbone!r} returned no attention weights")
    try:
        att = out.attentions[layer]  # (batch, heads, query, key)
    except IndexError:
        raise ConfigError(f"attention layer={layer}: the model has {len(out.attentions)} layers") from None
    cls = att[:, :, 0, :].float().mean(dim=1).cpu().numpy()
    return [cls[r, : len(x)] for r, x in enumerate(ids)]
