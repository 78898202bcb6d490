"""Every family: save -> load_classifier gives the same probabilities; batching and padding change nothing."""

from __future__ import annotations

import re

import numpy as np
import pytest

from enhancerlm.models import create_classifier, load_classifier
from enhancerlm.sequences.records import LabelMap

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"])
NEURAL = ["tiny-dnabert-6", "cnn", "nt-folder"]


@pytest.fixture(scope="module")
def classifiers(gc_table, nt_folder):
    """One fresh (or fitted) classifier per family."""
    made = {name: create_classifier(name, BINARY) for name in ("tiny-dnabert-6", "cnn")}
    made["nt-folder"] = create_classifier(str(nt_folder), BINARY)
    made["kmer-lr"] = create_classifier("kmer-lr", BINARY).fit(gc_table)
    made["gc"] = create_classifier("gc", BINARY).fit(gc_table)
    return made


@pytest.mark.parametrize("name", NEURAL + ["kmer-lr", "gc"])
def test_save_load_round_trip_gives_identical_probabilities(classifiers, name, make_seqs, tmp_path):
    classifier = classifiers[name]
    seqs = make_seqs(12, 10, 300, seed=5)
    classifier.save(tmp_path)
    loaded = load_classifier(tmp_path)
    assert (type(loaded), loaded.backbone, loaded.label_map, loaded.max_bp) == (
        type(classifier),
        classifier.backbone,
        classifier.label_map,
        classifier.max_bp,
    )
    expected = classifier.predict_proba(seqs)
    assert expected.shape == (12, 2)
    # Same weights; only convolution/matmul kernels may differ in the last float bit.
    np.testing.assert_allclose(loaded.predict_proba(seqs), expected, atol=1e-6)


# Tokens -> bp: [CLS] + 6-mers + [SEP]; one base a token; <cls> + 6 bp tokens, room for a 5-base remainder.
WINDOWS = {"tiny-dnabert-6": (16, 19, 515), "cnn": (100, 100, 4096), "nt-folder": (20, (20 - 1 - 5) * 6, 564)}


@pytest.mark.parametrize("name", NEURAL)
def test_a_window_limited_in_tokens_is_saved_with_the_model(name, nt_folder, tmp_path):
    max_tokens, window_bp, full_bp = WINDOWS[name]
    classifier = create_classifier(str(nt_folder) if name == "nt-folder" else name, BINARY)
    assert classifier.max_bp == full_bp
    classifier.limit_window(max_tokens)
    assert classifier.max_bp == window_bp
    classifier.limit_window(10_000)  # never longer than the model takes
    assert classifier.max_bp == window_bp
    classifier.save(tmp_path)
    assert load_classifier(tmp_path).max_bp == window_bp
    if name == "nt-folder":
        assert load_classifier(tmp_path).encoder.max_tokens == max_tokens


@pytest.mark.parametrize(
    "name, max_tokens, message",
    [
        ("tiny-dnabert-6", 2, "max_length=2: 2 tokens cover 5 bp, less than the 6 bp backbone 'tiny-dnabert-6' needs"),
        ("nt-folder", 1, "adds 1 special token(s) to every input; give more tokens than that"),
    ],
)
def test_a_window_without_one_token_of_sequence_is_a_config_error(name, max_tokens, message, nt_folder):
    from enhancerlm.errors import ConfigError

    classifier = create_classifier(str(nt_folder) if name == "nt-folder" else name, BINARY)
    with pytest.raises(ConfigError, match=re.escape(message)):
        classifier.limit_window(max_tokens)


@pytest.mark.parametrize("name", NEURAL)
def test_probabilities_do_not_depend_on_batch_size(classifiers, name, make_seqs):
    seqs = make_seqs(9, 10, 300, seed=6)
    classifier = classifiers[name]
    one_batch = classifier.predict_proba(seqs, batch_size=len(seqs))
    np.testing.assert_allclose(classifier.predict_proba(seqs, batch_size=1), one_batch, atol=1e-5)
    np.testing.assert_allclose(classifier.predict_proba(seqs, batch_size=4), one_batch, atol=1e-5)


@pytest.mark.parametrize("name", NEURAL)
def test_probabilities_do_not_depend_on_batch_companions(classifiers, name, make_seqs):
    short = make_seqs(3, 10, 40, seed=7)
    classifier = classifiers[name]
    alone = classifier.predict_proba(short, batch_size=1)
    companion_bp = min(classifier.max_bp, 600)  # makes the short ones mostly padding
    padded = classifier.predict_proba(short + make_seqs(1, companion_bp, companion_bp, seed=8), batch_size=4)[:3]
    np.testing.assert_allclose(padded, alone, atol=1e-5)


def test_a_fresh_model_leaves_the_user_s_train_mode_alone(classifiers):
    model = classifiers["tiny-dnabert-6"].model
    model.train()
    classifiers["tiny-dnabert-6"].predict_proba(["ACGTACGTAC"])
    assert model.training
