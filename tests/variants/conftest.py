"""Fixtures for variant tests: a tiny genome readable by eye, VCFs written as text, saved small models."""

from __future__ import annotations

from pathlib import Path

import pytest

from enhancerlm.data.generate.motifs import load_motifs
from enhancerlm.data.generate.synthetic import make_synthetic
from enhancerlm.models import create_classifier
from enhancerlm.models.kmer_lr import KmerLRClassifier
from enhancerlm.sequences.records import LabelMap
from tests.helpers import random_dna, write_fasta

LABELS = LabelMap.from_labels(["enhancer", "not_enhancer"])
# CEBPB and CTCF consensus sites, no decoys: a task a 5-mer logistic regression learns from 200 sequences per class.
PLANTED_IDS = ("MA0466.4", "MA0139.2")
SYNTHETIC = dict(length_bp=100, n_sites=(1, 2), site_sampling="consensus", decoy_rate=0.0)
VCF_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=400>\n##contig=<ID=chr2,length=120>\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)


def write_vcf(path: Path, lines: list[str], header: str = VCF_HEADER) -> Path:
    """A VCF from data lines written with spaces for tabs (``chr1 10 rs1 A C``); QUAL, FILTER, INFO added."""
    path.write_text(header + "".join("\t".join(line.split() + [".", ".", "."]) + "\n" for line in lines))
    return path


# chr1: 400 bp with 20 N at 200-219 (0-based); chr2: 120 bp.
GENOME = {"chr1": random_dna(200, 1) + "N" * 20 + random_dna(180, 2), "chr2": random_dna(120, 3)}


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


@pytest.fixture(scope="session")
def genome_fasta(tmp_path_factory) -> Path:
    return write_fasta(tmp_path_factory.mktemp("genome") / "genome.fa", GENOME)


@pytest.fixture(scope="session")
def planted_train():
    return make_synthetic(200, seed=1, motifs=load_motifs(PLANTED_IDS), **SYNTHETIC)


@pytest.fixture(scope="session")
def kmer_model(planted_train, tmp_path_factory) -> Path:
    """A saved 5-mer logistic regression fitted on the planted-motif training set (about a second)."""
    folder = tmp_path_factory.mktemp("kmer") / "model"
    KmerLRClassifier(LABELS, ks=(5,), canonical=True).fit(planted_train.table).save(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A saved random-init tiny-dnabert-6 (a model with a length limit and padding-free windows)."""
    folder = tmp_path_factory.mktemp("tiny") / "model"
    create_classifier("tiny-dnabert-6", LABELS).save(folder)
    return folder
