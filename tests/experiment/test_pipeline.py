"""`enhancerlm run` end to end on tiny synthetic data: every output the issue names, with leakage handled."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.data.generate.synthetic import make_synthetic
from enhancerlm.models import load_classifier
from tests.helpers import fast_training, split_with_copies, write_by_label

runner = CliRunner()
MODEL_BLOCKS = ("zero_shot", "fine_tuned")
METRICS = ("accuracy", "precision", "recall", "specificity", "fpr", "f1", "mcc", "auroc", "auprc")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """42 + 42 training sequences of 80 bp; a test set of 20 in which 4 are copies of training sequences."""
    folder = tmp_path_factory.mktemp("inputs")
    table = make_synthetic(n_per_class=50, length_bp=80, seed=3, n_sites=(1, 2)).table
    train, test = split_with_copies(table, 8, 2)
    write_by_label(folder, train)
    test[["id", "sequence", "label"]].to_csv(folder / "test.tsv", sep="\t", index=False)
    return folder


def io_args(inputs, out):
    """The run's inputs (two class FASTAs, a labelled test table) and its output folder."""
    return [
        "run",
        "--train",
        f"{inputs}/enhancer.fa:enhancer",
        "--train",
        f"{inputs}/not_enhancer.fa:not_enhancer",
        "--test",
        f"{inputs}/test.tsv",
        "--out",
        str(out),
    ]


def run_args(inputs, out, *extra):
    return [
        *io_args(inputs, out),
        "--search-lrs",
        "1e-3",
        "--search-epochs",
        "1",
        "--search-per-class",
        "10",
        "--batch-size",
        "16",
        "--n-boot",
        "50",
        "--val-fraction",
        "0.2",
        *extra,
    ]


@pytest.fixture(scope="module")
def finished_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    result = runner.invoke(app, run_args(inputs, out, "--explain", "--explain-max-seqs", "4"))
    assert result.exit_code == 0, result.output
    return out


def test_outputs_named_by_the_issue(finished_run):
    for name in (
        "config.yaml",
        "metrics.json",
        "predictions.tsv",
        "report.html",
        "model/config.json",
        "model/model.safetensors",
        "model/vocab.txt",
        "audit/audit.json",
        "run.log",
        "explain/explain.html",
        "explain/attributions.tsv",
    ):
        assert (finished_run / name).is_file(), name


def test_the_time_estimate_comes_before_the_long_work(finished_run):
    log = (finished_run / "run.log").read_text()
    # search: 10 + 10 records, 4 validation -> 1 step of 16 x 1 epoch; fine-tune: 80 after dedup, 16 validation
    # -> 4 steps of 16 (the counts the search and the fine-tune then log)
    assert "training 1 search + 4 fine-tuning = 5 steps x " in log
    assert "search split: 16 train, 4 validation" in log and "training on 64 examples, 1 epochs" in log
    assert log.index("time estimate: about ") < log.index("search split:")  # said before the search trains


def test_metrics_have_every_block_with_intervals_and_novel_subset(finished_run):
    metrics = json.loads((finished_run / "metrics.json").read_text())
    blocks = [metrics[k] for k in MODEL_BLOCKS] + [metrics["baselines"][k] for k in ("kmer_lr", "gc")]
    for block in blocks:
        assert block["n"] == 20
        for name in METRICS:
            assert name in block and name in block["ci"]
        assert block["novel"]["n"] == 16  # the 4 copies of training sequences are not novel
    assert metrics["audit"]["exact_duplicates"] == 4


def test_leaked_copies_removed_from_train_and_recorded(finished_run):
    removed = pd.read_csv(finished_run / "audit" / "removed_from_train.tsv", sep="\t")
    assert len(removed) == 4 and set(removed["reason"]) == {"exact"}
    # Found once, when the inputs are checked (it was logged twice: the check and the stage each looked).
    assert (finished_run / "run.log").read_text().count("dedup: removed 4 of 84 training records") == 1


