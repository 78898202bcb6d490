"""Variant effects of multi-label and regression models: a delta per label or target in the TSV and the VCF."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pysam
import pytest

import enhancerlm as elm
from enhancerlm.sequences.genome import open_genome
from enhancerlm.variants import VariantConfig, score_variants
from enhancerlm.variants.outputs import info_keys
from enhancerlm.variants.read import read_variants
from enhancerlm.variants.windows import extract_windows
from tests.helpers import random_dna, write_fasta
from tests.task_doubles import AP1, LABELS, TARGETS, MotifModel, window_outputs

from .conftest import write_vcf

W = 60
# An AP1 site at 1-based 101-107; rs_ap1 turns its T into G (GGACTCA: no site), rs_gc changes a base far from it.
CHR1 = random_dna(100, 1) + AP1 + random_dna(100, 2)
GC_REF = CHR1[29]
GC_ALT = "G" if GC_REF in "AT" else "A"


@pytest.fixture(scope="module")
def genome(tmp_path_factory):
    return write_fasta(tmp_path_factory.mktemp("g") / "genome.fa", {"chr1": CHR1})


@pytest.fixture(scope="module")
def vcf(tmp_path_factory):
    lines = ["chr1 101 rs_ap1 T G", f"chr1 30 rs_gc {GC_REF} {GC_ALT}", "chr1 205 rs_end A C"]
    return write_vcf(tmp_path_factory.mktemp("v") / "in.vcf", lines, header=_header())


def _header():
    return "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=207>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def expected_outputs(genome, vcf, task):
    """REF and ALT outputs of each variant's windows from the double's rule, shape=(n, 2) each."""
    with open_genome(genome) as fasta:
        windows = extract_windows(fasta, read_variants(vcf), W, {"chr1": "chr1"})
    scored = windows.skip == ""
    ref = np.stack([window_outputs(w, task) for w, ok in zip(windows.ref, scored) if ok])
    alt = np.stack([window_outputs(w, task) for w, ok in zip(windows.alt, scored) if ok])
    return ref, alt


def test_multilabel_deltas_per_label_and_the_most_affected(genome, vcf, tmp_path):
    result = score_variants(MotifModel(LABELS), vcf, genome, tmp_path / "out", VariantConfig(window_bp=W, top_n=1))
    table = result.table
    assert list(table.columns) == [
        "id", "chrom", "pos", "ref", "alt",
        "p_ref_AP1", "p_alt_AP1", "delta_AP1", "p_ref_GC", "p_alt_GC", "delta_GC", "delta", "most_affected",
    ]  # fmt: skip
    ref, alt = expected_outputs(genome, vcf, LABELS)
    np.testing.assert_allclose(table[["p_ref_AP1", "p_ref_GC"]], ref, rtol=1e-6)
    np.testing.assert_allclose(table[["p_alt_AP1", "p_alt_GC"]], alt, rtol=1e-6)
    # breaking the site moves AP1 (0.881 -> 0.119) and GC by one base; the far base moves GC only
    assert table["most_affected"].tolist() == ["AP1", "GC"]
    assert table["delta"].iloc[0] == pytest.approx(1 / (1 + np.exp(2)) - 1 / (1 + np.exp(-2)), rel=1e-6)
    assert table["delta_AP1"].iloc[1] == 0 and abs(table["delta_GC"].iloc[1]) == pytest.approx(1 / W)
    assert result.summary["top"][0]["id"] == "rs_ap1" and result.summary["most_affected_counts"] == {"AP1": 1, "GC": 1}
    assert set(result.summary["delta_per_output"]) == {"AP1", "GC"}
    with pysam.VariantFile(str(result.out / "variants.vcf.gz")) as out:
        header = out.header.info
        assert header["ELM_P_REF_AP1"].description == "enhancerlm: probability of label AP1 for the REF window (60 bp)"
        assert header["ELM_MOST_AFFECTED"].type == "String" and header["ELM_DELTA_GC"].number == "A"
        records = list(out)
    assert records[0].info["ELM_MOST_AFFECTED"] == ("AP1",)
    np.testing.assert_allclose(
        records[1].info["ELM_DELTA_GC"], table["delta_GC"].iloc[[1]], rtol=1e-5
    )  # VCF text: 7 digits
    assert records[2].info["ELM_SKIPPED"] == ("chrom_end",) and "ELM_MOST_AFFECTED=.;" in str(records[2])


def test_regression_predictions_before_and_after(genome, vcf, tmp_path):
    config = VariantConfig(window_bp=W, top_n=0, class_name="AP1_sites")
    result = score_variants(MotifModel(TARGETS), vcf, genome, tmp_path / "out", config)
    columns = ["pred_ref_AP1_sites", "pred_alt_AP1_sites", "delta_AP1_sites", "delta", "most_affected"]
    assert list(result.table.columns)[5:] == columns  # --class chose one target
    assert result.table["delta_AP1_sites"].tolist() == [-1.0, 0.0]
    tsv = pd.read_csv(result.out / "variants.tsv", sep="\t", keep_default_na=False)
    assert tsv["most_affected"].tolist() == ["AP1_sites", "AP1_sites"]
    with pysam.VariantFile(str(result.out / "variants.vcf.gz")) as out:
        assert "ELM_PRED_ALT_AP1_SITES" in out.header.info and "ELM_PRED_REF_GC_PCT" not in out.header.info


def test_info_keys_are_valid_and_distinct():
    assert info_keys(["delta_HepG2", "delta_hepg2", "delta_K-562", "delta_K_562"]) == [
        "ELM_DELTA_HEPG2", "ELM_DELTA_HEPG2_2", "ELM_DELTA_K_562", "ELM_DELTA_K_562_2",
    ]  # fmt: skip


def test_mutagenesis_table_has_a_delta_per_label_and_says_what_it_explains(tmp_path):
    seq = CHR1[90:120]  # the site at 10-16
    table = elm.mutagenesis(MotifModel(LABELS), [seq], out=tmp_path / "ml")
    assert list(table.columns) == [
        "id",
        "chrom",
        "pos",
        "ref",
        "alt",
        "log_odds_delta",
        "delta",
        "delta_AP1",
        "delta_GC",
    ]
    assert (table["delta"] == table["delta_AP1"]).all()  # the default target: the first label
    assert table.loc[table["pos"] == 11, "delta_AP1"].to_numpy() == pytest.approx(
        [1 / (1 + np.exp(2)) - 1 / (1 + np.exp(-2))] * 3
    )
    summary = json.loads((tmp_path / "ml" / "summary.json").read_text())
    assert (summary["class"], summary["unit"]) == ("AP1", "log-odds")
    values = elm.mutagenesis(MotifModel(TARGETS), [seq], target="GC_pct")
    assert "log_odds_delta" not in values.columns and (values["delta"] == values["delta_GC_pct"]).all()
    assert set(np.round(np.abs(values["delta_GC_pct"]), 4)) == {0, round(100 / 30, 4)}  # float32 values
