"""`enhancerlm run` with multi-label and regression tables: metric keys, values equal to scikit-learn/scipy
recomputed from predictions.tsv, missing values refused or masked, and the report's tables and figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from sklearn import metrics as skm
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.models import load_classifier

runner = CliRunner()
LABELS = ("heart", "liver", "noise")
TARGETS = ("activity", "inverse")
SITE = "TGACTCAGTGACTCA"  # the liver label's planted site (AP-1 twice)


def cell_type_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """100 bp sequences: heart = GC-rich, liver = a planted site, noise = random; activity a function of both."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        heart, liver, noise = (int(rng.random() < share) for share in (0.4, 0.5, 0.3))
        gc = 0.35 + 0.3 * heart
        seq = "".join(rng.choice(list("ACGT"), size=100, p=[(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]))
        if liver:
            at = int(rng.integers(0, 85))
            seq = seq[:at] + SITE + seq[at + len(SITE) :]
        activity = 1.5 * heart + 1.0 * liver + rng.normal(scale=0.5)
        rows.append(
            {"id": f"s{i}", "sequence": seq, "heart": heart, "liver": liver, "noise": noise}
            | {"activity": round(activity, 3), "inverse": round(-activity + rng.normal(), 3)}
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    folder = tmp_path_factory.mktemp("celltypes")
    table = cell_type_table()
    table.iloc[:240].to_csv(folder / "train.tsv", sep="\t", index=False)
    table.iloc[240:].to_csv(folder / "test.tsv", sep="\t", index=False)
    return folder


def run(tables, out, backbone, *extra):
    args = ["run", "--train", f"{tables}/train.tsv", "--test", f"{tables}/test.tsv", "--out", str(out)]
    result = runner.invoke(app, [*args, "--backbone", backbone, "--baselines", "kmer-lr", "--n-boot", "50", *extra])
    return result


@pytest.fixture(scope="module")
def multilabel_run(tables, tmp_path_factory):
    out = tmp_path_factory.mktemp("ml") / "out"
    result = run(tables, out, "gc", "--label-columns", "heart,liver", "--label-columns", "noise")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def regression_run(tables, tmp_path_factory):
    out = tmp_path_factory.mktemp("rg") / "out"
    result = run(tables, out, "gc", "--target-columns", "activity,inverse")
    assert result.exit_code == 0, result.output
    return out


def test_multilabel_metrics_have_the_issue_keys_and_equal_sklearn_on_the_predictions(multilabel_run):
    metrics = json.loads((multilabel_run / "metrics.json").read_text())
    predictions = pd.read_csv(multilabel_run / "predictions.tsv", sep="\t")
    assert metrics["task"] == "multilabel" and metrics["labels"] == list(LABELS)
    assert list(predictions.columns[:5]) == ["id", "label:heart", "label:liver", "label:noise", "novel"]
    for block, suffix in ((metrics["fine_tuned"], "fine_tuned"), (metrics["baselines"]["kmer_lr"], "kmer_lr")):
        y = predictions[[f"label:{label}" for label in LABELS]].to_numpy()
        p = predictions[[f"p_{label}_{suffix}" for label in LABELS]].to_numpy()
        assert block["auroc_macro"] == pytest.approx(skm.roc_auc_score(y, p, average="macro"), abs=1e-12)
        assert block["auprc_micro"] == pytest.approx(skm.average_precision_score(y, p, average="micro"), abs=1e-12)
        for j, label in enumerate(LABELS):
            per_label = block["per_label"][label]
            assert per_label["auroc"] == pytest.approx(skm.roc_auc_score(y[:, j], p[:, j]), abs=1e-12)
            assert per_label["auprc"] == pytest.approx(skm.average_precision_score(y[:, j], p[:, j]), abs=1e-12)
            assert set(per_label["ci"]) >= {"auroc", "auprc", "f1", "mcc"}
        assert {"auroc_macro", "auprc_macro", "auroc_micro", "auprc_micro"} <= set(block["ci"])
        assert block["novel"]["n"] == 60


def test_each_label_is_learnt_where_its_signal_is_and_flagged_where_not(multilabel_run):
    metrics = json.loads((multilabel_run / "metrics.json").read_text())
    gc, kmer = metrics["fine_tuned"]["per_label"], metrics["baselines"]["kmer_lr"]["per_label"]
    assert gc["heart"]["auroc"] > 0.95 and kmer["liver"]["auroc"] > 0.95  # GC-rich heart; planted liver site
    assert gc["liver"]["auroc"] < 0.7  # GC content cannot see the site
    flagged = {w.split("'")[1] for w in metrics["warnings"]}
    assert flagged == {"noise"} and all(w.startswith("label 'noise': ") for w in metrics["warnings"])


def test_the_saved_model_predicts_the_run_probabilities(multilabel_run, tables):
    model = load_classifier(multilabel_run / "model")
    assert model.task.kind == "multilabel" and model.task.names == LABELS
    test = pd.read_csv(tables / "test.tsv", sep="\t")
    predictions = pd.read_csv(multilabel_run / "predictions.tsv", sep="\t")
    expected = predictions[[f"p_{label}_fine_tuned" for label in LABELS]].to_numpy()
    assert model.predict_proba(test["sequence"].tolist()) == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_multilabel_report_and_run_folder(multilabel_run):
    report = (multilabel_run / "report.html").read_text()
    assert "Table 3. AUROC per label, every model." in report and "AUROC (macro)" in report
    assert {p.name for p in (multilabel_run / "figures").iterdir()} == {"roc_per_label.png", "pr_per_label.png"}
    assert json.loads((multilabel_run / "task.json").read_text()) == {"kind": "multilabel", "names": list(LABELS)}
    saved = yaml.safe_load((multilabel_run / "config.yaml").read_text())
    assert saved["config"]["label_columns"] == list(LABELS) and saved["task"]["kind"] == "multilabel"


def test_regression_metrics_equal_scipy_on_the_predictions(regression_run):
    metrics = json.loads((regression_run / "metrics.json").read_text())
    predictions = pd.read_csv(regression_run / "predictions.tsv", sep="\t")
    assert metrics["task"] == "regression"
    assert "pred_activity_kmer_lr" in predictions.columns and "target:inverse" in predictions.columns
    for block, suffix in ((metrics["fine_tuned"], "fine_tuned"), (metrics["baselines"]["kmer_lr"], "kmer_lr")):
        for name in TARGETS:
            y, p = predictions[f"target:{name}"], predictions[f"pred_{name}_{suffix}"]
            target = block["per_target"][name]
            # predictions.tsv holds 9 significant digits of a regressor's values (float64 when un-standardised)
            assert target["pearson"] == pytest.approx(stats.pearsonr(y, p).statistic, rel=1e-8)
            assert target["spearman"] == pytest.approx(stats.spearmanr(y, p).statistic, abs=1e-12)  # ranks
            assert target["r2"] == pytest.approx(skm.r2_score(y, p), rel=1e-8)
            assert set(target["ci"]) == {"pearson", "spearman", "r2", "mse"}
        means = [np.mean([block["per_target"][t][m] for t in TARGETS]) for m in ("pearson", "spearman")]
        assert [block["pearson"], block["spearman"]] == pytest.approx(means, abs=1e-12)
    assert metrics["baselines"]["kmer_lr"]["per_target"]["activity"]["spearman"] > 0.5
    assert (regression_run / "figures" / "scatter.png").is_file()
    assert "Spearman ρ per target" in (regression_run / "report.html").read_text()


def test_missing_values_are_refused_unless_masked(tables, tmp_path):
    train = pd.read_csv(tables / "train.tsv", sep="\t", dtype=str)
    train.loc[3, "liver"] = ""
    train.to_csv(tmp_path / "train.tsv", sep="\t", index=False)
    (tmp_path / "test.tsv").write_text((tables / "test.tsv").read_text())
    refused = run(tmp_path, tmp_path / "refused", "gc", "--label-columns", "heart,liver")
    assert refused.exit_code == 2 and "record 's3': no value in 'label:liver'" in refused.output
    assert not (tmp_path / "refused").exists()
    masked = run(tmp_path, tmp_path / "masked", "gc", "--label-columns", "heart,liver", "--mask-missing")
    assert masked.exit_code == 0, masked.output


def test_a_chosen_metric_must_be_one_of_the_task(tables, tmp_path):
    result = run(tables, tmp_path / "out", "cnn", "--target-columns", "activity", "--metric-for-best", "mcc")
    assert result.exit_code == 2 and "metric 'mcc' is not a metric of a regression task" in result.output


@pytest.mark.slow
def test_a_cnn_regressor_searches_and_keeps_epochs_by_spearman(tables, tmp_path, one_torch_thread):
    out = tmp_path / "out"
    extra = ["--search-lrs", "1e-3", "--search-epochs", "1", "--search-per-class", "20", "--epochs", "2"]
    result = run(tables, out, "cnn", "--target-columns", "activity", "--batch-size", "32", *extra)
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["config"]["metric_for_best"] == saved["config"]["search_metric"] == "spearman"
    assert saved["sources"]["metric_for_best"] == "task"
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) >= {"zero_shot", "fine_tuned"} and "per_target" not in metrics["fine_tuned"]
    predictions = pd.read_csv(out / "predictions.tsv", sep="\t")
    rho = stats.spearmanr(predictions["target:activity"], predictions["pred_activity_fine_tuned"]).statistic
    assert metrics["fine_tuned"]["spearman"] == pytest.approx(rho, abs=1e-12)  # ranks survive 9 digits
    assert "val_spearman" in set(pd.read_csv(out / "finetune" / "history.tsv", sep="\t")["metric"])


@pytest.mark.slow
def test_a_probe_and_the_untrained_head_answer_per_label(tables, tmp_path, one_torch_thread):
    out = tmp_path / "out"
    result = run(tables, out, "tiny-dnabert-6", "--label-columns", "heart,liver", "--mode", "probe")
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["probe"]["per_label"]) == set(metrics["zero_shot"]["per_label"]) == {"heart", "liver"}
    assert len(metrics["probe_setting"]["C"]) == 2  # one C per label, each by its own cross-validation
    predictions = pd.read_csv(out / "predictions.tsv", sep="\t")
    assert {"p_heart_probe", "p_liver_zero_shot"} <= set(predictions.columns)
