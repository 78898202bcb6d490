"""`enhancerlm serve` as a user meets it: the real uvicorn server, driven in headless Chromium by Playwright.

Playwright's own browser download cannot be fetched here, so it drives the system Chromium
(Debian's ``chromium``) through ``executable_path``; without one the test skips and says why.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest

from tests.helpers import fasta

from .helpers import predict_tsv, query_records

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no chromium binary on PATH (Debian: apt-get install -y chromium); browser test skipped")


@pytest.fixture
def server(served):
    """The app on a free loopback port, served by uvicorn in a thread; yields the base URL."""
    import uvicorn

    from enhancerlm.serve.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(served), log_level="warning")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not runner.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runner.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    runner.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def page(tmp_path):
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "user-data"),
            executable_path=executable,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            bypass_csp=True,  # Playwright's wait_for_function evaluates strings, which the page's CSP forbids
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _shown(page, selector: str) -> str:
    """Wait until the image ``selector`` is shown and decoded; return its src."""
    page.wait_for_function(
        f"(() => {{ const img = document.querySelector('{selector}'); const box = img.closest('figure');"
        " return !box.hidden && img.complete && img.naturalWidth > 0; })()",
        timeout=120_000,
    )
    return page.get_attribute(selector, "src")


def test_paste_table_sort_explain_and_a_bad_file(server, page, tiny_run, training_seqs, tmp_path):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    records = {k: v for k, v in query_records(training_seqs).items() if k != "long"}
    query = tmp_path / "query.fa"
    query.write_text(fasta(records))
    expected = predict_tsv(tiny_run / "model", query, tmp_path / "predict.tsv").splitlines()[1:]
    expected = {line.split("\t")[0]: f"{float(line.split(chr(9))[1]):.4f}" for line in expected}

    page.goto(server + "/")
    assert "tiny-dnabert-6" in page.text_content("header")
    page.fill("#sequences", query.read_text())
    page.click("#submit")
    page.wait_for_function("document.querySelectorAll('#predictions tbody tr').length === 5")
    shown = dict(
        zip(
            page.locator("#predictions td.id").all_text_contents(),
            page.locator("#predictions td.probability").all_text_contents(),
        )
    )
    assert shown == expected  # `enhancerlm predict`'s numbers, every one with 4 decimals
    assert page.locator("#predictions tr:has(td.id:text-is('copy')) td.training").text_content() == "exact"
    note = page.text_content("#training-note")
    assert "2 of these 5 sequences are copies of training sequences (an exact copy, the reverse complement)" in note
    assert "a score on a training sequence is not evidence" in note
    page.wait_for_function("document.getElementById('histogram').naturalWidth > 0")
    assert page.is_visible("#method")  # chosen before a row is clicked
    assert page.locator("#method option").all_text_contents()[1].startswith("integrated gradients")

    page.click("#predictions th[data-key=probability]")
    ascending = [float(x) for x in page.locator("#predictions td.probability").all_text_contents()]
    assert ascending == sorted(ascending)
    page.click("#predictions th[data-key=probability]")
    assert [float(x) for x in page.locator("#predictions td.probability").all_text_contents()] == ascending[::-1]
    page.screenshot(path=str(tmp_path / "table.png"), full_page=True)

    page.click("#predictions td.id:text-is('rand_a')")
    ism_track = _shown(page, "#attribution")
    assert page.text_content("#explain-id") == "rand_a" and page.text_content("#explain-method") == "ISM"
    assert "ISM attribution of 90 bp" in page.text_content("#explain-status")
    assert "in log-odds of enhancer" in page.text_content("#attribution-caption")
    for bases, seq in zip(
        page.locator("#motifs td.bases").all_text_contents(), page.locator("#motifs td.sequence").all_text_contents()
    ):
        first, last = (int(x) for x in bases.split("-"))  # 1-based, inclusive
        assert records["rand_a"][first - 1 : last] == seq
    page.screenshot(path=str(tmp_path / "explain.png"), full_page=True)

    page.select_option("#method", "ig")  # re-explains the row shown; the menu and the track never disagree
    page.wait_for_function("document.getElementById('explain-method').textContent === 'integrated gradients'")
    ig_track = _shown(page, "#attribution")
    assert ig_track != ism_track and "integrated gradients attribution of 90 bp" in page.text_content("#explain-status")
    page.click("#predictions td.id:text-is('copy')")
    assert "an exact copy of a training sequence" in page.text_content("#explain-training")

    page.fill("#sequences", "")
    page.set_input_files(
        "#file", files=[{"name": "broken.fa", "mimeType": "text/plain", "buffer": b">r1\nACGTACGT\n>r2\nACGT?CGT\n"}]
    )
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])")
    assert "broken.fa: record 'r2' position 5" in page.text_content("#error")
    # nothing of the earlier input is left to be read as this one's result
    assert page.locator("#predictions tbody tr").count() == 0
    assert not page.is_visible("#results") and not page.is_visible("#explain")
    page.screenshot(path=str(tmp_path / "error.png"), full_page=True)

    assert all(url.startswith(server) for url in requested), [u for u in requested if not u.startswith(server)]
    assert {p.name for p in tmp_path.glob("*.png")} == {"table.png", "explain.png", "error.png"}


def test_a_long_attribution_shows_progress_and_stops_on_cancel(server, page, training_seqs, monkeypatch, tmp_path):
    from enhancerlm.interpret import ism

    monkeypatch.setattr(ism, "SCORE_STEP", 16)  # short model calls, so the bar moves within the test
    page.goto(server + "/")
    page.fill("#sequences", fasta(query_records(training_seqs)))
    page.click("#submit")
    page.wait_for_function("document.querySelectorAll('#predictions tbody tr').length === 6")
    page.click("#predictions td.id:text-is('long')")
    page.wait_for_function(
        "/of 3,092 model inputs, about .* left/.test(document.getElementById('explain-status').textContent)"
    )
    assert page.is_visible("#explain-progress") and page.is_visible("#cancel")
    page.screenshot(path=str(tmp_path / "progress.png"), full_page=True)
    page.click("#cancel")
    assert page.text_content("#explain-status") == "cancelled" and not page.is_visible("#explain-progress")
    assert not page.is_visible("#attribution")
