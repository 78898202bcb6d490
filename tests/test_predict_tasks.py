"""`predict` (library, CLI, ``elm.predict``) for multi-label and regression models: columns by the model's task."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import enhancerlm as elm
from enhancerlm.cli.main import app
from enhancerlm.errors import InputError
from enhancerlm.predict import declared_task_notes, predict_table
from enhancerlm.sequences.records import make_table
from tests.helpers import random_dna, write_fasta
from tests.task_doubles import AP1, LABELS, TARGETS, MotifModel, register, saved

RECORDS = {
    "two_sites": random_dna(40, 1) + AP1 + random_dna(40, 2) + AP1,
    "no_site": "A" * 30 + "GC" * 10,
    "long": random_dna(500, 3) + AP1,  # 2.5 windows of 200 bp: windowed, then averaged
}


@pytest.fixture
def registered(monkeypatch):
    return register(monkeypatch)


def test_multilabel_columns_are_the_known_functions():
    model = MotifModel(LABELS, max_bp=None)
    table = predict_table(model, make_table(list(RECORDS), list(RECORDS.values())))
    assert list(table.columns) == ["id", "prediction", "p_AP1", "p_GC"]
    p_ap1 = 1 / (1 + np.exp(2 - 4 * np.array([2, 0, 1])))
    np.testing.assert_allclose(table["p_AP1"], p_ap1, rtol=1e-6)
    gc = [(s.count("G") + s.count("C")) / len(s) for s in RECORDS.values()]
    np.testing.assert_allclose(table["p_GC"], gc, rtol=1e-6)
    # labels at probability >= 0.5, joined by ';'
    expected = [";".join(n for n, p in zip(("AP1", "GC"), row) if p >= 0.5) for row in zip(p_ap1, gc)]
    assert table["prediction"].tolist() == expected


def test_regression_columns_and_windows_averaged():
    model = MotifModel(TARGETS, max_bp=200)
    table = predict_table(model, make_table(["long"], [RECORDS["long"]]))
    assert list(table.columns) == ["id", "pred_AP1_sites", "pred_GC_pct"]
    # 507 bp, windows of 200 every 100 bp plus one aligned to the end: the mean of the windows' counts
    windows = [RECORDS["long"][s : s + 200] for s in (0, 100, 200, 300, 307)]
    assert table["pred_AP1_sites"].iloc[0] == pytest.approx(np.mean([w.count(AP1) for w in windows]))


def test_cli_and_api_agree_and_declared_task_is_a_note(registered, tmp_path):
    model = saved(tmp_path / "model")
    fasta = write_fasta(tmp_path / "in.fa", RECORDS)
    out = tmp_path / "p.tsv"
    args = ["predict", "-m", str(model), "-i", str(fasta), "-o", str(out), "--label-columns", "AP1,CTCF"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "--label-columns ignored: predict reads no truth" in result.output
    assert "the model's outputs are ['AP1', 'GC'], not ['AP1', 'CTCF']" in result.output
    written = pd.read_csv(out, sep="\t", keep_default_na=False)
    api = elm.predict(model, str(fasta))
    assert list(written.columns) == list(api.columns) == ["id", "prediction", "p_AP1", "p_GC"]
    np.testing.assert_allclose(written[["p_AP1", "p_GC"]], api[["p_AP1", "p_GC"]], rtol=1e-5)


def test_declared_task_notes():
    assert declared_task_notes(LABELS) == []
    assert declared_task_notes(LABELS, "regression")[1] == "the model is multilabel, not regression"
    assert declared_task_notes(TARGETS, target_columns=["AP1_sites", "GC_pct"]) == [
        "--target-columns ignored: predict reads no truth; the columns follow the model's task "
        "(regression: AP1_sites, GC_pct)"
    ]
    with pytest.raises(InputError, match="--task 'multi'"):
        declared_task_notes(LABELS, "multi")