def test_predictions_and_model_agree(finished_run, inputs):
    predictions = pd.read_csv(finished_run / "predictions.tsv", sep="\t")
    assert len(predictions) == 20 and predictions["novel"].sum() == 16
    model = load_classifier(finished_run / "model")
    test = pd.read_csv(inputs / "test.tsv", sep="\t")
    proba = model.predict_proba(test["sequence"].tolist())[:, 1]
    assert proba == pytest.approx(predictions["p_fine_tuned"].to_numpy(), abs=1e-5)


def test_report_figures_load_in_a_browser(finished_run, tmp_path, loaded_images):
    loaded, total = loaded_images(finished_run / "report.html", tmp_path).split("/")
    assert int(total) >= 5 and loaded == total  # confusion, ROC, PR, training, search, audit plots


def test_config_records_versions_and_seed(finished_run):
    data = yaml.safe_load((finished_run / "config.yaml").read_text())
    assert data["config"]["seed"] == 0 and data["versions"]["torch"]
    assert data["labels"]["id2label"] == {"0": "not_enhancer", "1": "enhancer"}


def test_existing_output_is_refused_without_resume(finished_run, inputs):
    before = sorted(p.name for p in finished_run.iterdir())
    result = runner.invoke(app, run_args(inputs, finished_run))
    assert result.exit_code == 2 and "--resume" in result.output
    assert sorted(p.name for p in finished_run.iterdir()) == before


def test_bad_input_writes_nothing(inputs, tmp_path):
    bad = tmp_path / "bad.fa"
    bad.write_text(">r1\nACGTACGTAC\n>r2\nACGT?CGTAC\n")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "run",
            "--train",
            f"{bad}:enhancer",
            "--train",
            f"{inputs}/not_enhancer.fa:not_enhancer",
            "--test",
            f"{inputs}/test.tsv",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2 and "record 'r2' position 5" in result.output
    assert not out.exists()


