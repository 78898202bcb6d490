"""Polling a job, the queries and the `predict` TSV shared by the serve tests."""

from __future__ import annotations

import time

from tests.helpers import random_dna


def wait_for(client, url: str, timeout: float = 60.0) -> dict:
    """Poll a job until it is done, failed or cancelled."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(url).json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {url} not finished after {timeout} s")


def query_records(training_seqs: list[str]) -> dict[str, str]:
    """Six queries: two random, a training copy, its reverse complement, a 700 bp one (2 windows), 4 bp (< k)."""
    from enhancerlm.sequences.dna import reverse_complement

    return {
        "rand_a": random_dna(90, 1),
        "rand_b": random_dna(60, 2),
        "copy": training_seqs[0],
        "copy_rc": reverse_complement(training_seqs[1]),
        "long": random_dna(700, 3),
        "tiny": "ACGT",
    }


def predict_tsv(model, path, out, *extra: str) -> str:
    """What `enhancerlm predict` writes for ``path``, through the real entry point."""
    from typer.testing import CliRunner

    from enhancerlm.cli.main import app

    result = CliRunner().invoke(
        app, ["predict", "--model", str(model), "--input", str(path), "--out", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    return out.read_text()
