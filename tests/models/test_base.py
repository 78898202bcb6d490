"""Capabilities every classifier declares (closed-form fit, shortest input, tokenizer, device)."""

from __future__ import annotations

import pytest
import torch

from enhancerlm.errors import ConfigError
from enhancerlm.models.registry import create_classifier, create_encoder, family_class, resolve_backbone
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.kmer import KmerTokenizer

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"])


@pytest.mark.parametrize(
    "backbone, closed_form",
    [
        ("kmer-lr", True),
        ("gkm-lr", True),
        ("gc", True),
        ("offline-best", True),
        ("tiny-dnabert-6", False),
        ("cnn", False),
    ],
)
def test_fits_in_closed_form_is_declared_by_the_family(backbone, closed_form):
    assert family_class(resolve_backbone(backbone)[0].family).fits_in_closed_form is closed_form


def test_min_bp_is_k_for_kmer_models_and_1_otherwise(make_tiny):
    assert make_tiny(0).min_bp == 6
    assert create_classifier("kmer-lr", BINARY).min_bp == 4  # its shortest k-mer (issue 19: warned as for DNABERT)
    assert create_classifier("gc", BINARY).min_bp == 1
    assert create_classifier("cnn", BINARY).min_bp == 1


def test_create_encoder_of_a_family_without_tokenizer_is_a_config_error():
    with pytest.raises(ConfigError, match="backbone 'kmer-lr' \\(kmer-lr\\) has no tokenizer to show"):
        create_encoder("kmer-lr")


def test_to_and_compile_are_no_ops_without_torch_weights(make_tiny):
    baseline = create_classifier("gc", BINARY)
    assert baseline.to(torch.device("cpu")) is baseline and baseline.compile() is False
    tiny = make_tiny(0)
    assert tiny.to(torch.device("cpu")) is tiny and tiny.device == torch.device("cpu")


def test_a_folder_with_dnabert_s_vocabulary_resolves_to_that_k(tmp_path):
    KmerTokenizer(4).save_pretrained(tmp_path)
    assert resolve_backbone(str(tmp_path))[0].name == "dnabert-4"
