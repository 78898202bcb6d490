"""DNABERT-compatible overlapping k-mer tokenizer, vectorised with numpy.

DNABERT was pre-trained on overlapping k-mers (stride 1). Feeding it non-overlapping k-mers, as some
published fine-tuning code does, gives valid ids in an arrangement the model never saw, so nothing
fails loudly while accuracy drops. This tokenizer only produces the pre-training arrangement.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Sequence

import numpy as np

from enhancerlm.errors import InputError
from enhancerlm.io import write_text_atomic
from enhancerlm.sequences.dna import ATCG, kmer_ids, padded_codes

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID = range(5)
# Base codes are in DNABERT's vocabulary order (A=0, T=1, C=2, G=3); anything else (N, IUPAC, junk)
# has code 4, which makes its k-mers [UNK]. Lower case maps like upper case (soft-masking carries no
# information for the model).
ALPHABET = ATCG
SUPPORTED_K = (3, 4, 5, 6)


def kmer_vocab(k: int) -> list[str]:
    """The DNABERT vocabulary for ``k``: 5 special tokens, then ``product("ATCG", repeat=k)``."""
    _check_k(k)
    return list(SPECIAL_TOKENS) + ["".join(p) for p in itertools.product(ALPHABET, repeat=k)]


def _check_k(k: int) -> None:
    if k not in SUPPORTED_K:
        raise InputError(f"k={k!r} is not supported; DNABERT k-mer sizes are {SUPPORTED_K}")


class KmerTokenizer:
    """Overlapping k-mer tokenizer whose ids equal DNABERT's ``BertTokenizer`` (do_lower_case=False).

    A sequence of L bp gives ``[CLS]``, its L-k+1 k-mers, ``[SEP]``: L-k+3 tokens. A sequence shorter
    than k gives ``[CLS] [SEP]``, as DNABERT's own tokenizer does (input validation keeps such records
    and counts them in a warning).

    Parameters
    ----------
    k : int
        k-mer size, 3 to 6.
    """

    pad_id, unk_id, cls_id, sep_id, mask_id = PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID
    n_prefix, n_suffix = 1, 1  # [CLS] before the k-mers, [SEP] after

    def __init__(self, k: int):
        _check_k(k)
        self.k = k
        self.vocab = kmer_vocab(k)

    def __repr__(self) -> str:
        return f"KmerTokenizer(k={self.k})"

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def n_tokens(self, length_bp: int) -> int:
        """Tokens for a sequence of ``length_bp`` bases, [CLS] and [SEP] included."""
        return max(length_bp - self.k + 1, 0) + 2

    def max_bp(self, max_tokens: int) -> int:
        """Longest sequence, in bp, whose tokens ([CLS]/[SEP] included) fit in ``max_tokens``."""
        return max_tokens - 2 + self.k - 1

    def kmer_ids(self, codes: np.ndarray) -> np.ndarray:
        """ATCG base codes, shape=(..., L) -> token ids of the k-mers, shape=(..., max(L-k+1, 0)), int64.

        No [CLS]/[SEP]; a k-mer with a code-4 base is [UNK].
        """
        ids, valid = kmer_ids(codes, self.k, order=ATCG)
        ids += len(SPECIAL_TOKENS)
        ids[~valid] = UNK_ID
        return ids

    def encode(self, seq: str) -> np.ndarray:
        """One sequence -> token ids with [CLS]/[SEP], shape=(L-k+3,), int64."""
        return self.encode_batch([seq])[0]

    def encode_batch(self, seqs: Sequence[str], block: int = 4096) -> list[np.ndarray]:
        """Many sequences -> one id array each ([CLS] k-mers [SEP]), vectorised over blocks of sequences."""
        out: list[np.ndarray] = []
        for lo in range(0, len(seqs), block):
            out.extend(self._encode_block(seqs[lo : lo + block]))
        return out

    def _encode_block(self, seqs: Sequence[str]) -> list[np.ndarray]:
        # One row per sequence, padded with an invalid code; k-mers that touch the padding are cut off below.
        grid, lengths = padded_codes(seqs, ATCG, min_width=self.k)
        width = grid.shape[1]
        n_tokens = np.maximum(lengths - self.k + 1, 0) + 2
        ids = np.empty((len(seqs), width - self.k + 3), dtype=np.int64)
        ids[:, 0] = CLS_ID
        ids[:, 1:-1] = self.kmer_ids(grid)
        ids[np.arange(len(seqs)), n_tokens - 1] = SEP_ID
        return [row[:n] for row, n in zip(ids, n_tokens)]

    def tokens(self, seq: str) -> list[str]:
        """The k-mer strings of ``seq`` with [CLS]/[SEP], as the model sees them (N k-mers shown as [UNK])."""
        return [self.vocab[i] for i in self.encode(seq)]

    def decode_kmers(self, seq: str) -> list[str]:
        """Upper-cased overlapping k-mers of ``seq``: the space-joined text DNABERT's own tokenizer expects."""
        s = seq.upper()
        return [s[i : i + self.k] for i in range(len(s) - self.k + 1)]

    def save_pretrained(self, directory: str | Path) -> None:
        """Write a Hugging Face tokenizer folder that plain ``BertTokenizer.from_pretrained`` loads."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        write_text_atomic(directory / "vocab.txt", "\n".join(self.vocab) + "\n")
        # do_lower_case must be false: lower-cased k-mers are not in the vocabulary and become [UNK].
        config = {"do_lower_case": False, "tokenizer_class": "BertTokenizer", "model_max_length": 512}
        write_text_atomic(directory / "tokenizer_config.json", json.dumps(config, indent=2) + "\n")
        specials = dict(zip(("pad_token", "unk_token", "cls_token", "sep_token", "mask_token"), SPECIAL_TOKENS))
        write_text_atomic(directory / "special_tokens_map.json", json.dumps(specials, indent=2) + "\n")

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> "KmerTokenizer":
        """Load from a folder with a DNABERT ``vocab.txt``; k is read off the vocabulary, which is checked."""
        vocab_path = Path(directory) / "vocab.txt"
        if not vocab_path.is_file():
            raise InputError(f"{vocab_path}: no vocab.txt, so this is not a k-mer tokenizer folder")
        vocab = vocab_path.read_text().split("\n")
        vocab = [v for v in vocab if v]
        k = _k_from_vocab_size(len(vocab), vocab_path)
        tok = cls(k)
        if vocab != tok.vocab:
            raise InputError(f"{vocab_path}: vocabulary differs from DNABERT's k={k} vocabulary")
        return tok


def _k_from_vocab_size(size: int, where: Path) -> int:
    for k in SUPPORTED_K:
        if size == 4**k + len(SPECIAL_TOKENS):
            return k
    raise InputError(f"{where}: {size} entries is not a DNABERT k-mer vocabulary size (69, 261, 1029, 4101)")
