"""``enhancerlm scan`` on the command line, alone and as two CPU processes under torchrun (gloo)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app

from .helpers import SCAN_ARGS

OUTPUTS = ("scores.bedgraph", "enhancers.bed", "scores.bw", "summary.json")


def same_outputs(out, reference):
    return {n: (out / n).read_bytes() for n in OUTPUTS if (reference / n).exists()} == {
        n: (reference / n).read_bytes() for n in OUTPUTS if (reference / n).exists()
    }


def test_cli_scan_and_clear_errors(tiny_model, genome_fasta, reference_scan, tmp_path):
    out = tmp_path / "out"
    args = ["scan", "--model", str(tiny_model), "--genome", str(genome_fasta), "--out", str(out), *SCAN_ARGS]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "33 windows scored, 8 skipped (N), 3 enhancers (1126 bp)" in result.output
    assert same_outputs(out, reference_scan)
    bad = CliRunner().invoke(app, [*args[:6], str(tmp_path / "out2"), "--regions", str(tmp_path / "no.bed")])
    assert bad.exit_code == 2 and "no.bed does not exist" in bad.output
    assert not (tmp_path / "out2" / "scores.bedgraph").exists()


def test_two_processes_match_one(tiny_model, genome_fasta, reference_scan, tmp_path):
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "enhancerlm.cli.main",
        "scan",
        "--model",
        str(tiny_model),
        "--genome",
        str(genome_fasta),
        "--out",
        str(out),
        *SCAN_ARGS,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(re.findall(r"(\d+) chunks scored here", run.stderr)) == ["3", "3"]  # both processes worked
    assert same_outputs(out, reference_scan)


@pytest.mark.parametrize("flag, value", [("--threshold", "1.5"), ("--chunk-windows", "0")])
def test_cli_rejects_bad_numbers(tiny_model, genome_fasta, tmp_path, flag, value):
    args = [
        "scan",
        "--model",
        str(tiny_model),
        "--genome",
        str(genome_fasta),
        "--out",
        str(tmp_path / "o"),
        flag,
        value,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and f"{flag[2:].replace('-', '_')}={value}" in result.output
    assert not (tmp_path / "o").exists()


def test_rc_is_a_hidden_deprecated_alias_of_both_strands(tiny_model, genome_fasta, tmp_path):
    base = ["scan", "--model", str(tiny_model), "--genome", str(genome_fasta), *SCAN_ARGS]
    both = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "both"), "--both-strands"])
    rc = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "rc"), "--rc"])
    assert both.exit_code == 0 and rc.exit_code == 0, rc.output
    assert "--rc is deprecated; use --both-strands" in rc.output and "--rc is" not in both.output
    assert same_outputs(tmp_path / "rc", tmp_path / "both")
    assert '"both_strands": true' in (tmp_path / "rc" / "summary.json").read_text()
    usage = CliRunner().invoke(app, ["scan", "--help"], terminal_width=200).output
    assert "--both-strands" in usage and "--rc " not in usage
