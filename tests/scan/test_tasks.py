"""Scans of multi-label and regression models: one bedGraph (and bigWig) per label or target, calls per label."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.errors import ConfigError
from enhancerlm.scan import ScanConfig, scan_genome
from tests.helpers import random_dna, write_fasta
from tests.task_doubles import AP1, LABELS, TARGETS, MotifModel, register, saved, window_outputs

# chr1: four 100 bp windows holding 1, 0, 2 and 0 AP1 sites; chr2: one window of pure GC.
CHR1 = [random_dna(10, 1) + AP1 + random_dna(83, 2), random_dna(100, 3), AP1 * 2 + random_dna(86, 4), "A" * 100]
GENOME = {"chr1": "".join(CHR1), "chr2": "GC" * 50}
CONFIG = ScanConfig(window_bp=100, stride_bp=100, chunk_windows=2)  # 5 windows in 3 chunks


def windows():
    return [("chr1", 100 * i, 100 * i + 100, w) for i, w in enumerate(CHR1)] + [("chr2", 0, 100, GENOME["chr2"])]


@pytest.fixture
def genome(tmp_path):
    return write_fasta(tmp_path / "genome.fa", GENOME)


def data_rows(path):
    return [line.split("\t") for line in path.read_text().splitlines()[1:]]


def test_one_track_per_label_with_the_known_values_and_calls(genome, tmp_path):
    out = tmp_path / "scan"
    summary = scan_genome(MotifModel(LABELS), genome, out, CONFIG).summary
    assert summary["outputs"] == [
        "scores.AP1.bedgraph", "enhancers.AP1.bed", "scores.AP1.bw",
        "scores.GC.bedgraph", "enhancers.GC.bed", "scores.GC.bw",
    ]  # fmt: skip
    assert summary["task"] == LABELS.to_dict()
    assert [(t["name"], t["bed"], t["n_enhancers"]) for t in summary["tracks"]] == [
        ("AP1", "enhancers.AP1.bed", 2),  # windows 1 and 3 of chr1 (P = 0.881, 0.998), not merged
        ("GC", "enhancers.GC.bed", 2),  # chr1 0-200 (G+C 0.54 and 0.53, merged) and chr2 (1.0)
    ]
    for j, name in enumerate(LABELS.names):
        rows = data_rows(out / f"scores.{name}.bedgraph")
        expected = [(c, str(s), str(e), f"{window_outputs(w, LABELS)[j]:.6g}") for c, s, e, w in windows()]
        assert [tuple(r) for r in rows] == expected
        header = (out / f"scores.{name}.bedgraph").read_text().splitlines()[0]
        assert f'name="enhancerlm {name}"' in header and f"probability of {name}," in header
    bed = [line.split("\t")[:5] for line in (out / "enhancers.AP1.bed").read_text().splitlines()]
    assert bed == [["chr1", "0", "100", "enhancer_1", "881"], ["chr1", "200", "300", "enhancer_2", "998"]]
    import pyBigWig

    with pyBigWig.open(str(out / "scores.GC.bw")) as bw:  # the bigWig holds the bedGraph's values
        assert bw.values("chr1", 0, 400)[::100] == pytest.approx([window_outputs(w, LABELS)[1] for w in CHR1])


def test_regression_tracks_only_unless_a_threshold_is_given(genome, tmp_path):
    summary = scan_genome(MotifModel(TARGETS), genome, tmp_path / "a", CONFIG).summary
    assert summary["outputs"] == [
        "scores.AP1_sites.bedgraph",
        "scores.AP1_sites.bw",
        "scores.GC_pct.bedgraph",
        "scores.GC_pct.bw",
    ]
    assert summary["n_enhancers"] == 0 and summary["tracks"][0]["bed"] is None
    values = [float(r[3]) for r in data_rows(tmp_path / "a" / "scores.AP1_sites.bedgraph")]
    assert values == [1, 0, 2, 0, 0]
    assert "autoScale=on" in (tmp_path / "a" / "scores.GC_pct.bedgraph").read_text().splitlines()[0]
    # a threshold in the targets' own units: windows with at least 2 sites (or 100% GC)
    summary = scan_genome(
        MotifModel(TARGETS), genome, tmp_path / "b", ScanConfig(**{**CONFIG.__dict__, "threshold": 2})
    ).summary
    assert [t["n_enhancers"] for t in summary["tracks"]] == [1, 2]


def test_class_restricts_the_labels_and_is_part_of_the_resume_manifest(genome, tmp_path):
    out = tmp_path / "scan"
    only_gc = ScanConfig(**{**CONFIG.__dict__, "class_name": "GC"})
    summary = scan_genome(MotifModel(LABELS), genome, out, only_gc).summary
    assert summary["outputs"] == ["scores.GC.bedgraph", "enhancers.GC.bed", "scores.GC.bw"]
    manifest = json.loads((out / ".chunks" / "manifest.json").read_text())
    assert manifest["class"] == "GC" and manifest["task"] == LABELS.to_dict()
    assert np.load(out / ".chunks" / "chunk_00000000.npy").shape == (2, 1)
    with pytest.raises(ConfigError, match="class"):  # the chunks hold GC only: AP1 is a new scan
        scan_genome(MotifModel(LABELS), genome, out, CONFIG)
    with pytest.raises(ConfigError, match=r"--class 'CTCF': not a label of the model; its labels are \['AP1', 'GC'\]"):
        scan_genome(MotifModel(LABELS), genome, tmp_path / "x", ScanConfig(class_name="CTCF"))


def test_cli_scan_of_a_saved_multilabel_model(genome, tmp_path, monkeypatch):
    register(monkeypatch)
    model, out = saved(tmp_path / "model"), tmp_path / "out"
    args = ["scan", "-m", str(model), "-g", str(genome), "-o", str(out), "--window-bp", "100", "--stride-bp", "100"]
    result = CliRunner().invoke(app, [*args, "--class", "AP1,GC"])
    assert result.exit_code == 0, result.output
    assert "4 enhancers" in result.output and "scores.AP1.bedgraph" in result.output
    assert (out / "scores.GC.bedgraph").is_file() and not (out / "scores.bedgraph").exists()
