"""Capabilities every classifier declares (closed-form fit, shortest input, tokenizer, device), and its
``predict_proba``: windows and strands handled once, in the base class, for every family."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.models.ensemble import EnsembleClassifier, Member
from enhancerlm.models.registry import create_classifier, create_encoder, family_class, resolve_backbone
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.kmer import KmerTokenizer
from enhancerlm.tokenization.windows import aggregate_windows, split_windows
from enhancerlm.train.fit import fine_tune_member
from tests.helpers import FractionModel

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


def test_a_family_only_ever_scores_windows_that_fit_and_the_base_aggregates_them():
    model = FractionModel("C", max_bp=10)
    # 25 bp with stride 5: windows at 0, 5, 10, 15 -> C fractions 1, 0.5, 0, 0 (mean 0.375; max 1)
    seqs = ["C" * 10 + "A" * 15, "CCA"]
    mean = model.predict_proba(seqs, stride_bp=5)
    assert max(len(s) for s in model.seen) == 10 and len(model.seen) == 5
    np.testing.assert_array_equal(mean[:, 1], np.float32([0.375, 2 / 3]))
    np.testing.assert_array_equal(model.predict_proba(seqs, stride_bp=5, aggregate="max")[:, 1], np.float32([1, 2 / 3]))


def test_both_strands_averages_each_sequence_with_its_reverse_complement():
    model = FractionModel("C", max_bp=10)
    # reverse complement of CCGA is TCGG (C fraction 1/4): the mean of 1/2 and 1/4
    np.testing.assert_array_equal(model.predict_proba(["CCGA"], both_strands=True)[:, 1], np.float32([0.375]))


def test_one_string_or_an_unknown_aggregate_is_refused_before_any_window_is_scored():
    model = FractionModel("C", max_bp=10)
    with pytest.raises(InputError, match="got one string"):
        model.predict_proba("ACGT")
    with pytest.raises(ConfigError, match="aggregate='median'"):
        model.predict_proba(["ACGT"], aggregate="median")
    assert model.predict_proba([]).shape == (0, 2) and model.seen == []


@pytest.fixture(scope="module")
def every_family(gc_table):
    """One classifier per family that predicts, windows short enough that 300 bp records need several."""
    tiny, cnn = create_classifier("tiny-dnabert-6", BINARY), create_classifier("cnn", BINARY)
    tiny.limit_window(40)  # 43 bp
    cnn.max_bp = 50
    fitted = {name: create_classifier(name, BINARY).fit(gc_table) for name in ("kmer-lr", "gkm-lr", "gc")}
    members = [Member("kmer-lr"), Member("cnn", epochs=1)]
    ensemble = EnsembleClassifier(BINARY, members).fit(gc_table.iloc[:40], train_member=fine_tune_member)
    ensemble.models[1].max_bp = 50  # the ensemble windows at its members' shortest limit
    return {"tiny-dnabert-6": tiny, "cnn": cnn, **fitted, "ensemble": ensemble}


@pytest.mark.parametrize("name", ["tiny-dnabert-6", "cnn", "kmer-lr", "gkm-lr", "gc", "ensemble"])
def test_every_family_s_predict_proba_is_its_window_forward_aggregated(every_family, name, make_seqs):
    classifier = every_family[name]
    seqs = make_seqs(6, 5, 300, seed=11)
    windows = split_windows(seqs, classifier.max_bp, 20)
    expected = aggregate_windows(classifier._predict_windows(windows.seqs, 4), windows.seq_index, len(seqs))
    proba = classifier.predict_proba(seqs, 4, stride_bp=20)
    np.testing.assert_array_equal(proba, expected)
    assert proba.dtype == np.float32 and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    if classifier.max_bp is not None:
        assert len(windows.seqs) > len(seqs)  # the long records really were windowed
