"""End-to-end scans with a tiny model (enhancerlm.scan.run): outputs, resume, refusals, bad input."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.models import load_classifier
from enhancerlm.scan import ScanConfig, scan_genome
from enhancerlm.scan.tiling import Tiling
from enhancerlm.sequences.genome import open_genome, whole_genome_regions

from .helpers import GENOME
from .helpers import SCAN_CONFIG as CONFIG

OUTPUTS = ("scores.bedgraph", "enhancers.bed", "summary.json")


class Stop(Exception):
    pass


def stop_after(n_chunks):
    def hook(index):
        if index + 1 >= n_chunks:
            raise Stop(index)

    return hook


def read_outputs(out):
    return {name: (out / name).read_bytes() for name in OUTPUTS + ("scores.bw",) if (out / name).exists()}


def data_lines(path):
    return [line.split("\t") for line in path.read_text().splitlines() if not line.startswith("track")]


def test_scan_outputs(reference_scan):
    out = reference_scan
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_windows"] == 41 and sorted(p.name for p in (out / ".chunks").glob("*.npy"))[-1] == (
        "chunk_00000005.npy"
    )
    # chr1 windows starting at 544..768 hold more than 10% N (the N-run is [600, 800)): 8 skipped
    assert (summary["n_windows_scored"], summary["n_windows_skipped_n"]) == (33, 8)
    lines = (out / "scores.bedgraph").read_text().splitlines()
    assert lines[0].startswith("track type=bedGraph ")
    rows = [(c, int(s), int(e), float(v)) for c, s, e, v in data_lines(out / "scores.bedgraph")]
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # chr1 before chr2, as sort -k1,1
    for a, b in zip(rows, rows[1:]):
        assert a[0] != b[0] or a[2] <= b[1]  # sorted, non-overlapping
    assert all(0.0 <= r[3] <= 1.0 and r[1] < r[2] for r in rows)
    chr1 = [r for r in rows if r[0] == "chr1"]
    # the track stops at the last scored window before the N-run and resumes after it
    assert (chr1[0][1], chr1[-1][2]) == (0, 1200)
    assert [(a[2], b[1]) for a, b in zip(chr1, chr1[1:]) if a[2] != b[1]] == [(576, 800)]
    # threshold 0: every scored stretch is one call; BED score is 1000 x its best window's score
    calls = data_lines(out / "enhancers.bed")
    assert [c[:4] + c[5:] for c in calls] == [
        ["chr1", "0", "576", "enhancer_1", "."],
        ["chr1", "800", "1200", "enhancer_2", "."],
        ["chr2", "0", "150", "enhancer_3", "."],
    ]
    chr2_scores = (
        np.load(out / ".chunks" / "chunk_00000004.npy")[5:].tolist()
        + np.load(out / ".chunks" / "chunk_00000005.npy").tolist()
    )  # windows 37..40
    assert int(calls[2][4]) == round(1000 * max(chr2_scores))


def test_chunk_scores_equal_one_window_at_a_time(tiny_model, genome_fasta, reference_scan):
    scores = np.concatenate([np.load(reference_scan / ".chunks" / f"chunk_{i:08d}.npy") for i in range(6)])
    model = load_classifier(tiny_model)
    with open_genome(genome_fasta) as genome:
        tiling = Tiling(whole_genome_regions(genome.chrom_sizes), 64, 32)
        block = tiling.windows(0, tiling.n_windows)
        chroms = [tiling.regions[r].chrom for r in block.region]
        for i in [0, 5, 16, 30, 36, 40]:  # chr1 start, middle, after the N-run, its last window; chr2's last
            seq = genome.fetch(chroms[i], int(block.start[i]), int(block.end[i]))
            assert scores[i] == pytest.approx(model.predict_proba([seq])[0, 1], abs=1e-5)
    assert np.isnan(scores[17:25]).all() and np.isfinite(scores[:17]).all() and np.isfinite(scores[25:]).all()


def test_killed_scan_resumes_to_identical_output(tiny_model, genome_fasta, reference_scan, tmp_path):
    out = tmp_path / "resumed"
    with pytest.raises(Stop):
        scan_genome(tiny_model, genome_fasta, out, CONFIG, on_chunk=stop_after(3))
    assert sorted(p.name for p in out.iterdir()) == [".chunks"]  # no output yet
    (out / ".chunks" / ".chunk_00000004.npy.x1.tmp").write_bytes(b"half a chunk")  # killed mid-write
    result = scan_genome(tiny_model, genome_fasta, out, CONFIG)
    assert result.n_chunks_scored == 3
    assert read_outputs(out) == read_outputs(reference_scan)
    assert not list((out / ".chunks").glob(".*.tmp"))


def test_new_threshold_reuses_chunks(tiny_model, genome_fasta, reference_scan, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(reference_scan, out)
    track = (out / "scores.bedgraph").read_bytes()
    result = scan_genome(tiny_model, genome_fasta, out, ScanConfig(**{**CONFIG.__dict__, "threshold": 1.0}))
    assert result.n_chunks_scored == 0
    assert (out / "scores.bedgraph").read_bytes() == track
    assert (out / "enhancers.bed").read_text() == ""


def test_resume_with_other_settings_is_refused(tiny_model, genome_fasta, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(Stop):
        scan_genome(tiny_model, genome_fasta, out, CONFIG, on_chunk=stop_after(1))
    other = ScanConfig(**{**CONFIG.__dict__, "stride_bp": 16})
    with pytest.raises(ConfigError, match="different n_windows, stride_bp"):
        scan_genome(tiny_model, genome_fasta, out, other)
    assert sorted(p.name for p in (out / ".chunks").iterdir()) == ["chunk_00000000.npy", "manifest.json"]


def test_regions_limit_the_scan(tiny_model, genome_fasta, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr1\t100\t300\nchr2\t0\t40\n")
    out = tmp_path / "out"
    result = scan_genome(tiny_model, genome_fasta, out, CONFIG, regions=bed)
    assert result.n_windows == 6 + 1
    spans = [(c, int(s), int(e)) for c, s, e, _ in data_lines(out / "scores.bedgraph")]
    assert (spans[0], spans[-1]) == (("chr1", 100, 132), ("chr2", 0, 40))
    assert all(100 <= s < e <= 300 for c, s, e in spans if c == "chr1")


def test_bigwig_matches_bedgraph(reference_scan):
    pyBigWig = pytest.importorskip("pyBigWig")
    bigwig = pyBigWig.open(str(reference_scan / "scores.bw"))
    assert bigwig.chroms() == {"chr1": 1200, "chr2": 150}
    rows = data_lines(reference_scan / "scores.bedgraph")
    got = [(c, s, e, v) for c in ("chr1", "chr2") for s, e, v in bigwig.intervals(c)]
    assert [(c, s, e) for c, s, e, _ in got] == [(c, int(s), int(e)) for c, s, e, _ in rows]
    np.testing.assert_allclose([v for *_, v in got], [float(r[3]) for r in rows], rtol=1e-5)


@pytest.mark.parametrize(
    "config, error, message",
    [
        (ScanConfig(window_bp=600), ConfigError, "longer than the model's maximum of 515 bp"),
        (ScanConfig(window_bp=64, stride_bp=65), ConfigError, "--stride-bp 65 is longer than --window-bp 64"),
        (ScanConfig(window_bp=64, class_name="other"), ConfigError, "--class 'other'"),
    ],
)
def test_bad_settings_write_nothing(tiny_model, genome_fasta, tmp_path, config, error, message):
    with pytest.raises(error, match=message):
        scan_genome(tiny_model, genome_fasta, tmp_path / "out", config)
    assert not (tmp_path / "out").exists()


def test_bad_inputs_write_no_output(tiny_model, genome_fasta, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chrUn\t0\t10\n")
    with pytest.raises(InputError, match="chromosome 'chrUn' is not in the genome"):
        scan_genome(tiny_model, genome_fasta, tmp_path / "out", CONFIG, regions=bed)
    bed.write_text("chr2\t0\t151\n")
    with pytest.raises(InputError, match="outside chr2"):
        scan_genome(tiny_model, genome_fasta, tmp_path / "out", CONFIG, regions=bed)
    gz = tmp_path / "g.fa.gz"
    gz.write_bytes(__import__("gzip").compress(b">chr1\n" + GENOME["chr1"].encode() + b"\n"))
    with pytest.raises(InputError, match="bgzip"):
        scan_genome(tiny_model, gz, tmp_path / "out", CONFIG)
    assert not (tmp_path / "out").exists()


def test_real_chry_region(tiny_model, shared_data, tmp_path):
    fasta = shared_data / "human-chrY-par" / "chrY_PAR1_scaffold.fa"
    if not fasta.is_file():
        pytest.skip(f"{fasta} not found")
    had_index = fasta.with_name(fasta.name + ".fai").exists()
    bed = tmp_path / "r.bed"
    bed.write_text("gi|568801954|ref|NT_167201.2|\t1000000\t1002048\n")
    out = tmp_path / "out"
    result = scan_genome(tiny_model, fasta, out, ScanConfig(window_bp=512, stride_bp=256), regions=bed)
    assert result.n_windows == 7 and result.summary["n_windows_scored"] == 7
    spans = [(int(s), int(e)) for _, s, e, _ in data_lines(out / "scores.bedgraph")]
    assert spans == [(1000000 + 256 * i, 1000256 + 256 * i) for i in range(8)]
    assert fasta.with_name(fasta.name + ".fai").exists() == had_index  # the shared folder is left alone
    assert had_index or (out / ".index" / (fasta.name + ".fai")).is_file()
