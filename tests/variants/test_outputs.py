"""The annotated VCF round-trips (records, ids, order; INFO declared, one value per ALT), bcftools reads it;
TSV input, multi-class models, summary and plot."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pysam
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.models.kmer_lr import KmerLRClassifier
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.variants import VariantConfig, score_variants

from .conftest import GENOME, write_vcf

CHR1 = GENOME["chr1"]
W = 40
INFO = ("ELM_P_REF", "ELM_P_ALT", "ELM_DELTA", "ELM_LOG_ODDS_DELTA")


def lines():
    wrong = "A" if CHR1[150] != "A" else "C"
    return [
        f"chr1 101 rs1 {CHR1[100]} A,C,G,T",  # one ALT equals REF: still scored, delta 0
        f"chr2 3 rs2 {GENOME['chr2'][2]} A",  # too close to chr2's start: skipped
        f"chr1 151 rs3 {wrong} G",  # REF mismatch: skipped
        f"chr1 51 . {CHR1[50:52]} {CHR1[50]}",
    ]


@pytest.fixture(scope="module")
def run(kmer_model, genome_fasta, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outputs")
    vcf = write_vcf(tmp / "in.vcf", lines())
    return vcf, score_variants(kmer_model, vcf, genome_fasta, tmp / "out", VariantConfig(window_bp=W, top_n=2))


def test_vcf_round_trip_keeps_records_and_adds_declared_info(run):
    vcf, result = run
    with pysam.VariantFile(str(vcf)) as src, pysam.VariantFile(str(result.out / "variants.vcf.gz")) as out:
        for key in (*INFO, "ELM_SKIPPED"):
            assert out.header.info[key].number == "A"
        pairs = list(zip(src, out, strict=True))
    assert [(a.chrom, a.pos, a.id, a.ref, a.alts) for a, _ in pairs] == [
        (b.chrom, b.pos, b.id, b.ref, b.alts) for _, b in pairs
    ]
    rec = pairs[0][1]
    rows = result.table[result.table["id"] == "rs1"]
    np.testing.assert_allclose(rec.info["ELM_DELTA"], rows["delta"], rtol=1e-6, atol=1e-9)  # VCF Float is float32
    np.testing.assert_allclose(rec.info["ELM_P_REF"], rows["p_ref"], rtol=1e-6)
    assert "ELM_SKIPPED" not in rec.info
    assert pairs[1][1].info["ELM_SKIPPED"] == ("chrom_end",) and pairs[1][1].info["ELM_DELTA"] == (None,)
    assert pairs[2][1].info["ELM_SKIPPED"] == ("ref_mismatch",)


def test_bcftools_reads_the_annotated_vcf(run):
    _, result = run
    path = result.out / "variants.vcf.gz"
    if shutil.which("bcftools") is None:  # CI without apt: htslib through pysam is the same reader
        with pysam.VariantFile(str(path)) as vcf:
            assert len(list(vcf)) == 4
        pytest.skip("bcftools not installed (make bcftools); checked with pysam's htslib instead")
    shown = subprocess.run(["bcftools", "view", "-H", str(path)], capture_output=True, text=True, check=True)
    assert len(shown.stdout.splitlines()) == 4
    query = ["bcftools", "query", "-f", "%ID\t%ELM_DELTA\n", "-i", 'ELM_SKIPPED="." || ELM_SKIPPED=""', str(path)]
    assert subprocess.run(query, capture_output=True, text=True).returncode == 0


def test_tsv_outputs_summary_and_plot(run):
    _, result = run
    table = pd.read_csv(result.out / "variants.tsv", sep="\t")
    assert list(table["id"]) == ["rs1"] * 4 + [f"chr1:51:{CHR1[50:52]}:{CHR1[50]}"]
    assert list(table["alt"]) == ["A", "C", "G", "T", CHR1[50]]
    same = table[(table["id"] == "rs1") & (table["alt"] == CHR1[100])]
    assert len(same) == 1
    assert (same["delta"] == 0).all() and (same["log_odds_delta"] == 0).all()
    skipped = pd.read_csv(result.out / "skipped.tsv", sep="\t")
    assert list(skipped["id"]) == ["rs2", "rs3"] and list(skipped["reason"]) == ["chrom_end", "ref_mismatch"]
    s = result.summary
    assert s["n_records"] == 4 and s["n_alleles"] == 7 and s["n_scored"] == 5
    assert s["n_skipped"] == {"chrom_end": 1, "ref_mismatch": 1}
    assert s["delta"]["n"] == 5 and sum(s["delta_histogram"]["counts"]) == 5
    top = [abs(r["log_odds_delta"]) for r in s["top"]]
    assert top == sorted(top, reverse=True) and len(top) == 5
    assert top[0] == pytest.approx(table["log_odds_delta"].abs().max(), rel=1e-6)
    assert (result.out / "top_variants.png").stat().st_size > 10_000


def test_tsv_input_becomes_a_vcf(kmer_model, genome_fasta, tmp_path):
    path = tmp_path / "v.tsv"
    path.write_text(f"chrom\tpos\tref\talt\tid\nchr1\t101\t{CHR1[100]}\tA,C\tx1\nchr1\t121\t{CHR1[120]}\tG\t\n")
    result = score_variants(kmer_model, path, genome_fasta, tmp_path / "out", VariantConfig(window_bp=W, top_n=0))
    with pysam.VariantFile(str(tmp_path / "out" / "variants.vcf.gz")) as vcf:
        records = [(r.chrom, r.pos, r.id, r.ref, r.alts, r.info["ELM_DELTA"]) for r in vcf]
    assert [r[:5] for r in records] == [
        ("chr1", 101, "x1", CHR1[100], ("A", "C")),
        ("chr1", 121, f"chr1:121:{CHR1[120]}:G", CHR1[120], ("G",)),
    ]
    np.testing.assert_allclose([d for r in records for d in r[5]], result.table["delta"], rtol=1e-6, atol=1e-9)
    assert (tmp_path / "out" / "variants.vcf.gz.tbi").is_file()  # sorted records: indexed


def test_without_the_extras_a_tsv_is_scored_and_what_needs_them_is_left_out(
    kmer_model, genome_fasta, tmp_path, monkeypatch, caplog
):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in ("pysam", "logomaker") else find_spec(name, *a)
    )
    path = tmp_path / "v.tsv"
    path.write_text(f"chrom\tpos\tref\talt\nchr1\t101\t{CHR1[100]}\tA\n")
    with caplog.at_level("WARNING", logger="enhancerlm.variants.run"):
        result = score_variants(kmer_model, path, genome_fasta, tmp_path / "out", VariantConfig(window_bp=W))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".chunks",
        "skipped.tsv",
        "summary.json",
        "variants.tsv",
    ]
    assert result.summary["outputs"] == ["variants.tsv", "skipped.tsv", "summary.json"] and len(result.table) == 1
    assert "pysam is not installed: variants.vcf.gz is not written (pip install 'enhancerlm[variants]')" in caplog.text
    assert "logomaker is not installed: top_variants.png is not written" in caplog.text


@pytest.mark.slow  # fits a 3-class logistic regression with a cross-validated C (~5 s on 2 cores)
def test_multi_class_model_has_one_delta_per_class(genome_fasta, tmp_path):
    rng = np.random.default_rng(0)
    names = ["a_rich", "g_rich", "t-rich"]
    seqs, labels = [], []
    for name, rich in zip(names, "AGT"):
        p = np.full(4, 0.1)
        p["ACGT".index(rich)] = 0.7
        seqs += ["".join(rng.choice(list("ACGT"), 60, p=p)) for _ in range(20)]
        labels += [name] * 20
    table = make_table([f"s{i}" for i in range(len(seqs))], seqs, labels)
    model = tmp_path / "model"
    KmerLRClassifier(LabelMap.from_labels(names), ks=(3,)).fit(table).save(model)
    vcf = write_vcf(tmp_path / "v.vcf", [f"chr1 101 rs1 {CHR1[100]} {'A' if CHR1[100] != 'A' else 'G'}"])
    with pytest.raises(ConfigError, match="--class"):
        score_variants(model, vcf, genome_fasta, tmp_path / "o1", VariantConfig(window_bp=W))
    config = VariantConfig(window_bp=W, class_name="g_rich", top_n=0)
    result = score_variants(model, vcf, genome_fasta, tmp_path / "o2", config)
    row = result.table.iloc[0]
    assert row["delta"] == row["delta_g_rich"]
    assert abs(row["delta_a_rich"] + row["delta_g_rich"] + row["delta_t-rich"]) < 1e-6
    with pysam.VariantFile(str(tmp_path / "o2" / "variants.vcf.gz")) as vcf_out:
        assert {"ELM_DELTA_A_RICH", "ELM_DELTA_G_RICH", "ELM_DELTA_T_RICH"} <= set(vcf_out.header.info)
