"""Window geometry: REF centred, ALT of the same length from the same start; chromosome names and ends."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.genome import open_genome
from enhancerlm.variants.windows import chrom_mapping, extract_windows

from .conftest import GENOME

CHR1 = GENOME["chr1"]
W = 20


def variants(*rows):
    return pd.DataFrame(rows, columns=["id", "chrom", "pos", "ref", "alt"])


def windows_of(genome_fasta, *rows, strict=False, mapping=None):
    with open_genome(genome_fasta) as genome:
        return extract_windows(genome, variants(*rows), W, mapping or {"chr1": "chr1", "chr2": "chr2"}, strict)


def test_snv_centred_and_indels_keep_the_length(genome_fasta):
    p = 100  # 0-based position of REF's first base
    snv = ("s", "chr1", p + 1, CHR1[p], "T" if CHR1[p] != "T" else "A")
    deletion = ("d", "chr1", p + 1, CHR1[p : p + 4], CHR1[p])
    insertion = ("i", "chr1", p + 1, CHR1[p], CHR1[p] + "GGG")
    w = windows_of(genome_fasta, snv, deletion, insertion)
    assert list(w.skip) == ["", "", ""]
    # SNV: REF at offset (W - 1) // 2 = 9; the ALT window differs only there.
    assert w.ref[0] == CHR1[p - 9 : p - 9 + W] and w.start[0] == p - 9
    assert w.alt[0] == CHR1[p - 9 : p] + snv[4] + CHR1[p + 1 : p + 11]
    # Deletion of 3 bp: REF (4 bp) at offset 8; the ALT's right flank reaches 3 bp further.
    assert w.ref[1] == CHR1[p - 8 : p + 12]
    assert w.alt[1] == CHR1[p - 8 : p] + CHR1[p] + CHR1[p + 4 : p + 15]
    # Insertion of 3 bp: its right flank is 3 bp shorter.
    assert w.alt[2] == CHR1[p - 9 : p] + CHR1[p] + "GGG" + CHR1[p + 1 : p + 8]
    assert {len(s) for s in w.ref + w.alt} == {W}


def test_chromosome_ends_ref_mismatch_and_symbolic_are_skipped(genome_fasta):
    wrong = "A" if CHR1[50] != "A" else "C"
    rows = [
        ("start", "chr1", 3, CHR1[2], "A"),  # window would start before base 0
        ("end", "chr2", 118, GENOME["chr2"][117], "A"),  # window would run past chr2's 120 bp
        ("past", "chr2", 500, "A", "C"),
        ("mismatch", "chr1", 51, wrong, "G"),
        ("symbolic", "chr1", 60, "A", "<DEL>"),
        ("unknown", "chrX", 60, "A", "C"),
        ("ok", "chr1", 11, CHR1[10], "G"),  # the first base that leaves a full left flank: 9 bases before
    ]
    w = windows_of(genome_fasta, *rows, mapping={"chr1": "chr1", "chr2": "chr2", "chrX": None})
    assert list(w.skip) == [
        "chrom_end",
        "chrom_end",
        "chrom_end",
        "ref_mismatch",
        "no_sequence_allele",
        "chrom_not_in_genome",
        "",
    ]
    assert w.detail[3] == f"REF {wrong} but the genome has {CHR1[50]}"
    with pytest.raises(InputError, match=f"variant mismatch at chr1:51: REF {wrong} but the genome has"):
        windows_of(genome_fasta, *rows, strict=True, mapping={"chr1": "chr1", "chr2": "chr2", "chrX": None})


def test_n_bases_are_kept_as_predict_scores_them(genome_fasta):
    w = windows_of(genome_fasta, ("n", "chr1", 196, CHR1[195], "G"))
    assert w.skip[0] == "" and w.ref[0].count("N") == 6  # window 186-205 holds N-run bases 200-205


def test_chrom_names_mismatch_explained_or_mapped(caplog):
    genome = ["chr1", "chr2", "chrM"]
    with pytest.raises(InputError, match=r"'1' \(genome: 'chr1'\).*--map-chroms"):
        chrom_mapping(["1", "2"], genome, map_names=False)
    assert chrom_mapping(["1", "MT", "chr2"], genome, map_names=True) == {"1": "chr1", "MT": "chrM", "chr2": "chr2"}
    assert chrom_mapping(["chr1"], ["1"], map_names=True) == {"chr1": "1"}
    with caplog.at_level(logging.WARNING):
        assert chrom_mapping(["chr1", "chrUn_x"], genome, map_names=False) == {"chr1": "chr1", "chrUn_x": None}
    assert "chrUn_x" in caplog.text