def test_three_classes_end_to_end(tmp_path):
    """enhancer / promoter / open_chromatin: per-class and macro metrics, one-vs-rest AUROC, 3x3 matrix."""
    rng = np.random.default_rng(0)
    specs = []
    for label, gc in (("enhancer", 0.5), ("promoter", 0.7), ("open_chromatin", 0.3)):
        p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
        records = ["".join(rng.choice(list("ACGT"), size=60, p=p)) for _ in range(30)]
        (tmp_path / f"{label}.fa").write_text("".join(f">{label}_{i}\n{s}\n" for i, s in enumerate(records)))
        specs.append(f"{tmp_path}/{label}.fa:{label}")
    test = pd.concat(
        [
            pd.read_csv(
                io.StringIO(
                    "".join(
                        f"t{label}_{i}\t{''.join(rng.choice(list('ACGT'), size=60, p=p))}\t{label}\n" for i in range(10)
                    )
                ),
                sep="\t",
                names=["id", "sequence", "label"],
            )
            for label, p in (
                ("enhancer", [0.25, 0.25, 0.25, 0.25]),
                ("promoter", [0.15, 0.35, 0.35, 0.15]),
                ("open_chromatin", [0.35, 0.15, 0.15, 0.35]),
            )
        ]
    )
    test.to_csv(tmp_path / "test.tsv", sep="\t", index=False)
    out = tmp_path / "out"
    args = [
        "run",
        *[a for s in specs for a in ("--train", s)],
        "--test",
        f"{tmp_path}/test.tsv",
        "--out",
        str(out),
        *fast_training(batch_size=16),
        "--n-boot",
        "20",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["labels"] == ["enhancer", "open_chromatin", "promoter"] and metrics["positive_label"] is None
    for block in (metrics["fine_tuned"], metrics["baselines"]["gc"]):
        assert np.array(block["confusion_matrix"]).shape == (3, 3) and np.sum(block["confusion_matrix"]) == 30
        assert {"precision_macro", "f1_micro", "mcc", "auroc_macro"} <= set(block)
        assert set(block["per_class"]) == {"enhancer", "open_chromatin", "promoter"}
    assert metrics["baselines"]["gc"]["accuracy"] > 0.6  # GC separates these three classes by design
    assert (out / "report.html").is_file()


def test_resume_of_a_finished_run_reproduces_it(finished_run, inputs, tmp_path):
    """--resume reuses the search trials and the fine-tuning checkpoints: same predictions, nothing retrained."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(finished_run, copy)
    (copy / "model").rename(tmp_path / "model-before")
    result = runner.invoke(app, run_args(inputs, copy, "--resume"))
    assert result.exit_code == 0, result.output
    before = pd.read_csv(finished_run / "predictions.tsv", sep="\t")
    after = pd.read_csv(copy / "predictions.tsv", sep="\t")
    pd.testing.assert_frame_equal(before, after)


def test_the_offline_recipe_runs_as_a_backbone(inputs, tmp_path, one_torch_thread):
    """`--backbone offline-best`: an ensemble trained in closed form by `run` (no search, no untrained head)."""
    from enhancerlm.models.ensemble import EnsembleClassifier
    from enhancerlm.predict import predict_proba

    out = tmp_path / "out"
    result = runner.invoke(app, run_args(inputs, out, "--backbone", "offline-best", "--both-strands"))
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert "zero_shot" not in metrics and not (out / "search").exists()
    model = load_classifier(out / "model")
    assert isinstance(model, EnsembleClassifier) and len(model.models) == len(model.members)
    test = pd.read_csv(inputs / "test.tsv", sep="\t")
    predictions = pd.read_csv(out / "predictions.tsv", sep="\t")
    expected = predict_proba(model, test["sequence"].tolist(), both_strands=True)[:, 1]
    np.testing.assert_allclose(predictions["p_fine_tuned"], expected, atol=1e-5)


def test_config_records_where_each_setting_came_from(finished_run):
    data = yaml.safe_load((finished_run / "config.yaml").read_text())
    sources, config = data["sources"], data["config"]
    assert set(sources) == set(config)
    assert sources["search_lrs"] == sources["batch_size"] == sources["train"] == "flag"
    assert (sources["lr"], config["lr"]) == ("backbone", 1e-3)  # tiny-dnabert-6's recipe, not the study's 3e-5
    assert (sources["metric_for_best"], config["metric_for_best"]) == ("backbone", "mcc")
    assert sources["seed"] == "default"
    fine_tuning = json.loads((finished_run / "metrics.json").read_text())["fine_tuning"]
    assert fine_tuning["sources"] == {"lr": "search", "epochs": "search"} and fine_tuning["epochs"] == 1


def test_a_model_that_cannot_learn_is_flagged_in_log_metrics_and_report(inputs, tmp_path, one_torch_thread):
    """lr 1e-9 for one epoch leaves the random-init model where it started: every call one class."""
    out = tmp_path / "out"
    args = [
        *io_args(inputs, out),
        "--backbone",
        "tiny-dnabert-6",
        *fast_training(lr="1e-9", batch_size=None),  # a run that learns nothing, at the backbone's batch size
        "--n-boot",
        "20",
        "--baselines",
        "gc",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    warnings = json.loads((out / "metrics.json").read_text())["warnings"]
    assert any("test sequences (100%) were called" in w for w in warnings), warnings
    assert all("learning-rate search" in w for w in warnings)
    assert "WARNING enhancerlm.experiment.scoring: fine-tuned model: " in (out / "run.log").read_text()
    assert "WARNING: " in result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.index('id="result-warnings"') < html.index("<table")
    sources = yaml.safe_load((out / "config.yaml").read_text())["sources"]
    assert (sources["lr"], sources["epochs"], sources["batch_size"]) == ("flag", "flag", "backbone")


def test_a_model_that_learned_is_not_flagged(inputs, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, run_args(inputs, out, "--backbone", "kmer-lr"))
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["warnings"] == []
    calls = pd.read_csv(out / "predictions.tsv", sep="\t")["pred_fine_tuned"]
    assert calls.nunique() == 2  # weak on 84 training sequences (AUROC 0.56), but it reads the sequence
    assert 'id="result-warnings"' not in (out / "report.html").read_text(encoding="utf-8")
    assert metrics["fine_tuning"] == {"lr": None, "epochs": None, "sources": {"lr": "unused", "epochs": "unused"}}
