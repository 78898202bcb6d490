"""The one-hot CNN: transformers model contract, padding invariance, masked batchnorm, char tokenizer."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from transformers import AutoModelForSequenceClassification

from enhancerlm.errors import InputError
from enhancerlm.models import create_classifier
from enhancerlm.models.cnn import CnnConfig, CnnForSequenceClassification, _MaskedBatchNorm
from enhancerlm.models.hf import pad_batch
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.char import CharTokenizer

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"])


@pytest.fixture(scope="module")
def cnn():
    return create_classifier("cnn", BINARY)


def test_char_tokenizer_ids_are_exact():
    ids = CharTokenizer().encode_batch(["ACGTN", "acgt", "AXé", ""])
    assert [x.tolist() for x in ids] == [[2, 3, 4, 5, 6], [2, 3, 4, 5], [2, 1, 1], []]
    assert CharTokenizer().tokens("AcX") == ["A", "C", "[UNK]"]


def test_char_tokenizer_round_trip_and_bad_vocab(tmp_path):
    CharTokenizer().save_pretrained(tmp_path)
    assert CharTokenizer.from_pretrained(tmp_path).encode("GATTACA").tolist() == [4, 2, 5, 5, 2, 3, 2]
    (tmp_path / "char_tokenizer.json").write_text(json.dumps({"vocab": ["A", "C"]}))
    with pytest.raises(InputError, match="differs from the character vocabulary"):
        CharTokenizer.from_pretrained(tmp_path)


def test_forward_returns_loss_of_its_logits(cnn):
    input_ids, mask = pad_batch(CharTokenizer().encode_batch(["ACGTACGTAA", "GGGCCCAT"]), 0)
    labels = torch.tensor([1, 0])
    cnn.model.eval()
    out = cnn.model(input_ids=input_ids, attention_mask=mask, labels=labels)
    assert out.logits.shape == (2, 2)
    assert torch.allclose(out.loss, torch.nn.functional.cross_entropy(out.logits, labels))


def test_padding_never_changes_the_logits(cnn, make_seqs):
    seqs = make_seqs(5, 1, 90, seed=3)
    cnn.model.eval()
    with torch.no_grad():
        alone = [cnn.model(*pad_batch(CharTokenizer().encode_batch([s]), 0)).logits for s in seqs]
        input_ids, mask = pad_batch(CharTokenizer().encode_batch(seqs + ["A" * 500]), 0)
        together = cnn.model(input_ids=input_ids, attention_mask=mask).logits[:5]
    np.testing.assert_allclose(torch.cat(alone).numpy(), together.numpy(), atol=1e-5)


def test_masked_batchnorm_training_statistics_ignore_padding():
    torch.manual_seed(0)
    x = torch.randn(1, 3, 10)
    padded = torch.cat([x, torch.full((1, 3, 6), 7.0)], dim=2)
    mask = torch.cat([torch.ones(1, 1, 10), torch.zeros(1, 1, 6)], dim=2)
    plain, masked = torch.nn.BatchNorm1d(3), _MaskedBatchNorm(3)
    np.testing.assert_allclose(masked(padded, mask)[..., :10].detach(), plain(x).detach(), atol=1e-5)
    np.testing.assert_allclose(masked.running_var, plain.running_var, atol=1e-6)
    np.testing.assert_allclose(masked.running_mean, plain.running_mean, atol=1e-6)


def test_save_pretrained_is_safetensors_and_auto_loadable(cnn, tmp_path):
    cnn.model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").is_file()
    assert json.loads((tmp_path / "config.json").read_text())["model_type"] == "enhancerlm-cnn"
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path, use_safetensors=True)
    assert isinstance(loaded, CnnForSequenceClassification)
    ids = torch.tensor([[2, 3, 4, 5, 6, 2]])
    cnn.model.eval()
    with torch.no_grad():  # equal weights; convolution kernels may still differ in the last float bit
        np.testing.assert_allclose(loaded(input_ids=ids).logits, cnn.model(input_ids=ids).logits, atol=1e-6)


def test_parameter_count_is_a_few_hundred_thousand(cnn):
    n = sum(p.numel() for p in cnn.model.parameters())
    assert 1e5 < n < 1e6
    assert cnn.max_bp == CnnConfig().max_bp == 4096


def test_a_saved_cnn_is_a_starting_point_for_a_new_task(cnn, tmp_path):
    cnn.save(tmp_path)
    three = create_classifier(str(tmp_path), LabelMap.from_labels(["a", "b", "c"]))
    assert three.model.config.id2label == {0: "a", 1: "b", 2: "c"} and three.model.head[-1].out_features == 3
    assert torch.equal(three.model.blocks[2].conv.weight, cnn.model.blocks[2].conv.weight)


def test_a_saved_cnn_loads_through_the_quiet_weights_loader(cnn, tmp_path, caplog, capfd):
    from enhancerlm.models import load_classifier

    cnn.save(tmp_path)
    capfd.readouterr()
    with caplog.at_level("INFO", logger="enhancerlm.models.weights"):
        loaded = load_classifier(tmp_path)
    lines = [r.getMessage() for r in caplog.records if r.name == "enhancerlm.models.weights"]
    assert lines == [f"CNN model {tmp_path}: weights read from model.safetensors"]
    assert "Loading weights" not in capfd.readouterr().err  # transformers' bar and load report stay quiet
    assert loaded.max_bp == cnn.max_bp == 4096
