"""Tiny fixtures for search tests (as in tests/train): a 2-layer BERT and an A-rich vs G-rich toy task."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification

from enhancerlm.models.dnabert import DnabertClassifier
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.tokenization.kmer import KmerTokenizer

LABELS = LabelMap.from_labels(["enhancer", "not_enhancer"])
MAX_TOKENS = 64  # -> max_bp = 67: long enough for the toy sequences, short enough to test windows


def tiny_classifier(seed: int = 0) -> DnabertClassifier:
    """A 2-layer, 32-wide BERT (about 150k parameters, mostly the 4101-token embedding) with a k=6 tokenizer."""
    torch.manual_seed(seed)
    tokenizer = KmerTokenizer(6)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=MAX_TOKENS, num_labels=2,
        id2label=dict(enumerate(LABELS.names)), label2id={n: i for i, n in enumerate(LABELS.names)},
    )
    model = BertForSequenceClassification(config)
    return DnabertClassifier(model, tokenizer, LABELS, "tiny-test", tokenizer.max_bp(MAX_TOKENS))


def toy_table(n_per_class: int = 32, seed: int = 0, min_bp: int = 20, max_bp: int = 60):
    """Enhancers are A-rich (70% A), the rest G-rich (70% G); lengths uniform in [min_bp, max_bp)."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for label, rich in (("enhancer", "A"), ("not_enhancer", "G")):
        p = np.full(4, 0.1)
        p["ACGT".index(rich)] = 0.7
        for _ in range(n_per_class):
            seqs.append("".join(rng.choice(list("ACGT"), size=int(rng.integers(min_bp, max_bp)), p=p)))
            labels.append(label)
    return make_table([f"{labels[i]}_{i}" for i in range(len(seqs))], seqs, labels)


@pytest.fixture(autouse=True)
def _one_thread():
    # Tiny matmuls gain nothing from threads, and on shared busy cores 2 spinning threads run ~10x slower.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)



class CountingFactory:
    """``make_classifier(seed)`` for searches that also counts the trials it started."""

    def __init__(self):
        self.seeds: list[int] = []

    def __call__(self, seed: int):
        self.seeds.append(seed)
        return tiny_classifier(seed)


@pytest.fixture
def factory():
    return CountingFactory()


@pytest.fixture
def toy():
    """40 sequences per class of a separable toy task."""
    return toy_table(40, seed=0)
