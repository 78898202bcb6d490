"""A Hugging Face tokenizer (BPE, non-overlapping 6-mers, characters, ...) behind the token-encoder protocol."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from enhancerlm.errors import ConfigError

log = logging.getLogger(__name__)

# Tokenizers whose model_max_length is unset report this sentinel (transformers' VERY_LARGE_INTEGER ~ 1e30).
_UNSET_MAX_LENGTH = 10**12
_PROBE = "ACGTTGCAAGCT"


class HubTokenEncoder:
    """Adapts a ``transformers`` tokenizer to ``encode_batch`` / ``pad_id`` / ``save_pretrained``.

    Sequences are encoded whole (the hub tokenizer's own special tokens included, no padding).
    ``enhancerlm.predict`` windows sequences by ``max_bp`` before they get here; should a window
    still need more than ``max_tokens`` tokens (e.g. runs of N, which 6-mer vocabularies spell one
    base per token), its tokens past the limit are dropped (the closing special tokens kept) and a
    warning says how many sequences were cut.

    Parameters
    ----------
    tokenizer : transformers.PreTrainedTokenizerBase
    max_tokens : int or None
        Longest input the model takes, special tokens included; None: no limit.
    """

    def __init__(self, tokenizer, max_tokens: int | None = None):
        if tokenizer.pad_token_id is None:
            raise ConfigError(f"tokenizer {tokenizer.name_or_path!r} has no padding token; batches cannot be padded")
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.pad_id = int(tokenizer.pad_token_id)
        self.n_prefix, self.n_suffix = _special_layout(tokenizer)

    def __repr__(self) -> str:
        return f"HubTokenEncoder({type(self.tokenizer).__name__}, max_tokens={self.max_tokens})"

    @property
    def n_special(self) -> int:
        """Special tokens added to every sequence (e.g. 1 for NT's <cls>, 2 for [CLS] ... [SEP])."""
        return self.n_prefix + self.n_suffix

    def encode_batch(self, seqs: Sequence[str]) -> list[np.ndarray]:
        """Sequences -> token ids with the tokenizer's special tokens, one int64 array each."""
        if len(seqs) == 0:
            return []
        encoded = self.tokenizer(list(seqs), add_special_tokens=True, padding=False, truncation=False, verbose=False)[
            "input_ids"
        ]
        ids = [np.asarray(x, dtype=np.int64) for x in encoded]
        return self._fit_max_tokens(ids) if self.max_tokens else ids

    def tokens(self, seq: str) -> list[str]:
        """The token strings of ``seq``, special tokens included, as the model sees them."""
        return self.tokenizer.convert_ids_to_tokens(self.encode_batch([seq])[0].tolist())

    def _fit_max_tokens(self, ids: list[np.ndarray]) -> list[np.ndarray]:
        assert self.max_tokens is not None  # only called when max_tokens is set
        keep = self.max_tokens - self.n_suffix
        too_long = [i for i, x in enumerate(ids) if len(x) > self.max_tokens]
        for i in too_long:
            ids[i] = np.concatenate([ids[i][:keep], ids[i][len(ids[i]) - self.n_suffix :]])
        if too_long:
            log.warning(
                "%d of %d sequences needed more than %d tokens (their bases tokenize unusually "
                "finely, e.g. runs of N) and lost the bases past that limit",
                len(too_long),
                len(ids),
                self.max_tokens,
            )
        return ids

    def bp_per_token(self, length_bp: int = 1200, seed: int = 0) -> float:
        """Bases per token (special tokens excluded) on a random A/C/G/T sequence of ``length_bp``.

        Exact for character and non-overlapping k-mer vocabularies; for BPE vocabularies learned on
        genomes a random sequence merges less than real DNA, so this is a conservative estimate.
        """
        seq = "".join(np.random.default_rng(seed).choice(list("ACGT"), length_bp))
        n_tokens = len(self.tokenizer(seq, add_special_tokens=False, verbose=False)["input_ids"])
        return length_bp / max(n_tokens, 1)

    def max_bp(self, bp_per_token: float | None = None) -> int | None:
        """Longest sequence, in bp, expected to fit in ``max_tokens``; None without a limit.

        ``(max_tokens - special tokens - (ceil(bp_per_token) - 1)) * bp_per_token``: the last term is
        room for a remainder shorter than one token, which k-mer vocabularies such as the Nucleotide
        Transformer's spell one base per token (a 585 bp sequence is 97 6-mers + 3 single bases).
        """
        if self.max_tokens is None:
            return None
        per_token = bp_per_token or self.bp_per_token()
        room = self.max_tokens - self.n_special - (math.ceil(per_token) - 1)
        return max(int(room * per_token), 1)

    def save_pretrained(self, directory: str | Path) -> None:
        """Write the hub tokenizer's own files (``AutoTokenizer.from_pretrained`` reads them back)."""
        self.tokenizer.save_pretrained(str(directory))


def infer_max_tokens(tokenizer, config) -> int | None:
    """The model's input limit in tokens: the tokenizer's ``model_max_length``, else positions - 2, else None.

    ``max_position_embeddings - 2`` because RoBERTa/ESM-style models reserve two positions (their
    position ids start after the padding index); for BERT-style models it only costs two tokens.
    """
    if tokenizer.model_max_length and tokenizer.model_max_length < _UNSET_MAX_LENGTH:
        return int(tokenizer.model_max_length)
    positions = getattr(config, "max_position_embeddings", None)
    return int(positions) - 2 if positions else None


def _special_layout(tokenizer) -> tuple[int, int]:
    """(tokens before, tokens after) a sequence's own tokens, found by encoding a probe with and without specials."""
    body = list(tokenizer(_PROBE, add_special_tokens=False)["input_ids"])
    full = list(tokenizer(_PROBE, add_special_tokens=True)["input_ids"])
    for start in range(len(full) - len(body) + 1):
        if full[start : start + len(body)] == body:
            return start, len(full) - len(body) - start
    return 0, max(len(full) - len(body), 0)
