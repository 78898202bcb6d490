"""Fixtures for interpretation tests: planted-motif data, a k-mer model that learned it, tiny neural models."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest

from enhancerlm.data.generate.motifs import load_motifs
from enhancerlm.data.generate.synthetic import make_synthetic
from enhancerlm.models import create_classifier
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.models.kmer_lr import KmerLRClassifier
from enhancerlm.sequences.records import LabelMap

LABELS = LabelMap.from_labels(["enhancer", "not_enhancer"])
# CEBPB and CTCF: JASPAR matrices with no near-identical sibling outside their own TF family.
PLANTED_IDS = ("MA0466.4", "MA0139.2")
# Consensus sites, no decoys: a clean task a 5-mer logistic regression learns from 200 sequences per class.
SYNTHETIC = dict(length_bp=100, n_sites=(1, 2), site_sampling="consensus", decoy_rate=0.0)


class CountingModel(SequenceClassifier):
    """Hand-set model: log-odds of the positive class = sum of per-base weights (A, C, G, T).

    ISM of such a model is exact: substituting base b by b' changes the log-odds by w[b'] - w[b].
    """

    backbone = family = "counting-test"
    max_bp = None

    def __init__(self, weights=(0.0, 1.0, 1.0, 0.0), max_bp: int | None = None):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.label_map = LABELS
        self.max_bp = max_bp

    def log_odds(self, seqs: Sequence[str]) -> np.ndarray:
        lut = np.zeros(256)
        for i, b in enumerate("ACGT"):
            lut[ord(b)] = self.weights[i]
        return np.array([lut[np.frombuffer(s.encode(), dtype=np.uint8)].sum() for s in seqs])

    def _predict_windows(self, seqs, batch_size=None) -> np.ndarray:
        z = self.log_odds(seqs)
        # Both columns computed directly (not 1 - p) so either keeps its precision.
        return np.stack([1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))], axis=1)

    def save(self, directory):
        raise NotImplementedError

    @classmethod
    def load(cls, directory):
        raise NotImplementedError


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


@pytest.fixture(scope="session")
def planted_motifs():
    return load_motifs(PLANTED_IDS)


@pytest.fixture(scope="session")
def planted_train(planted_motifs):
    return make_synthetic(200, seed=1, motifs=planted_motifs, **SYNTHETIC)


@pytest.fixture(scope="session")
def planted_test(planted_motifs):
    return make_synthetic(30, seed=2, motifs=planted_motifs, **SYNTHETIC)


@pytest.fixture(scope="session")
def learned_model(planted_train) -> KmerLRClassifier:
    """5-mer logistic regression fitted on the planted training set (about a second)."""
    return KmerLRClassifier(LABELS, ks=(5,), canonical=True).fit(planted_train.table)


@pytest.fixture
def tiny_bert():
    """Random-init tiny-dnabert-6 (DNABERT-6 tokenizer), left in training mode to check it is restored."""
    classifier = create_classifier("tiny-dnabert-6", LABELS)
    classifier.model.train()
    return classifier


@pytest.fixture
def random_seqs():
    rng = np.random.default_rng(0)
    return ["".join(rng.choice(list("ACGT"), n)) for n in (24, 31, 18)]


@pytest.fixture
def make_counting():
    """Factory: ``make_counting(weights, max_bp=None)`` -> a `CountingModel`."""
    return CountingModel
