"""Tiny models built from configs (no downloads) and toy data for the model tests."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from transformers import BertForMaskedLM, EsmConfig, EsmForMaskedLM, EsmTokenizer

from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.tokenization.kmer import KmerTokenizer
from tests.helpers import tiny_bert_config

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"])

# A Nucleotide-Transformer-like vocabulary: specials, the 4096 6-mers, then single bases.
NT_VOCAB = (
    ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"]
    + ["".join(p) for p in itertools.product("ATCG", repeat=6)]
    + list("ATCGN")
)
NT_MAX_TOKENS = 100


def random_seqs(n: int, lo: int, hi: int, seed: int = 0, alphabet: str = "ACGT") -> list[str]:
    """``n`` random sequences with lengths drawn from [lo, hi]."""
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list(alphabet), int(rng.integers(lo, hi + 1)))) for _ in range(n)]


def gc_seqs(n: int, gc: float, length: int, rng: np.random.Generator) -> list[str]:
    """``n`` sequences whose bases are G or C with probability ``gc``."""
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return ["".join(rng.choice(list("ACGT"), length, p=p)) for _ in range(n)]


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread):
    yield


@pytest.fixture(scope="session")
def make_seqs():
    """``make_seqs(n, lo, hi, seed=0)``: random A/C/G/T sequences."""
    return random_seqs


@pytest.fixture(scope="session")
def gc_table():
    """80 GC-rich enhancers and 80 AT-rich negatives (200 bp), alternating, so any slice is balanced."""
    rng = np.random.default_rng(1)
    pos, neg = gc_seqs(80, 0.6, 200, rng), gc_seqs(80, 0.4, 200, rng)
    seqs = [s for pair in zip(pos, neg) for s in pair]
    labels = ["enhancer", "not_enhancer"] * 80
    return make_table([f"r{i}" for i in range(160)], seqs, labels)


@pytest.fixture(scope="session")
def dnabert_folder(tmp_path_factory) -> Path:
    """A tiny BERT in DNABERT's hub layout: config.json without model_type, do_lower_case true."""
    folder = tmp_path_factory.mktemp("dnabert_hub")
    tokenizer = KmerTokenizer(6)
    BertForMaskedLM(tiny_bert_config(tokenizer.vocab_size)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    _edit_json(folder / "config.json", lambda c: c.pop("model_type"))
    _edit_json(folder / "tokenizer_config.json", lambda c: c.update(do_lower_case=True))
    return folder


@pytest.fixture(scope="session")
def nt_folder(tmp_path_factory) -> Path:
    """A tiny Nucleotide-Transformer-like ESM (6-mer EsmTokenizer, no remote code) in hub layout."""
    folder = tmp_path_factory.mktemp("nt_hub")
    (folder / "vocab.txt").write_text("\n".join(NT_VOCAB))
    EsmTokenizer(str(folder / "vocab.txt"), eos_token=None, model_max_length=NT_MAX_TOKENS).save_pretrained(folder)
    config = EsmConfig(
        vocab_size=len(NT_VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=NT_MAX_TOKENS + 2,
        pad_token_id=1,
        mask_token_id=2,
        position_embedding_type="absolute",
        token_dropout=True,
    )
    EsmForMaskedLM(config).save_pretrained(folder)
    return folder


def _edit_json(path: Path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
