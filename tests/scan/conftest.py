"""Fixtures for scan tests: a tiny random-init model saved once per session, a tiny FASTA with an N-run."""

from __future__ import annotations

from pathlib import Path

import pytest

from enhancerlm.models import create_classifier
from enhancerlm.sequences.records import LabelMap

from .helpers import GENOME, write_fasta


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A saved random-init tiny-dnabert-6 classifier (enhancer vs not_enhancer)."""
    folder = tmp_path_factory.mktemp("model") / "tiny"
    create_classifier("tiny-dnabert-6", LabelMap.from_labels(["enhancer", "not_enhancer"])).save(folder)
    return folder


@pytest.fixture
def genome_fasta(tmp_path) -> Path:
    """chr1 (1,200 bp: 600 bp, a 200 bp N-run, 400 bp soft-masked) and chr2 (150 bp)."""
    return write_fasta(tmp_path / "genome.fa", GENOME)
