"""`enhancerlm serve` through its HTTP API (starlette's TestClient): the numbers of `predict`, errors, limits, queue."""

from __future__ import annotations

import io
import threading
import time

import numpy as np
import pandas as pd
import pytest

from enhancerlm.interpret.attribution import attribute
from enhancerlm.predict import predict_proba
from enhancerlm.serve.jobs import JobQueue
from enhancerlm.serve.limits import QueueFullError, ServeLimits
from enhancerlm.serve.work import warm_up
from enhancerlm.tokenization.windows import split_windows
from tests.helpers import fasta, random_dna

from .helpers import predict_tsv, query_records, wait_for

PREDICT_COLUMNS = ["id", "probability", "prediction", "p_not_enhancer", "p_enhancer"]


def _table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)


def _scored(client, **request) -> dict:
    response = client.post("/api/predict", **request)
    assert response.status_code == 202, response.text
    job = wait_for(client, response.json()["url"])
    assert job["status"] == "done", job
    return job


@pytest.mark.parametrize("both_strands", [False, True])
def test_upload_gives_exactly_the_numbers_of_predict(client, tiny_run, training_seqs, tmp_path, both_strands):
    records = query_records(training_seqs)
    path = tmp_path / "query.fa"
    path.write_text(fasta(records))
    extra = ["--both-strands"] if both_strands else []
    expected = _table(predict_tsv(tiny_run / "model", path, tmp_path / "p.tsv", *extra))
    data = {"both_strands": "on"} if both_strands else {}
    job = _scored(client, files={"file": ("query.fa", path.read_bytes())}, data=data)
    served = _table(client.get(f"{job['url'] if 'url' in job else '/api/jobs/' + job['id']}/predictions.tsv").text)
    pd.testing.assert_frame_equal(served[PREDICT_COLUMNS], expected)
    rows = job["result"]["rows"]
    assert [r["probability_text"] for r in rows] == expected["probability"].tolist()
    assert [r["length_bp"] for r in rows] == [len(s) for s in records.values()]


def test_pasted_fasta_and_raw_lines_score_alike(client, training_seqs):
    records = query_records(training_seqs)
    by_fasta = _scored(client, data={"sequences": fasta(records)})["result"]["rows"]
    raw = "\n".join(records.values()) + "\n\n"
    by_lines = _scored(client, data={"sequences": raw})["result"]["rows"]
    assert [r["id"] for r in by_lines] == [f"seq_{i}" for i in range(1, 7)]
    assert [r["probability_text"] for r in by_lines] == [r["probability_text"] for r in by_fasta]


def test_csv_upload_and_paste_together_keep_input_order(client):
    csv = b"id,sequence,label\nc1,ACGTACGTTTGACCA,enhancer\nc2,GGGGCCCCAAAATTTT,other\n"
    job = _scored(client, data={"sequences": ">p1\nACGTTGCAACGT\n"}, files={"file": ("table.csv", csv)})
    assert [r["id"] for r in job["result"]["rows"]] == ["p1", "c1", "c2"]


def test_training_overlap_flags_as_the_audit_names_them(client, training_seqs):
    rows = _scored(client, data={"sequences": fasta(query_records(training_seqs))})["result"]["rows"]
    assert {r["id"]: r["training"] for r in rows} == {
        "rand_a": "novel",
        "rand_b": "novel",
        "copy": "exact",
        "copy_rc": "revcomp",
        "long": "novel",
        "tiny": "novel",
    }


def test_calls_follow_the_threshold(client, training_seqs):
    records = query_records(training_seqs)
    rows = _scored(client, data={"sequences": fasta(records)})["result"]["rows"]
    cut = float(np.median([r["probability"] for r in rows]))
    rows = _scored(client, data={"sequences": fasta(records), "threshold": str(cut)})["result"]["rows"]
    assert [r["call"] for r in rows] == ["enhancer" if r["probability"] >= cut else "not_enhancer" for r in rows]
    assert {r["call"] for r in rows} == {"enhancer", "not_enhancer"}


