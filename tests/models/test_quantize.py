"""int8 dynamic quantisation: close to fp32, reaches the model's linear layers, leaves the original alone."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.errors import ConfigError
from enhancerlm.experiment.config import RunConfig
from enhancerlm.experiment.scoring import scoring_model
from enhancerlm.interpret.config import ExplainConfig
from enhancerlm.models import create_classifier
from enhancerlm.models.quantize import quantize
from enhancerlm.predict import predict_proba
from enhancerlm.scan.config import ScanConfig
from enhancerlm.sequences.records import LabelMap

LABELS = LabelMap.from_labels(["enhancer", "not_enhancer"])
INT8_LINEAR = torch.ao.nn.quantized.dynamic.Linear


def toy_seqs(n: int = 24, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), size=int(rng.integers(20, 60)))) for _ in range(n)]


def linear_types(model) -> set[type]:
    return {type(m) for m in model.modules() if isinstance(m, (torch.nn.Linear, INT8_LINEAR))}


def test_int8_probabilities_are_close_to_fp32_but_not_identical(make_tiny, one_torch_thread):
    classifier, seqs = make_tiny(0), toy_seqs()
    fp32 = predict_proba(classifier, seqs)
    int8 = predict_proba(quantize(classifier, "int8"), seqs)
    delta = np.abs(int8 - fp32).max()
    assert 0 < delta < 0.02  # int8 weights change the numbers a little, never the picture
    np.testing.assert_allclose(int8.sum(axis=1), 1, atol=1e-6)


def test_linear_layers_are_replaced_in_a_copy_only(make_tiny):
    classifier = make_tiny(0)
    weight = classifier.model.classifier.weight.detach().clone()
    quantized = quantize(classifier, "int8")
    assert linear_types(quantized.model) == {INT8_LINEAR}
    assert linear_types(classifier.model) == {torch.nn.Linear}  # the user's model as it was
    assert torch.equal(classifier.model.classifier.weight, weight)
    assert quantized.encoder is classifier.encoder and quantized.label_map is classifier.label_map


def test_none_is_the_model_itself(make_tiny):
    classifier = make_tiny(0)
    assert quantize(classifier, "none") is classifier


@pytest.mark.parametrize("backbone", ["kmer-lr", "gc"])
def test_models_without_linear_layers_are_refused(backbone):
    with pytest.raises(ConfigError, match="no linear layers to quantise"):
        quantize(create_classifier(backbone, LABELS), "int8")


def test_unknown_mode_and_gpu_are_refused(make_tiny, monkeypatch):
    classifier = make_tiny(0)
    with pytest.raises(ConfigError, match="choose one of none, int8"):
        quantize(classifier, "int4")
    monkeypatch.setattr(type(classifier), "device", property(lambda self: torch.device("cuda")))
    with pytest.raises(ConfigError, match="CPU path"):
        quantize(classifier, "int8")


def test_configs_declare_and_check_the_setting():
    assert ScanConfig(quantize="int8").quantize == "int8"
    with pytest.raises(ConfigError, match="quantize='int4'"):
        ScanConfig(quantize="int4")
    assert ExplainConfig(quantize="int8", methods=("ism", "attention")).quantize == "int8"
    with pytest.raises(ConfigError, match="integrated gradients need gradients"):
        ExplainConfig(quantize="int8", methods=("ism", "ig"))
    with pytest.raises(ConfigError, match="quantize='fp16'"):
        RunConfig(train=["a"], test=["b"], out="o", quantize="fp16").validate()


def test_run_scores_with_int8_where_it_can(make_tiny, caplog):
    cfg = RunConfig(train=["a"], test=["b"], out="o", quantize="int8")
    assert linear_types(scoring_model(make_tiny(0), cfg).model) == {INT8_LINEAR}
    kmer = create_classifier("kmer-lr", LABELS)
    with caplog.at_level(logging.WARNING):
        assert scoring_model(kmer, cfg) is kmer
    assert "no linear layers" in caplog.text
    tiny = make_tiny(0)
    assert scoring_model(tiny, RunConfig(train=["a"], test=["b"], out="o")) is tiny


def test_predict_quantize_flag_reaches_the_model(make_tiny, tmp_path):
    classifier = make_tiny(0)
    classifier.save(tmp_path / "model")
    seqs = toy_seqs(8)
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    columns = {}
    for mode in ("none", "int8"):
        out = tmp_path / f"{mode}.tsv"
        args = ["predict", "-m", str(tmp_path / "model"), "-i", str(fasta), "-o", str(out), "--quantize", mode]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        columns[mode] = np.loadtxt(out, delimiter="\t", skiprows=1, usecols=1)
    np.testing.assert_allclose(columns["none"], predict_proba(classifier, seqs)[:, 1], atol=1e-5)
    delta = np.abs(columns["int8"] - columns["none"]).max()
    assert 0 < delta < 0.02
    bad = CliRunner().invoke(
        app, ["predict", "-m", str(tmp_path / "model"), "-i", str(fasta), "-o", "x.tsv", "--quantize", "int4"]
    )
    assert bad.exit_code == 2 and "choose one of none, int8" in bad.output


def test_embed_quantize_flag_reaches_the_model(make_tiny, tmp_path):
    make_tiny(0).save(tmp_path / "model")
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(toy_seqs(6))))
    vectors = {}
    for mode in ("none", "int8"):
        out = tmp_path / f"{mode}.npy"
        args = ["embed", "-b", str(tmp_path / "model"), "-i", str(fasta), "-o", str(out), "--quantize", mode]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        vectors[mode] = np.load(out)
    error = np.linalg.norm(vectors["int8"] - vectors["none"], axis=1) / np.linalg.norm(vectors["none"], axis=1)
    assert 0 < error.max() < 0.1
