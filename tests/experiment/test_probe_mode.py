"""`run --mode probe|both`: a logistic regression on frozen tiny-dnabert-6 embeddings, evaluated like fine-tuning."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.data.generate.synthetic import make_synthetic
from enhancerlm.embeddings import embed_sequences
from enhancerlm.models import load_classifier
from enhancerlm.models.kmer_lr import fit_linear_head
from enhancerlm.models.probe import ProbeClassifier
from tests.helpers import fast_training, split_with_copies

runner = CliRunner()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """30 + 30 training sequences of 80 bp, a test set of 16 with 2 copies of training sequences."""
    folder = tmp_path_factory.mktemp("probe-inputs")
    table = make_synthetic(n_per_class=38, length_bp=80, seed=5, n_sites=(1, 2)).table
    train, test = split_with_copies(table, 8, 1)
    train.to_csv(folder / "train.tsv", sep="\t", index=False)
    test[["id", "sequence", "label"]].to_csv(folder / "test.tsv", sep="\t", index=False)
    return folder


def run_args(inputs, out, *extra):
    return [
        "run",
        *("--train", f"{inputs}/train.tsv", "--test", f"{inputs}/test.tsv", "--out", str(out)),
        *("--n-boot", "20", "--baselines", "gc", "--no-zero-shot"),
        *extra,
    ]


@pytest.fixture(scope="module")
def probe_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("probe-run") / "out"
    result = runner.invoke(app, run_args(inputs, out, "--mode", "probe", "--probe-layers", "1", "--probe-layers", "-1"))
    assert result.exit_code == 0, result.output
    return out


def test_probe_is_evaluated_like_the_fine_tuned_model(probe_run):
    metrics = json.loads((probe_run / "metrics.json").read_text())
    block = metrics["probe"]
    assert block["n"] == 18 and block["novel"]["n"] == 16 and "auroc" in block["ci"]
    assert "fine_tuned" not in metrics and "gc" in metrics["baselines"]
    assert metrics["probe_setting"]["layers"] == [1, -1] and metrics["probe_setting"]["n_features"] == 128
    predictions = pd.read_csv(probe_run / "predictions.tsv", sep="\t")
    assert {"p_probe", "pred_probe", "p_gc"} <= set(predictions.columns)
    assert "Linear probe (frozen embeddings)" in (probe_run / "report.html").read_text()
    assert not (probe_run / "model").exists() and not (probe_run / "search").exists()


def test_probe_equals_a_hand_fit_on_embeddings_and_loads_for_predict(probe_run, inputs, tmp_path):
    train = pd.read_csv(inputs / "train.tsv", sep="\t")
    test = pd.read_csv(inputs / "test.tsv", sep="\t")
    probe = load_classifier(probe_run / "probe")
    assert isinstance(probe, ProbeClassifier) and probe.layers == (1, -1)
    # the same frozen backbone (its weights untouched), the same head fitted by hand on train minus test copies
    kept = train[~train["sequence"].isin(test["sequence"])]
    features = embed_sequences(probe.transformer, kept["sequence"].tolist(), layers=(1, -1)).astype(np.float64)
    y = np.asarray(probe.label_map.encode(kept["label"]))
    head = fit_linear_head(features, y, seed=0)
    assert head.C == probe.head.C
    test_features = embed_sequences(probe.transformer, test["sequence"].tolist(), layers=(1, -1)).astype(np.float64)
    predictions = pd.read_csv(probe_run / "predictions.tsv", sep="\t")
    np.testing.assert_allclose(head.predict_proba(test_features)[:, 1], predictions["p_probe"], atol=1e-5)
    # `predict` loads it like any saved model
    result = runner.invoke(
        app, ["predict", "-m", str(probe_run / "probe"), "-i", str(inputs / "test.tsv"), "-o", str(tmp_path / "p.tsv")]
    )
    assert result.exit_code == 0, result.output
    scored = pd.read_csv(tmp_path / "p.tsv", sep="\t")
    np.testing.assert_allclose(scored["probability"], predictions["p_probe"], atol=1e-5)


@pytest.mark.slow
def test_both_modes_side_by_side(inputs, tmp_path):
    out = tmp_path / "out"
    extra = ("--mode", "both", *fast_training(batch_size=16))
    result = runner.invoke(app, run_args(inputs, out, *extra))
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["probe"]["n"] == metrics["fine_tuned"]["n"] == 18
    assert (out / "model" / "model.safetensors").is_file() and (out / "probe" / "linear_model.json").is_file()
    columns = pd.read_csv(out / "predictions.tsv", sep="\t").columns
    assert {"p_fine_tuned", "p_probe"} <= set(columns)
    # the fine-tuned model folder and the probe folder both embed (the probe as its frozen backbone)
    seqs = pd.read_csv(inputs / "test.tsv", sep="\t")["sequence"].tolist()
    for folder, model in ((out / "model", load_classifier(out / "model")), (out / "probe", None)):
        model = model or load_classifier(folder).transformer
        args = ["embed", "-b", str(folder), "-i", str(inputs / "test.tsv"), "-o", str(tmp_path / "e.npy")]
        assert runner.invoke(app, args).exit_code == 0
        np.testing.assert_allclose(np.load(tmp_path / "e.npy"), embed_sequences(model, seqs), atol=1e-5)
    frozen, tuned = np.load(tmp_path / "e.npy"), embed_sequences(load_classifier(out / "model"), seqs)
    assert not np.allclose(frozen, tuned, atol=1e-3)  # fine-tuning moved the weights; the probe's stayed


def test_probe_needs_a_transformer_and_a_known_mode(inputs, tmp_path):
    kmer = runner.invoke(app, run_args(inputs, tmp_path / "a", "--mode", "probe", "--backbone", "kmer-lr"))
    assert kmer.exit_code == 2 and "no transformer embeddings to probe" in kmer.output
    bad = runner.invoke(app, run_args(inputs, tmp_path / "b", "--mode", "linear"))
    assert bad.exit_code == 2 and "mode='linear'" in bad.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
