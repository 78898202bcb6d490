"""experiments/transfer.py: homology-grouped folds, resumable per-arm results, the summary table."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from enhancerlm.data.leakage.prepare import homology_clusters
from enhancerlm.models.kmer_lr import C_GRID
from enhancerlm.sequences.records import make_table

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def transfer():
    spec = importlib.util.spec_from_file_location("transfer", REPO / "experiments" / "transfer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_folds_never_split_a_homology_cluster(transfer):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 200)) for _ in range(60)]
    seqs += [s[:100] + "A" + s[101:] for s in seqs[:10]]  # ten near-copies of the first ten
    table = make_table([f"s{i}" for i in range(70)], seqs, ["enhancer", "not_enhancer"] * 35)
    clusters = homology_clusters(table["sequence"])
    assert len(set(clusters)) == 60
    fold_of, times_tested = np.empty(70, dtype=int), np.zeros(70, dtype=int)
    for fold, train, test in transfer.folds(table, 5):
        assert not set(train) & set(test) and len(train) + len(test) == 70
        fold_of[test] = fold
        times_tested[test] += 1
    assert (times_tested == 1).all()
    for cluster in set(clusters):
        assert len(set(fold_of[clusters == cluster])) == 1


def test_summary_table_is_mean_and_sd_over_folds(transfer):
    records = [
        {"arm": "gc", "fold": i, "seconds": 2.0, "accuracy": a, "mcc": 0.5, "auroc": 0.8}
        for i, a in enumerate((0.7, 0.8, 0.9))
    ]
    lines = transfer.summary_table(records).splitlines()
    assert lines[2] == "| gc | 3 | 0.800 +- 0.100 | 0.500 +- 0.000 | 0.800 +- 0.000 | 2 |"


def test_cheap_arms_run_on_shared_data_and_resume(transfer, shared_data, tmp_path, capsys):
    args = ["--out", str(tmp_path), "--limit", "60", "--folds", "2", "--arms", "gc", "kmer-lr"]
    transfer.main(args)
    results = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "results").glob("*/*.json"))
    assert results == ["results/gc/0.json", "results/gc/1.json", "results/kmer-lr/0.json", "results/kmer-lr/1.json"]
    record = json.loads((tmp_path / "results/gc/0.json").read_text())
    assert record["n_train"] + record["n_test"] == 60
    scored = pd.read_csv(tmp_path / "results/gc/0.tsv", sep="\t")
    assert len(scored) == record["n_test"] and scored["p"].between(0, 1).all()
    # A finished result is kept, not recomputed: the table reads it back as written.
    (tmp_path / "results/gc/0.json").write_text(json.dumps({**record, "accuracy": 0.0}))
    (tmp_path / "results/gc/1.json").write_text(json.dumps({**record, "fold": 1, "accuracy": 1.0}))
    capsys.readouterr()
    transfer.main(args)
    assert "| gc | 2 | 0.500 +- 0.707 |" in capsys.readouterr().out


@pytest.mark.slow
def test_probe_arm_fits_a_logistic_regression_on_frozen_embeddings(transfer, shared_data, tmp_path):
    transfer.main(["--out", str(tmp_path), "--limit", "60", "--folds", "2", "--arms", "probe-random-init"])
    record = json.loads((tmp_path / "results/probe-random-init/0.json").read_text())
    assert record["n_train"] + record["n_test"] == 60 and record["C"] in C_GRID
    assert "| probe-random-init | 2 |" in (tmp_path / "transfer.md").read_text()
