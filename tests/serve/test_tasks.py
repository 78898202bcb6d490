"""The web page and API of a multi-label (cell-type) model: per-label scores, label calls, model card, attribution."""

from __future__ import annotations

import json

import numpy as np
import pytest

from enhancerlm.serve.app import create_app
from enhancerlm.serve.served import load_served_model
from tests.helpers import fasta, random_dna
from tests.task_doubles import AP1, LABELS, TARGETS, register, saved, window_outputs

from .helpers import wait_for

RECORDS = {"site": random_dna(30, 1) + AP1 + random_dna(30, 2), "gc": "GC" * 20 + "A" * 10, "none": "A" * 40}
METRICS = {
    "fine_tuned": {
        "n": 40,
        "auprc_macro": 0.8,
        "per_label": {"AP1": {"auroc": 0.95, "auprc": 0.9, "ci": {"auroc": [0.9, 0.99]}}, "GC": {"auroc": 0.6}},
    }
}


@pytest.fixture
def run_folder(tmp_path, monkeypatch):
    """A run folder holding a saved multi-label double and a metrics.json in the issue's shape."""
    register(monkeypatch)
    saved(tmp_path / "run" / "model")
    (tmp_path / "run" / "metrics.json").write_text(json.dumps(METRICS))
    return tmp_path / "run"


@pytest.fixture
def client(run_folder):
    from starlette.testclient import TestClient

    with TestClient(create_app(load_served_model(run_folder))) as client:
        yield client


def _scored(client, threshold="0.5"):
    response = client.post("/api/predict", data={"sequences": fasta(RECORDS), "threshold": threshold})
    assert response.status_code == 202, response.text
    job = wait_for(client, response.json()["url"])
    assert job["status"] == "done", job
    return job


def test_per_label_scores_and_calls(client):
    job = _scored(client, threshold="0.6")
    rows = job["result"]["rows"]
    assert job["result"]["outputs"] == ["p_AP1", "p_GC"]
    for row, seq in zip(rows, RECORDS.values()):
        assert [row["scores"]["p_AP1"], row["scores"]["p_GC"]] == pytest.approx(window_outputs(seq, LABELS), rel=1e-6)
        assert "probability" not in row
    # labels at or above the page's threshold (0.6), "none" without any
    assert [r["call"] for r in rows] == ["AP1", "GC", "none"]
    tsv = client.get(f"/api/jobs/{job['id']}/predictions.tsv").text.splitlines()
    assert tsv[0].split("\t") == ["id", "prediction", "p_AP1", "p_GC", "length_bp", "call", "training"]


def test_page_and_card_show_the_labels_and_their_metrics(client):
    card = client.get("/api/model").json()
    assert (card["model"]["task"], card["model"]["classes"], card["model"]["positive"]) == (
        "multilabel",
        ["AP1", "GC"],
        None,
    )
    assert card["per_output"][0] == {
        "output": "AP1", "auroc": 0.95, "auroc_ci": [0.9, 0.99], "auprc": 0.9, "auprc_ci": None,
    }  # fmt: skip
    page = client.get("/").text
    assert 'data-key="score:p_AP1"' in page and "<th>label</th>" in page and '<option value="GC">GC</option>' in page


def test_attribution_for_a_chosen_label(client):
    job = _scored(client)
    url = f"/api/jobs/{job['id']}/rows/0/explain"
    assert client.post(url, data={"method": "ism", "target": "CTCF"}).status_code == 400
    answer = client.post(url, data={"method": "ism", "target": "GC"})
    result = wait_for(client, answer.json()["url"])["result"]
    assert (result["target"], result["unit"]) == ("GC", "log-odds")
    p = np.float64(window_outputs(RECORDS["site"], LABELS)[1])
    assert result["windows"][0]["probability"] == pytest.approx(p, rel=1e-6)
    default = wait_for(client, client.post(url, data={"method": "ism"}).json()["url"])["result"]
    assert default["target"] == "AP1"  # the first label
    # every substitution in the site takes AP1's log-odds from 2 to -2: 4 per site base, 0 elsewhere
    attribution = np.array(default["attribution"])
    assert (
        attribution[30:37] == pytest.approx([4.0] * 7, rel=1e-5)
        and np.abs(np.delete(attribution, range(30, 37))).max() < 1e-6
    )


def test_regression_model_has_values_and_no_calls(tmp_path, monkeypatch):
    from starlette.testclient import TestClient

    register(monkeypatch)
    served = load_served_model(saved(tmp_path / "model", TARGETS))
    with TestClient(create_app(served)) as client:
        rows = _scored(client)["result"]["rows"]
        assert rows[0]["scores"]["pred_AP1_sites"] == 1.0 and rows[1]["call"] == ""
        assert "<dt>targets</dt><dd>AP1_sites, GC_pct</dd>" in client.get("/").text
