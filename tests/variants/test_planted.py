"""Proof where the truth is known: on planted-motif enhancers, SNVs that destroy a planted site move the
score more than SNVs in background DNA (AUROC >= 0.9), and they lower it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from enhancerlm.data.generate.motifs import load_motifs
from enhancerlm.data.generate.synthetic import MarkovBackground, make_synthetic
from enhancerlm.interpret.motifs import information_content
from enhancerlm.sequences.dna import code_strings
from enhancerlm.variants import VariantConfig, score_variants
from tests.helpers import write_fasta

from .conftest import PLANTED_IDS, SYNTHETIC, write_vcf

FLANK_BP = 50  # background between the enhancers of the test chromosome
K = 5  # the model's k: an SNV changes the k-mers within K - 1 bases of it
# A substitution destroys a site where the motif insists on its base; at a degenerate column
# (e.g. CTCF's flanks) the site survives it, so such bases are neither "site" nor "background".
MIN_BITS = 1.0


@pytest.fixture(scope="module")
def planted_genome(tmp_path_factory):
    """One chromosome of 30 test enhancers (planted sites) between 50 bp background flanks, and its sites."""
    data = make_synthetic(30, seed=2, motifs=load_motifs(PLANTED_IDS), **SYNTHETIC)
    enhancers = data.table[data.table["label"] == "enhancer"]
    flanks = code_strings(MarkovBackground.default().sample(len(enhancers) + 1, FLANK_BP, np.random.default_rng(3)))
    chrom, offsets = flanks[0], {}
    for (seq_id, seq), flank in zip(zip(enhancers["id"], enhancers["sequence"]), flanks[1:]):
        offsets[seq_id] = len(chrom)
        chrom += seq + flank
    sites = data.planted[data.planted["kind"] == "motif"].copy()
    bits = {m.name: information_content(m.probs) for m in data.motifs}
    sites["start"] += sites["id"].map(offsets)
    sites["end"] += sites["id"].map(offsets)
    lengths = enhancers.set_index("id")["sequence"].str.len()
    folder = tmp_path_factory.mktemp("planted")
    return write_fasta(folder / "planted.fa", {"chrS": chrom}), chrom, sites, offsets, lengths, bits


def snvs(chrom: str, sites, offsets, lengths, bits, rng) -> tuple[list[str], np.ndarray]:
    """One SNV at every informative base (>= MIN_BITS) of every site, as many at enhancer bases >= K bp from any."""
    in_site = np.zeros(len(chrom), dtype=bool)
    near_site = np.zeros(len(chrom), dtype=bool)
    for start, end, name, strand in zip(sites["start"], sites["end"], sites["motif_name"], sites["strand"]):
        column_bits = bits[name] if strand == "+" else bits[name][::-1]  # sites are listed on the forward strand
        in_site[start:end] = column_bits >= MIN_BITS
        near_site[max(start - K, 0) : end + K] = True
    enhancer = np.zeros(len(chrom), dtype=bool)
    for seq_id, offset in offsets.items():
        enhancer[offset : offset + lengths[seq_id]] = True
    site_pos = np.flatnonzero(in_site)
    background = rng.choice(np.flatnonzero(enhancer & ~near_site), size=len(site_pos), replace=False)
    positions = np.concatenate([site_pos, background])
    lines = []
    for i, p in enumerate(positions):
        ref = chrom[p]
        alt = "ACGT"[("ACGT".index(ref) + 1 + i % 3) % 4]
        lines.append(f"chrS {p + 1} v{i} {ref} {alt}")
    return lines, np.r_[np.ones(len(site_pos), bool), np.zeros(len(background), bool)]


def test_site_destroying_snvs_score_larger_and_negative(kmer_model, planted_genome, tmp_path):
    fasta, chrom, sites, offsets, lengths, bits = planted_genome
    lines, in_site = snvs(chrom, sites, offsets, lengths, bits, np.random.default_rng(0))
    # No ##contig lines, as in many VCFs: the annotated VCF must still be written.
    bare_header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    vcf = write_vcf(tmp_path / "snvs.vcf", lines, header=bare_header)
    result = score_variants(kmer_model, vcf, fasta, tmp_path / "out", VariantConfig(window_bp=100, top_n=0))
    table = result.table
    assert len(table) == len(lines)  # every SNV scored: the flanks keep windows inside the chromosome
    auroc = roc_auc_score(in_site, table["log_odds_delta"].abs())
    assert auroc >= 0.9, auroc
    site_delta = table["log_odds_delta"][in_site]
    assert (site_delta < 0).mean() >= 0.9, (site_delta < 0).mean()  # measured: AUROC 0.94, 99% negative
    assert np.median(table["delta"][in_site]) < 0
    # p_ref is the score of an enhancer-rich window: the model calls these windows enhancers
    assert table["p_ref"][in_site].median() > 0.5
