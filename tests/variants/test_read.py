"""Reading variants: VCF (plain, bgzip, BCF) and TSV into one row per ALT, ids and order kept."""

from __future__ import annotations

import pysam
import pytest

from enhancerlm.errors import InputError
from enhancerlm.variants.read import read_variants

from .conftest import VCF_HEADER, write_vcf

LINES = ["chr1 10 rs1 A C,G", "chr1 5 . AT A", "chr2 7 rs3 G <DEL>", "chr1 12 rs4 C T"]


def expected_rows():
    return [
        ("rs1", "chr1", 10, "A", "C", 0, 1),
        ("rs1", "chr1", 10, "A", "G", 0, 2),
        ("chr1:5:AT:A", "chr1", 5, "AT", "A", 1, 1),
        ("rs3", "chr2", 7, "G", "<DEL>", 2, 1),
        ("rs4", "chr1", 12, "C", "T", 3, 1),
    ]


def test_vcf_split_per_alt_in_input_order(tmp_path):
    table = read_variants(write_vcf(tmp_path / "v.vcf", LINES))
    assert [tuple(r) for r in table.itertuples(index=False)] == expected_rows()


@pytest.mark.parametrize("mode, name", [("wz", "v.vcf.gz"), ("wb", "v.bcf")])
def test_bgzip_vcf_and_bcf_read_the_same(tmp_path, mode, name):
    # htslib gives a symbolic ALT an END tag when it writes BCF: the header must declare it.
    header = VCF_HEADER.replace("#CHROM", '##INFO=<ID=END,Number=1,Type=Integer,Description="End">\n#CHROM')
    with pysam.VariantFile(str(write_vcf(tmp_path / "plain.vcf", LINES, header))) as src:
        with pysam.VariantFile(str(tmp_path / name), mode, header=src.header) as dst:
            for rec in src:
                dst.write(rec)
    table = read_variants(tmp_path / name)
    assert [tuple(r) for r in table.itertuples(index=False)] == expected_rows()


@pytest.mark.parametrize("header", ["", "chrom\tpos\tref\talt\tid\n"])
def test_tsv_with_or_without_header(tmp_path, header):
    path = tmp_path / "v.tsv"
    path.write_text(header + "chr1\t10\ta\tC,G\trs1\nchr1\t5\tAT\tA\t\n")
    table = read_variants(path)
    assert [tuple(r) for r in table.itertuples(index=False)] == expected_rows()[:3]


def test_bad_inputs_name_the_problem(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_variants(tmp_path / "none.vcf")
    bad = tmp_path / "bad.tsv"
    bad.write_text("chr1\t10\tA\tC\nchr1\tten\tA\tC\n")
    with pytest.raises(InputError, match=r"row 2: pos 'ten'"):
        read_variants(bad)
    bad.write_text("chr1\t10\tA\n")
    with pytest.raises(InputError, match="expected 4 or 5 columns"):
        read_variants(bad)
