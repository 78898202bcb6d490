"""`scan --quantize int8`: scores close to fp32's, recorded in the manifest, never mixed with fp32 chunks."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.scan import scan_genome

from .helpers import SCAN_CONFIG as CONFIG

INT8 = dataclasses.replace(CONFIG, quantize="int8")


def track(out) -> np.ndarray:
    lines = (out / "scores.bedgraph").read_text().splitlines()[1:]
    return np.array([float(line.split("\t")[3]) for line in lines])


def test_int8_scan_is_close_to_fp32(tiny_model, genome_fasta, reference_scan, tmp_path):
    scan_genome(tiny_model, genome_fasta, tmp_path / "int8", INT8)
    fp32, int8 = track(reference_scan), track(tmp_path / "int8")
    assert fp32.shape == int8.shape
    assert 0 < np.abs(int8 - fp32).max() < 0.02


def test_int8_does_not_resume_fp32_chunks(tiny_model, genome_fasta, reference_scan, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(reference_scan, out)
    with pytest.raises(ConfigError, match="quantize"):
        scan_genome(tiny_model, genome_fasta, out, INT8)
