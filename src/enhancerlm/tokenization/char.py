"""Character (one id per base) tokenizer for single-nucleotide models such as the one-hot CNN."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from enhancerlm.errors import InputError
from enhancerlm.io import write_text_atomic
from enhancerlm.sequences.dna import ACGT, CODE_TABLES, N_CODE, ascii_bytes

VOCAB = ("[PAD]", "[UNK]", "A", "C", "G", "T", "N")
PAD_ID, UNK_ID = 0, 1
CONFIG_NAME = "char_tokenizer.json"

# byte -> id from the shared ACGT base codes (lower case maps like upper case: soft-masking carries no
# information for the model); N keeps its own id, anything else that is not a nucleotide -> [UNK].
_ID = np.where(CODE_TABLES[ACGT] < N_CODE, CODE_TABLES[ACGT].astype(np.int64) + 2, UNK_ID)
_ID[[ord("N"), ord("n")]] = VOCAB.index("N")


class CharTokenizer:
    """One token per base, no special tokens: a sequence of L bp gives L ids.

    Ids: ``[PAD]=0, [UNK]=1, A=2, C=3, G=4, T=5, N=6``.
    """

    pad_id, unk_id = PAD_ID, UNK_ID
    n_prefix, n_suffix = 0, 0  # no special tokens
    vocab = VOCAB

    def __repr__(self) -> str:
        return "CharTokenizer()"

    @property
    def vocab_size(self) -> int:
        return len(VOCAB)

    def max_bp(self, max_tokens: int) -> int:
        """Longest sequence, in bp, that fits in ``max_tokens`` tokens (one per base)."""
        return max_tokens

    def encode(self, seq: str) -> np.ndarray:
        """One sequence -> ids, shape=(len(seq),), int64."""
        return self.encode_batch([seq])[0]

    def encode_batch(self, seqs: Sequence[str]) -> list[np.ndarray]:
        """Many sequences -> one id array each, from one lookup over their concatenation."""
        if len(seqs) == 0:
            return []
        # Non-ASCII characters become one '?' each ([UNK]), so positions stay aligned with the input.
        ids = _ID[ascii_bytes("".join(seqs))]
        ends = np.cumsum([len(s) for s in seqs])
        return np.split(ids, ends[:-1])

    def tokens(self, seq: str) -> list[str]:
        """The token strings of ``seq`` (one per base; anything but A/C/G/T/N shown as [UNK])."""
        return [VOCAB[i] for i in self.encode(seq)]

    def save_pretrained(self, directory: str | Path) -> None:
        """Write ``char_tokenizer.json`` (the vocabulary, for the reader and as a check on load)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        config = {"tokenizer_class": "CharTokenizer", "vocab": list(VOCAB)}
        write_text_atomic(directory / CONFIG_NAME, json.dumps(config, indent=2) + "\n")

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> "CharTokenizer":
        """Load from a folder written by ``save_pretrained``; the vocabulary must match this version's."""
        path = Path(directory) / CONFIG_NAME
        if not path.is_file():
            raise InputError(f"{path}: not found, so {directory} has no character tokenizer")
        vocab = json.loads(path.read_text()).get("vocab")
        if tuple(vocab or ()) != VOCAB:
            raise InputError(f"{path}: vocabulary {vocab} differs from the character vocabulary {list(VOCAB)}")
        return cls()
