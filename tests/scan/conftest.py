"""Session fixtures for scan tests: a tiny random-init model, a tiny FASTA with an N-run, one reference scan."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from enhancerlm.models import create_classifier
from enhancerlm.scan import scan_genome
from enhancerlm.sequences.records import LabelMap
from tests.helpers import write_fasta

from .helpers import GENOME, SCAN_CONFIG


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A saved random-init tiny-dnabert-6 classifier (enhancer vs not_enhancer)."""
    folder = tmp_path_factory.mktemp("model") / "tiny"
    create_classifier("tiny-dnabert-6", LabelMap.from_labels(["enhancer", "not_enhancer"])).save(folder)
    return folder


@pytest.fixture(scope="session")
def genome_fasta(tmp_path_factory) -> Path:
    """chr1 (1,200 bp: 600 bp, a 200 bp N-run, 400 bp soft-masked) and chr2 (150 bp)."""
    return write_fasta(tmp_path_factory.mktemp("genome") / "genome.fa", GENOME, description="test record")


@pytest.fixture(scope="session")
def reference_scan(tiny_model, genome_fasta, tmp_path_factory) -> Path:
    """Output folder of one uninterrupted single-process scan with ``SCAN_CONFIG``, on one thread (as
    each torchrun process runs), so every other way of running the same scan must match it byte for byte."""
    out = tmp_path_factory.mktemp("reference") / "out"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        scan_genome(tiny_model, genome_fasta, out, SCAN_CONFIG)
    finally:
        torch.set_num_threads(threads)
    return out