def test_reader_warnings_reach_the_page(client):
    rows = _scored(client, data={"sequences": ">a\nACGTRYACGTACGTAAAC\n>a\nACGTTTGACC\n"})["result"]
    notes = " ".join(rows["notes"])
    assert "IUPAC" in notes and "a~2" in notes and "/tmp" not in notes


@pytest.mark.parametrize(
    "request_kwargs, message",
    [
        ({"files": {"file": ("bad.fa", b">r1\nACGTACGT\n>r2\nACGT?CGT\n")}}, "bad.fa: record 'r2' position 5"),
        ({"files": {"file": ("t.csv", b"name,seq_x\na,ACGT\n")}}, "t.csv"),
        ({"files": {"file": ("notes.docx", b"PK\x03\x04 binary")}}, "notes.docx: is zip-compressed"),
        ({"data": {"sequences": "/etc/passwd"}}, "character '/' is not a nucleotide"),
        ({"data": {"sequences": "  \n"}}, "nothing to score"),
        ({"data": {"sequences": "ACGT", "threshold": "high"}}, "threshold 'high': not a number"),
        ({"data": {"sequences": "ACGT", "threshold": "1.5"}}, "threshold 1.5"),
    ],
)
def test_bad_input_is_a_400_with_the_readers_message(client, request_kwargs, message):
    response = client.post("/api/predict", **request_kwargs)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert "enhancerlm-serve-" not in response.json()["error"]  # the server's temp names stay hidden


def test_a_file_path_is_never_opened(client, tmp_path):
    secret = tmp_path / "secret.fa"
    secret.write_text(">secret\nACGTACGTACGT\n")
    response = client.post("/api/predict", data={"sequences": str(secret)})
    assert response.status_code == 400 and "not a nucleotide" in response.json()["error"]
    response = client.post("/api/predict", files={"file": (str(secret), b">mine\nACGTACGTAA\n")})
    job = wait_for(client, response.json()["url"])
    assert [r["id"] for r in job["result"]["rows"]] == ["mine"]


@pytest.mark.parametrize(
    "limits, sequences, message, flag",
    [
        (ServeLimits(max_sequences=2), ">a\nACGT\n>b\nACGT\n>c\nACGT\n", "3 sequences", "--max-sequences"),
        (ServeLimits(max_total_bp=10), ">a\nACGTAC\n>b\nACGTAC\n", "12 bp", "--max-total-bp"),
        (ServeLimits(max_request_mb=0.001), ">a\n" + "A" * 2000 + "\n", "MB", "--max-request-mb"),
    ],
)
def test_limits_are_a_413_naming_the_flag(make_client, limits, sequences, message, flag):
    response = make_client(limits).post("/api/predict", data={"sequences": sequences})
    assert response.status_code == 413
    assert message in response.json()["error"] and flag in response.json()["error"]


