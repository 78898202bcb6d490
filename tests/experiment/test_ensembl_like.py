"""`enhancerlm run` on a small set shaped like human_enhancers_ensembl: leakage reported, novel subset exact,
no validation record beside its twin, records shorter than 6 bp kept and scored."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.data.generate.ensembl_like import make_ensembl_like, planned_counts, write_ensembl_like
from enhancerlm.data.leakage.splits import naive_split_twins
from enhancerlm.sequences.dna import canonical_sequences
from enhancerlm.sequences.records import make_table
from tests.helpers import fast_training

runner = CliRunner()
N_TRAIN, N_TEST = 150, 50
FAST = ["--n-boot", "20", "--baselines", "gc", "--seed", "0"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The generated set and the folder with its train.csv / test.csv (hub columns seq, label)."""
    generated = make_ensembl_like(N_TRAIN, N_TEST, seed=0)
    return generated, write_ensembl_like(generated, tmp_path_factory.mktemp("ensembl") / "set")


def run(data, out, *flags) -> dict:
    _, folder = data
    result = runner.invoke(
        app,
        [
            "run",
            "--train",
            str(folder / "train.csv"),
            "--test",
            str(folder / "test.csv"),
            "--out",
            str(out),
            *FAST,
            *flags,
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads((out / "metrics.json").read_text())


def train_sequences(data) -> dict[str, str]:
    """The run's ids of the training rows (``<file stem>_<row>``, no id column) -> sequence."""
    generated, _ = data
    return {f"train_{i + 1}": seq for i, seq in enumerate(generated.train["seq"])}


def assert_leakage_reported(data, out, metrics):
    generated, _ = data
    assert metrics["audit"]["exact_duplicates"] == planned_counts(N_TRAIN, N_TEST)["test_copies"] == 19
    assert metrics["audit"]["revcomp_duplicates"] == 0 and metrics["n_novel"] == N_TEST - 19
    audit = json.loads((out / "audit" / "audit.json").read_text())
    check = audit["validation_split"]["fine_tuning"]
    as_read = make_table(
        list(train_sequences(data)), generated.train["seq"].tolist(), generated.train["label"].astype(str).tolist()
    )
    assert check["naive"] == naive_split_twins(as_read, check["val_fraction"], 0)
    assert check["naive"]["n_val_with_train_twin"] > 0 and check["duplicate_aware"]["n_val_with_train_twin"] == 0
    assert "would have put" in (out / "audit" / "audit.md").read_text()


def assert_novel_and_short_records(data, out, metrics):
    generated, _ = data
    predictions = pd.read_csv(out / "predictions.tsv", sep="\t")
    truth = ~generated.test["seq"].isin(set(generated.train["seq"])).to_numpy()
    assert len(predictions) == N_TEST and (predictions["novel"].to_numpy() == truth).all()
    short = (generated.test["seq"].str.len() < 6).to_numpy()
    assert short.sum() == 1 and np.isfinite(predictions.loc[short, "p_fine_tuned"]).all()
    assert metrics["fine_tuned"]["n"] == N_TEST


def assert_split_keeps_twins_apart(data, split_file):
    seqs = train_sequences(data)
    split = pd.read_csv(split_file, sep="\t", dtype=str)
    assert set(split["split"]) == {"train", "val"} and set(split["id"]) <= set(seqs)
    canonical = canonical_sequences([seqs[i] for i in split["id"]]).to_numpy()
    in_train = set(canonical[split["split"].to_numpy() == "train"])
    assert not any(c in in_train for c in canonical[split["split"].to_numpy() == "val"])


@pytest.mark.slow
def test_kmer_lr_run_reports_leakage_and_scores_short_records(data, tmp_path):
    out = tmp_path / "out"
    metrics = run(data, out, "--backbone", "kmer-lr")
    assert_leakage_reported(data, out, metrics)
    assert_novel_and_short_records(data, out, metrics)
    assert "kmer_lr" not in metrics["baselines"] and "gc" in metrics["baselines"]


@pytest.mark.slow
def test_tiny_transformer_run_splits_without_twins(data, tmp_path, one_torch_thread):
    out = tmp_path / "out"
    metrics = run(
        data,
        out,
        "--backbone",
        "tiny-dnabert-6",
        *fast_training(batch_size=32),
        "--val-fraction",
        "0.2",
        "--no-zero-shot",
    )
    assert_leakage_reported(data, out, metrics)
    assert_novel_and_short_records(data, out, metrics)
    assert_split_keeps_twins_apart(data, out / "finetune" / "split.tsv")  # the search's split: tests/search
    removed = set(pd.read_csv(out / "audit" / "removed_from_train.tsv", sep="\t", dtype=str)["id"])
    finetune_ids = set(pd.read_csv(out / "finetune" / "split.tsv", sep="\t", dtype=str)["id"])
    assert len(removed) > 0 and removed.isdisjoint(finetune_ids)  # test duplicates left train before the split
    short_train = {i for i, seq in train_sequences(data).items() if len(seq) < 6}
    assert len(short_train) == 1 and short_train <= finetune_ids  # kept for training too
