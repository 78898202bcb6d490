"""DNABERT-style span masking of overlapping k-mer tokens for masked-language-model pre-training.

Overlapping k-mers share k-1 bases with each neighbour, so masking one token alone leaks it: the
k-mers on either side spell out all of its bases. Masking runs of at least k consecutive tokens
hides at least one base of every masked k-mer (proof in :func:`select_spans`), which is what makes
the task a prediction rather than a copy. DNABERT masks spans of k tokens for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from enhancerlm.errors import ConfigError
from enhancerlm.models.hf import pad_batch
from enhancerlm.tokenization.kmer import MASK_ID, PAD_ID, SPECIAL_TOKENS

IGNORE_INDEX = -100  # label of positions that take no part in the loss (transformers' convention)
N_SPECIAL = len(SPECIAL_TOKENS)  # ids below this are [PAD], [UNK], [CLS], [SEP], [MASK]


def select_spans(n_tokens: int, k: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Choose non-overlapping spans of k consecutive k-mer tokens covering about ``rate`` of them.

    Guarantee: every maximal run of selected tokens has length >= k, or (only when
    ``n_tokens < k``) is the whole sequence. Hence every selected k-mer contains a base that no
    unselected k-mer covers. Proof: token i covers bases i..i+k-1, so base b is covered by tokens
    b-k+1..b at most. For token i of a run s..e with e - s + 1 >= k, take b = min(i+k-1, e):
    token i covers b, and b-k+1..b lies inside s..e, so no unselected token covers b.

    The number of spans is ``rate * n_tokens / k`` rounded stochastically (so the mean rate is
    ``rate``), at least 1 and at most ``n_tokens // k``. Their positions are uniform over all
    non-overlapping placements (stars and bars: sorted distinct draws from
    ``n_tokens - m*(k-1)`` slots, the j-th shifted by ``j*(k-1)``); adjacent spans merge into
    longer runs.

    Parameters
    ----------
    n_tokens : int
        k-mer tokens of the sequence ([CLS]/[SEP] excluded).
    k : int
        k-mer size; also the span length in tokens.
    rate : float
        Target fraction of tokens selected, in (0, 1).
    rng : numpy.random.Generator

    Returns
    -------
    selected : np.ndarray of bool, shape=(n_tokens,)
    """
    selected = np.zeros(n_tokens, dtype=bool)
    if n_tokens < k:
        selected[:] = True  # too short for one span: hide everything rather than leak
        return selected
    expected = rate * n_tokens / k
    n_spans = int(expected) + int(rng.random() < expected - int(expected))
    n_spans = min(max(n_spans, 1), n_tokens // k)
    slots = np.sort(rng.choice(n_tokens - n_spans * (k - 1), size=n_spans, replace=False))
    starts = slots + np.arange(n_spans) * (k - 1)
    selected[(starts[:, None] + np.arange(k)).ravel()] = True
    return selected


def runs(selected: np.ndarray) -> np.ndarray:
    """Maximal runs of True, as (start, end) token indices, end exclusive, shape=(n_runs, 2)."""
    edges = np.diff(np.concatenate([[0], selected.astype(np.int8), [0]]))
    return np.stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)], axis=1)


@dataclass(frozen=True)
class SpanMasker:
    """Turns one tokenised sequence into an MLM example: corrupted input ids and labels.

    Each run of selected tokens is, as a whole, replaced by [MASK] (probability ``mask_prob``),
    by random k-mers (``random_prob``) or kept as it is (the rest): BERT's 80/10/10. The choice is
    made per run, not per token, because one kept token inside a [MASK] run would reveal the hidden
    base of the whole run (a 6-token run would leak about half the time with per-token choices).

    Parameters
    ----------
    k : int
        k-mer size.
    vocab_size : int
        Tokenizer vocabulary size; random replacements are drawn from the k-mer ids.
    rate : float
        Fraction of k-mer tokens selected for prediction.
    mask_prob, random_prob : float
        Probabilities that a run becomes [MASK] or random k-mers; ``1 - mask_prob - random_prob``
        keeps it.
    """

    k: int
    vocab_size: int
    rate: float = 0.15
    mask_prob: float = 0.8
    random_prob: float = 0.1

    def __post_init__(self):
        if not 0 < self.rate < 1:
            raise ConfigError(f"mask rate={self.rate!r} must be between 0 and 1 (exclusive)")
        if self.mask_prob < 0 or self.random_prob < 0 or self.mask_prob + self.random_prob > 1:
            raise ConfigError(
                f"mask_prob={self.mask_prob!r}, random_prob={self.random_prob!r}: each must be >= 0 and their sum <= 1"
            )

    def __call__(self, ids: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Mask one sequence.

        Parameters
        ----------
        ids : np.ndarray of int, shape=(n,)
            ``[CLS] k-mers... [SEP]`` as the k-mer tokenizer gives them, without padding.
        rng : numpy.random.Generator

        Returns
        -------
        input_ids : np.ndarray of int64, shape=(n,)
            Corrupted ids; [CLS] and [SEP] are never touched.
        labels : np.ndarray of int64, shape=(n,)
            Original id at selected k-mer positions, -100 elsewhere ([UNK] k-mers are never labels).
        """
        ids = np.asarray(ids, dtype=np.int64)
        body = select_spans(len(ids) - 2, self.k, self.rate, rng)
        selected = np.concatenate([[False], body, [False]])
        labels = np.where(selected & (ids >= N_SPECIAL), ids, IGNORE_INDEX)
        corrupted = ids.copy()
        for start, end in runs(selected):
            draw = rng.random()
            if draw < self.mask_prob:
                corrupted[start:end] = MASK_ID
            elif draw < self.mask_prob + self.random_prob:
                corrupted[start:end] = rng.integers(N_SPECIAL, self.vocab_size, size=end - start)
        return corrupted, labels


@dataclass(frozen=True)
class SpanMaskingCollator:
    """Batch collator for ``transformers.Trainer``: masks, pads, and builds the attention mask.

    A feature is ``{"input_ids": ids, "mask_seed": int}`` (masked here, reproducibly from its
    seed, so a resumed run masks exactly as an uninterrupted one) or ``{"input_ids": ids,
    "labels": labels}`` (already masked, e.g. the fixed held-out set: only padded). Hand-written
    because ``transformers.DataCollatorForLanguageModeling`` masks single tokens, which leaks
    overlapping k-mers, and needs a Hugging Face tokenizer.

    Parameters
    ----------
    masker : SpanMasker
    pad_id : int
    """

    masker: SpanMasker
    pad_id: int = PAD_ID

    def __call__(self, features: Sequence[dict]) -> dict[str, torch.Tensor]:
        """Features -> ``input_ids``, ``attention_mask``, ``labels``, each shape=(batch, max_tokens)."""
        pairs = [self._example(f) for f in features]
        input_ids, attention_mask = pad_batch([ids for ids, _ in pairs], self.pad_id)
        labels, _ = pad_batch([lab for _, lab in pairs], IGNORE_INDEX)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def _example(self, feature: dict) -> tuple[np.ndarray, np.ndarray]:
        if "labels" in feature:
            return np.asarray(feature["input_ids"]), np.asarray(feature["labels"])
        return self.masker(feature["input_ids"], np.random.default_rng(feature["mask_seed"]))
