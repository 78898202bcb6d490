"""Token scores -> base scores: the k-mer layout of a tokenizer's ids and the projection onto bases."""

from __future__ import annotations

import numpy as np

from enhancerlm.errors import ConfigError


def token_layout(encoder, length_bp: int, ids: np.ndarray) -> tuple[int, int]:
    """(k, offset) of a tokenized sequence: body token j covers bases j..j+k-1 and sits at index j + offset.

    k is the encoder's ``k`` (1 for character tokenizers, which have none). The offset is 1 when the
    ids start with [CLS] and 0 otherwise, read off the ids so tokenizers with and without special
    tokens both work.

    Parameters
    ----------
    encoder : TokenEncoder
    length_bp : int
        Length of the sequence that gave ``ids``.
    ids : np.ndarray, shape=(n_tokens,)
    """
    k = int(getattr(encoder, "k", 1))
    n_body = max(length_bp - k + 1, 0)
    extra = len(ids) - n_body
    cls_id = getattr(encoder, "cls_id", None)
    starts_with_cls = cls_id is not None and len(ids) > 0 and int(ids[0]) == cls_id
    if extra not in (0, 1, 2):
        raise ConfigError(
            f"tokenizer {encoder!r} gave {len(ids)} tokens for {length_bp} bp; per-base attribution needs "
            "overlapping k-mer or character tokens (one token per base position)"
        )
    return k, 1 if (extra > 0 and starts_with_cls) else 0


def tokens_to_bases(token_scores: np.ndarray, length_bp: int, k: int, offset: int) -> np.ndarray:
    """Project token scores onto bases: a base's score is the mean over the k-mer tokens that cover it.

    Base i is covered by body tokens max(0, i-k+1)..min(i, n_body-1) (k of them away from the ends,
    fewer near the ends); for character tokens (k = 1) the projection is the identity.

    Parameters
    ----------
    token_scores : np.ndarray, shape=(n_tokens,)
        One score per token, special tokens included.
    length_bp : int
    k : int
    offset : int
        Index of the first body token (1 after [CLS]).

    Returns
    -------
    np.ndarray, shape=(length_bp,)
    """
    n_body = max(length_bp - k + 1, 0)
    body = np.asarray(token_scores, dtype=np.float64)[offset : offset + n_body]
    if n_body == 0:
        return np.zeros(length_bp)
    cumsum = np.concatenate([[0.0], np.cumsum(body)])
    pos = np.arange(length_bp)
    lo = np.clip(pos - k + 1, 0, n_body)
    hi = np.clip(pos, 0, n_body - 1) + 1
    return (cumsum[hi] - cumsum[lo]) / (hi - lo)
