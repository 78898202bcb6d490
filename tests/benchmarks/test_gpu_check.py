"""benchmarks/gpu_check.sh: its CPU path runs end to end and prints the table; a missing GPU is a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "gpu_check.sh"


def run_check(*args: str) -> subprocess.CompletedProcess:
    # PYTHONPATH is the script's own (src/), as on the GPU machine where the package is not installed
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.slow
def test_cpu_tiny_path_prints_every_row():
    result = run_check("--device", "cpu", "--tiny")
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    for step in ("fine-tuning", "predict_proba", "model FLOP/s", "embed_sequences", "scan"):
        assert step in table, table
    assert "seq/s" in table and "bp/s" in table


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a machine without a GPU")
def test_no_gpu_is_a_clear_error():
    result = run_check("--tiny")
    assert result.returncode == 2
    assert "no GPU" in result.stderr