def test_body_limit_holds_without_content_length(make_client):
    client = make_client(ServeLimits(max_request_mb=0.001))

    def body():
        yield b"sequences=" + b"A" * 600
        yield b"A" * 600

    response = client.post(
        "/api/predict", content=body(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


@pytest.mark.slow
def test_explain_gives_the_attribution_of_interpret_and_window_scores(client, served, training_seqs):
    records = query_records(training_seqs)
    job = _scored(client, data={"sequences": fasta(records)})
    ids = [r["id"] for r in job["result"]["rows"]]
    # ISM of 700 bp is 2,100 mutants in 2 windows each: integrated gradients there keeps the test short.
    for name, method in (("rand_a", "ism"), ("long", "ig")):
        response = client.post(f"/api/jobs/{job['id']}/rows/{ids.index(name)}/explain", data={"method": method})
        explained = wait_for(client, response.json()["url"])
        assert explained["status"] == "done", explained
        result = explained["result"]
        expected = attribute(served.classifier, [records[name]], method)[0]
        assert result["attribution"] == pytest.approx(expected.tolist(), abs=0, rel=0)
        svg = client.get(f"/api/jobs/{explained['id']}/attribution.svg")
        assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
        windows = split_windows([records[name]], served.classifier.max_bp)
        window_p = predict_proba(served.classifier, windows.seqs)[:, 1]
        assert [w["probability"] for w in result["windows"]] == pytest.approx(window_p.tolist(), abs=0, rel=0)
        assert [w["start"] for w in result["windows"]] == windows.starts.tolist()
        row = job["result"]["rows"][ids.index(name)]
        # The sequence's score is the mean of its windows' (predict's policy), here recomputed from them.
        assert np.mean(window_p) == pytest.approx(row["probability"], rel=1e-6)
    assert [(w["start"], w["end"]) for w in result["windows"]] == [(0, 515), (185, 700)]  # the last at the end
    assert client.get(f"/api/jobs/{explained['id']}/windows.svg").status_code == 200
    for motif in result["motifs"]:
        assert (
            motif["end"] - motif["start"] == 21 and records["long"][motif["start"] : motif["end"]] == motif["sequence"]
        )
        assert len(motif["matches"]) == 3 and all(m["matrix_id"].startswith("MA") for m in motif["matches"])


def test_explain_refuses_past_its_limit_and_unknown_methods(make_client, training_seqs):
    client = make_client(ServeLimits(max_explain_bp=100))
    job = _scored(client, data={"sequences": fasta(query_records(training_seqs))})
    explained = wait_for(client, client.post(f"/api/jobs/{job['id']}/rows/4/explain").json()["url"])
    assert (
        explained["status"] == "failed" and "700 bp" in explained["error"] and "--max-explain-bp" in explained["error"]
    )
    response = client.post(f"/api/jobs/{job['id']}/rows/0/explain", data={"method": "magic"})
    assert response.status_code == 400 and "magic" in response.json()["error"]
    assert client.post(f"/api/jobs/{job['id']}/rows/99/explain").status_code == 404
    assert client.get("/api/jobs/nope/predictions.tsv").status_code == 404


def test_work_runs_off_the_request_thread_behind_a_bounded_queue():
    release = threading.Event()
    jobs = JobQueue(size=1, kept=10)
    try:
        first = jobs.submit("block", release.wait)
        while first.status == "queued":
            pass
        second = jobs.submit("next", lambda: 42)  # waits in the one slot
        with pytest.raises(QueueFullError, match="busy"):
            jobs.submit("third", lambda: 0)
        assert (first.status, second.status) == ("running", "queued")
        release.set()
        while second.status != "done":
            pass
        assert second.result == 42 and jobs.get(second.id) is second
    finally:
        release.set()
        jobs.close()


def test_a_full_queue_is_a_503_and_the_page_still_answers(make_client, monkeypatch):
    from enhancerlm.serve import app as app_module

    release = threading.Event()
    monkeypatch.setattr(app_module, "score", lambda *args: release.wait())
    warm_up()  # cached: the app's own warm-up job then leaves the worker at once
    client = make_client(ServeLimits(queue_size=1))
    while client.get("/api/health").json()["waiting"]:
        pass
    try:
        statuses = [client.post("/api/predict", data={"sequences": "ACGTACGT"}).status_code for _ in range(3)]
        assert statuses[:2] == [202, 202] and statuses[2] == 503
        assert client.get("/api/health").json()["status"] == "ok"
        assert client.get("/").status_code == 200
    finally:
        release.set()


def test_failed_job_shows_one_line_not_a_traceback(client, monkeypatch):
    from enhancerlm.serve import app as app_module

    monkeypatch.setattr(app_module, "score", lambda *args: 1 / 0)
    job = wait_for(client, client.post("/api/predict", data={"sequences": "ACGTACGT"}).json()["url"])
    assert job["status"] == "failed" and job["error"] == "internal error (ZeroDivisionError); see the server log"


def test_model_card_shows_the_runs_metrics_and_baselines(client, tiny_run):
    import json

    metrics = json.loads((tiny_run / "metrics.json").read_text())
    card = client.get("/api/model").json()
    assert [r["model"] for r in card["metrics"]] == [
        "fine-tuned",
        "untrained head",
        "baseline: kmer_lr",
        "baseline: gc",
    ]
    assert card["metrics"][0]["auroc"] == metrics["fine_tuned"]["auroc"]
    assert card["metrics"][3]["auroc_ci"] == metrics["baselines"]["gc"]["ci"]["auroc"]
    assert card["training"]["n_train"] == 64 and card["training"]["class_counts"] == {
        "enhancer": 32,
        "not_enhancer": 32,
    }
    page = client.get("/")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    auroc, (lo, hi) = metrics["fine_tuned"]["auroc"], metrics["fine_tuned"]["ci"]["auroc"]
    assert f"{auroc:.3f} [{lo:.3f}, {hi:.3f}]" in page.text and "baseline: gc" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # every asset from this server
    assert client.get("/static/app.js").status_code == 200


def test_model_folder_without_run_still_serves(tmp_path, served):
    from starlette.testclient import TestClient

    from enhancerlm.serve.app import create_app
    from enhancerlm.serve.served import load_served_model

    served.classifier.save(tmp_path / "model")
    alone = load_served_model(tmp_path / "model")
    assert alone.training is None and alone.card["metrics"] == []
    with TestClient(create_app(alone)) as client:
        assert "no run folder" in client.get("/").text
        job = wait_for(client, client.post("/api/predict", data={"sequences": "ACGTACGTAA"}).json()["url"])
        assert job["result"]["rows"][0]["training"] == "unknown"


def test_cli_passes_host_port_and_limits_to_uvicorn(tiny_run, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from enhancerlm.cli.main import app

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda asgi, **kw: seen.update(kw, app=asgi))
    args = ["serve", "--model", str(tiny_run / "model"), "--port", "8123", "--max-sequences", "7"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123)
    assert seen["app"].state.limits == ServeLimits(max_sequences=7)
    seen["app"].state.jobs.close()
    result = CliRunner().invoke(app, ["serve", "--model", str(tiny_run), "--host", "0.0.0.0"])  # a run folder too
    assert result.exit_code == 0 and "warning: listening on 0.0.0.0" in result.output
    seen["app"].state.jobs.close()
    result = CliRunner().invoke(app, ["serve", "--model", str(tiny_run / "audit")])
    assert result.exit_code == 2 and "not an enhancerlm model folder" in result.output


def test_gzip_uploads_are_read_and_bombs_refused(make_client):
    import gzip

    client = make_client(ServeLimits(max_total_bp=1000))
    two_members = gzip.compress(b">g1\nACGTACGTAA\n") + gzip.compress(b">g2\nTTGACCAAGT\n")  # as BGZF writes
    job = _scored(client, files={"file": ("small.fa.gz", two_members)})
    assert [r["id"] for r in job["result"]["rows"]] == ["g1", "g2"]
    bomb = gzip.compress(b">big\n" + b"A" * 30_000_000)  # 30 kB of gzip
    response = client.post("/api/predict", files={"file": ("big.fa.gz", bomb)})
    assert response.status_code == 413 and "big.fa.gz: decompresses to more than" in response.json()["error"]
    response = client.post("/api/predict", files={"file": ("broken.fa.gz", two_members[:30])})
    assert response.status_code == 400 and "broken.fa.gz" in response.json()["error"]


def test_scoring_goes_on_while_a_long_attribution_runs_and_that_one_can_be_cancelled(
    client, training_seqs, monkeypatch
):
    from enhancerlm.interpret import ism

    monkeypatch.setattr(ism, "SCORE_STEP", 16)  # short model calls: progress, pauses and cancel come often
    records = query_records(training_seqs)
    table = _scored(client, data={"sequences": fasta(records)})
    explaining = client.post(f"/api/jobs/{table['id']}/rows/4/explain", data={"method": "ism"}).json()["url"]
    deadline = time.monotonic() + 60
    while (job := client.get(explaining).json())["progress"]["done"] == 0:
        assert job["status"] in ("queued", "running") and time.monotonic() < deadline
        time.sleep(0.05)
    progress = job["progress"]
    # 700 bp in 2 windows of 515 bp, bases 185-514 in both: a substitution is scored in the windows holding it.
    assert (progress["step"], progress["unit"]) == ("ISM", "model input")
    assert progress["total"] == 2 + 3 * (700 + 330)
    scored = _scored(client, data={"sequences": ">q\n" + records["rand_a"] + "\n"})  # not queued behind ISM
    assert scored["result"]["rows"][0]["probability_text"] == table["result"]["rows"][0]["probability_text"]
    job = client.get(explaining).json()
    assert job["status"] == "running" and job["progress"]["done"] < job["progress"]["total"]
    assert job["progress"]["seconds_left"] > 0
    response = client.post(f"{explaining}/cancel")
    assert response.status_code == 202 and response.json()["cancelling"]
    job = wait_for(client, explaining)
    assert job["status"] == "cancelled" and job["error"].startswith("ISM cancelled after")
    assert client.post(f"{explaining}/cancel").status_code == 409
    assert client.post("/api/jobs/nope/cancel").status_code == 404


@pytest.mark.slow
def test_explanation_says_its_unit_and_how_windows_make_the_score(client, served, training_seqs, monkeypatch):
    records = query_records(training_seqs)
    job = _scored(client, data={"sequences": fasta(records)})
    explained = wait_for(
        client, client.post(f"/api/jobs/{job['id']}/rows/4/explain", data={"method": "ig"}).json()["url"]
    )
    result = explained["result"]
    assert result["unit"] == "log-odds" and result["window_bp"] == 515 and result["stride_bp"] == 257
    assert result["score"] == pytest.approx(np.mean([w["probability"] for w in result["windows"]]), abs=0)
    assert result["score"] == pytest.approx(job["result"]["rows"][4]["probability"], rel=1e-6)
    assert explained["progress"]["step"] == "JASPAR matches"  # the last step it went through
    card = client.get("/api/model").json()
    assert card["methods"] == ["ism", "ig"]


def test_the_table_shows_four_decimals_beside_predicts_text(client, training_seqs):
    rows = _scored(client, data={"sequences": fasta(query_records(training_seqs))})["result"]["rows"]
    assert [r["probability_shown"] for r in rows] == [f"{float(r['probability_text']):.4f}" for r in rows]
    assert all(len(r["probability_shown"]) == 6 for r in rows)


def test_the_page_writes_lengths_as_people_do(client):
    page = client.get("/").text
    assert "median length enhancer 80, not_enhancer 80 bp" in page and "80.0" not in page
    assert "2,000,000 bp in all, 10 MB" in page
    # the method menu is part of the results, ready before any row is clicked
    assert page.index('id="method"') < page.index('id="predictions"') < page.index('id="explain"')


def test_pictures_count_whole_sequences_and_line_up_windows_with_bases():
    from enhancerlm.serve.work import attribution_figure, histogram_figure, windows_figure

    ax = histogram_figure(np.array([0.1, 0.12, 0.5, 0.9]), 0.5, "P(enhancer)").axes[0]
    assert all(float(t).is_integer() for t in ax.get_yticks())
    seq = random_dna(700, 5)
    windows = pd.DataFrame({"start": [0, 185], "end": [515, 700], "probability": [1.0, 0.999]})
    track = attribution_figure(seq, np.linspace(-1, 1, 700), "ism", "s").axes[0]
    drawn = windows_figure(windows, 700, "P(enhancer)", 0.9995)
    under = drawn.axes[0]
    assert track.get_xlim() == under.get_xlim() == (0.5, 700.5)  # bases 1..700, each 1 wide
    assert track.figure.get_figwidth() == drawn.get_figwidth()
    assert (track.get_position().x0, track.get_position().x1) == (under.get_position().x0, under.get_position().x1)
    assert under.get_ylim()[1] > 1.05 and under.get_ylim()[0] < 0  # a score of 1 is inside the frame
    assert "log-odds" in track.get_ylabel() and "1-based" in track.get_xlabel()
