"""Exactness: p_ref / p_alt are ``predict_proba`` of the windows cut independently; shared windows scored once;
a killed run resumes to the same outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.models import load_classifier
from enhancerlm.predict import predict_proba
from enhancerlm.variants import VariantConfig, score_variants
from enhancerlm.variants.score import score_windows
from enhancerlm.variants.windows import Windows
from tests.helpers import FractionModel

from .conftest import GENOME, write_vcf

CHR1 = GENOME["chr1"]
W = 40


def other(base: str) -> str:
    return "C" if base != "C" else "G"


def snv_lines():
    """Four SNVs (one multi-allelic record first), a deletion and an insertion on chr1 and chr2."""
    return [
        f"chr1 101 rs1 {CHR1[100]} {other(CHR1[100])},T",
        f"chr1 61 rs2 {CHR1[60]} {other(CHR1[60])}",
        f"chr1 301 . {CHR1[300:303]} {CHR1[300]}",
        f"chr2 60 rs4 {GENOME['chr2'][59]} {GENOME['chr2'][59]}AA",
        f"chr1 31 rs5 {CHR1[30]} {other(CHR1[30])}",
    ]


def genome_window(chrom: str, pos: int, ref: str, alt: str) -> tuple[str, str]:
    """The REF and ALT windows built here from the genome string (the documented geometry, independently)."""
    seq, p = GENOME[chrom], pos - 1
    o = (W - len(ref)) // 2
    ref_window = seq[p - o : p - o + W]
    alt_window = (seq[p - o : p] + alt + seq[p + len(ref) :])[:W]
    return ref_window, alt_window


@pytest.mark.parametrize("model_name", ["kmer_model", "tiny_model"])
def test_p_ref_and_p_alt_equal_predict_on_the_windows(request, genome_fasta, tmp_path, model_name):
    model = request.getfixturevalue(model_name)
    vcf = write_vcf(tmp_path / "v.vcf", snv_lines())
    result = score_variants(model, vcf, genome_fasta, tmp_path / "out", VariantConfig(window_bp=W, top_n=0))
    table = result.table
    assert list(table["id"]) == ["rs1", "rs1", "rs2", f"chr1:301:{CHR1[300:303]}:{CHR1[300]}", "rs4", "rs5"]
    windows = [genome_window(r.chrom, r.pos, r.ref, r.alt) for r in table.itertuples()]
    classifier = load_classifier(model)
    column = classifier.label_map.score_index()  # "enhancer", the positive class
    p_ref = predict_proba(classifier, [w[0] for w in windows])[:, column]
    p_alt = predict_proba(classifier, [w[1] for w in windows])[:, column]
    # Identical for kmer-lr; the BERT's batch composition may move float32 sums in the last bits.
    tolerance = 0 if model_name == "kmer_model" else 1e-6
    np.testing.assert_allclose(table["p_ref"], p_ref, rtol=0, atol=tolerance)
    np.testing.assert_allclose(table["p_alt"], p_alt, rtol=0, atol=tolerance)
    np.testing.assert_array_equal(table["delta"], table["p_alt"] - table["p_ref"])
    lod = np.log(p_alt / (1 - p_alt)) - np.log(p_ref / (1 - p_ref))
    np.testing.assert_allclose(table["log_odds_delta"], lod, rtol=1e-3, atol=1e-4)
    on_disk = pd.read_csv(tmp_path / "out" / "variants.tsv", sep="\t")
    assert list(on_disk.columns) == ["id", "chrom", "pos", "ref", "alt", "p_ref", "p_alt", "delta", "log_odds_delta"]
    np.testing.assert_array_equal(on_disk["p_ref"].to_numpy(np.float32), table["p_ref"].to_numpy(np.float32))


def test_both_strands_is_predicts_both_strands(kmer_model, genome_fasta, tmp_path):
    vcf = write_vcf(tmp_path / "v.vcf", snv_lines()[:2])
    config = VariantConfig(window_bp=W, top_n=0, both_strands=True)
    table = score_variants(kmer_model, vcf, genome_fasta, tmp_path / "out", config).table
    windows = [genome_window(r.chrom, r.pos, r.ref, r.alt)[0] for r in table.itertuples()]
    expected = predict_proba(load_classifier(kmer_model), windows, both_strands=True)[:, 1]
    np.testing.assert_array_equal(table["p_ref"], expected)


def test_shared_windows_are_scored_once():
    ref, alts = "ACGTACGTAC", ["ACGTTCGTAC", "ACGTGCGTAC", "ACGTTCGTAC"]
    windows = Windows(
        [ref] * 3 + [""], alts + [""], np.zeros(4, np.int64), np.array(["", "", "", "chrom_end"], object), [""] * 4
    )
    model = FractionModel("GC")
    scores = score_windows(model, windows)
    assert sorted(model.seen) == sorted([ref, alts[0], alts[1]])  # 6 windows asked for, 3 distinct
    assert scores.shape == (4, 5) and np.isnan(scores[3]).all()
    np.testing.assert_array_equal(scores[0, :2], [0.5, 0.5])
    np.testing.assert_array_equal(scores[:3, 3], np.float32([0.5, 0.6, 0.5]))  # GC of each ALT


def test_killed_run_resumes_to_the_same_outputs(kmer_model, genome_fasta, tmp_path):
    vcf = write_vcf(tmp_path / "v.vcf", snv_lines())
    config = VariantConfig(window_bp=W, top_n=0, chunk_variants=2)
    reference = score_variants(kmer_model, vcf, genome_fasta, tmp_path / "ref", config)

    def die(index):
        if index == 1:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        score_variants(kmer_model, vcf, genome_fasta, out, config, on_chunk=die)
    assert not (out / "variants.tsv").exists() and len(list((out / ".chunks").glob("chunk_*.npy"))) == 2
    scored = []
    score_variants(kmer_model, vcf, genome_fasta, out, config, on_chunk=scored.append)
    assert scored == [2]  # 6 alleles in chunks of 2: only the last one was left
    for name in ("variants.tsv", "skipped.tsv"):
        assert (out / name).read_bytes() == (reference.out / name).read_bytes()
    with pytest.raises(ConfigError, match="window_bp"):
        score_variants(kmer_model, vcf, genome_fasta, out, VariantConfig(window_bp=30, top_n=0, chunk_variants=2))


def test_strict_ref_mismatch_fails_before_any_output(kmer_model, genome_fasta, tmp_path):
    wrong = other(CHR1[200 + 50])
    vcf = write_vcf(tmp_path / "v.vcf", snv_lines()[:2] + [f"chr1 251 bad {wrong} A"])
    out = tmp_path / "out"
    lenient = score_variants(kmer_model, vcf, genome_fasta, out, VariantConfig(window_bp=W, top_n=0))
    assert list(lenient.skipped["id"]) == ["bad"] and lenient.summary["n_skipped"] == {"ref_mismatch": 1}
    strict = tmp_path / "strict"
    with pytest.raises(InputError, match="variant bad at chr1:251"):
        score_variants(kmer_model, vcf, genome_fasta, strict, VariantConfig(window_bp=W, top_n=0, strict=True))
    assert not (strict / ".chunks").exists() and not (strict / "variants.tsv").exists()


def test_window_longer_than_the_model_is_refused(tiny_model, genome_fasta, tmp_path):
    vcf = write_vcf(tmp_path / "v.vcf", snv_lines()[:1])
    with pytest.raises(ConfigError, match="longer than the model's maximum"):
        score_variants(tiny_model, vcf, genome_fasta, tmp_path / "out", VariantConfig(window_bp=100_000))
