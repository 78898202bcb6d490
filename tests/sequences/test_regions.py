"""The one region-file reader (enhancerlm.sequences.regions): BED, narrowPeak, broadPeak, GB tables; placement."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.chroms import chrom_mapping, same_chrom
from enhancerlm.sequences.regions import is_region_file, place_regions, read_region_file

# Lines as the formats' publishers write them: an ENCODE IDR narrowPeak (the same region called twice
# with two summits; pValue -1), a MACS2 broadPeak, a UCSC BED6 export, an ENCODE blacklist (v2, name with spaces).
NARROWPEAK = (
    "chr1\t9980\t10480\t.\t1000\t.\t206.48026\t-1.00000\t4.74338\t250\n"
    "chr1\t9980\t10480\t.\t1000\t.\t110.04000\t-1.00000\t3.50000\t120\n"
    "chr2\t500\t900\tPeak_3\t47\t.\t3.75\t6.88\t4.72\t-1\n"
)
BROADPEAK = "track type=broadPeak name=H3K27ac\nchr1\t9980\t10619\tPeak_1\t57\t.\t3.46\t7.28\t5.29\n"
BED6 = (
    'browser position chr1:1-2000\ntrack name="enh" description="UCSC export"\n# a comment\n\n'
    "chr1\t100\t300\tenh_a\t0\t+\nchr2\t50\t250\tenh_b\t0\t-\n"
)
BLACKLIST = "chr1\t628903\t635104\tHigh Signal Region\nchr2\t0\t100\tLow Mappability\n"
GB_TABLE = "id,region,start,end,strand\n0,chr1,100,300,+\n1,chr2,50,250,-\n"


def test_narrowpeak_keeps_summits_scores_and_line_numbers(write):
    table = read_region_file(write("peaks.narrowPeak", NARROWPEAK))
    assert table.attrs["format"] == "narrowPeak"
    assert table["summit"].tolist() == [250, 120, -1]
    assert table["signal_value"].tolist() == [206.48026, 110.04, 3.75]
    assert table["p_value"].tolist() == [-1.0, -1.0, 6.88]
    assert table["name"].tolist() == ["", "", "Peak_3"]
    assert table["line"].tolist() == [1, 2, 3]
    assert table["strand"].tolist() == [".", ".", "."]


def test_encode_bed_gz_with_ten_numeric_columns_is_read_as_narrowpeak(write):
    # ENCODE serves narrowPeak files as ENCFF*.bed.gz
    table = read_region_file(write("ENCFF000AAA.bed.gz", NARROWPEAK, gz=True))
    assert table.attrs["format"] == "narrowPeak" and table["summit"].tolist() == [250, 120, -1]


def test_broadpeak_bed6_blacklist_and_headers(write):
    broad = read_region_file(write("h3k27ac.broadPeak", BROADPEAK))
    assert broad.attrs["format"] == "broadPeak" and broad["summit"].tolist() == [-1]
    assert broad["line"].tolist() == [2] and broad["signal_value"].tolist() == [3.46]
    bed = read_region_file(write("enh.bed", BED6))
    assert bed.attrs["format"] == "bed"
    assert bed[["chrom", "start", "end", "strand"]].values.tolist() == [["chr1", 100, 300, "+"], ["chr2", 50, 250, "-"]]
    assert bed["line"].tolist() == [5, 6] and bed["name"].tolist() == ["enh_a", "enh_b"]
    black = read_region_file(write("hg38-blacklist.v2.bed", BLACKLIST))
    assert black["name"].tolist() == ["High Signal Region", "Low Mappability"]
    assert np.isnan(black["score"]).all()


def test_genomic_benchmarks_coordinate_table(write):
    path = write("positive.csv.gz", GB_TABLE, gz=True)
    assert is_region_file(path)
    table = read_region_file(path)
    assert table.attrs["format"] == "genomic_benchmarks"
    assert table[["name", "chrom", "start", "end", "strand"]].values.tolist() == [
        ["0", "chr1", 100, 300, "+"],
        ["1", "chr2", 50, 250, "-"],
    ]
    assert table["line"].tolist() == [2, 3]


def test_sequence_csv_is_not_a_region_file(write):
    assert not is_region_file(write("seqs.csv", "sequence,label\nACGT,enhancer\n"))
    assert is_region_file(write("x.narrowPeak.gz", NARROWPEAK, gz=True))


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("a.bed", "chr1\t0\t10\nchr1\t5\n", r"a.bed line 2: a BED line needs chrom, start, end"),
        ("a.bed", "chr1\t0\t10\nchr1\tfive\t9\n", r"line 2: start and end must be integers, got 'five', '9'"),
        ("a.bed", "chr1\t10\t10\n", r"line 1: interval chr1:10-10 is outside chr1 or empty"),
        ("a.bed", "chr1\t20\t10\n", r"line 1: interval chr1:20-10 is outside chr1 or empty"),
        ("a.bed", "chr1\t-1\t10\n", r"line 1: interval chr1:-1-10 is outside"),
        ("a.bed", "chr1\t0\t10\tx\t0\t*\n", r"line 1: strand must be \+, - or \., got '\*'"),
        ("p.narrowPeak", "chr1\t0\t10\t.\t0\t.\t1\t1\t1\n", r"line 1: a BED line needs 10 fields \(narrowPeak\)"),
        ("p.narrowPeak", "chr1\t0\t10\t.\t0\t.\t1\t1\t1\t10\n", r"line 1: interval chr1:0-10 has its summit"),
        ("p.narrowPeak", "chr1\t0\t10\t.\t0\t.\tx\t1\t1\t2\n", r"line 1: signal_value must be a number, got 'x'"),
        ("g.csv", "id,region,start,end,strand\n0,chr1,5,x,+\n", r"g.csv line 2: start and end must be integers"),
        ("g.csv", "id,chrom,start,end,strand\n0,chr1,5,9,+\n", r"line 1: a Genomic Benchmarks coordinate table starts"),
        ("e.bed", "track name=x\n# nothing\n", "has no intervals"),
    ],
)
def test_bad_lines_name_file_and_line(write, name, content, message):
    with pytest.raises(InputError, match=message):
        read_region_file(write(name, content))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_region_file(tmp_path / "none.bed")


SIZES = {"chr1": 20_000, "chr2": 800}


def test_place_counts_and_lists_regions_outside_the_genome(write, caplog):
    path = write("p.bed", "chr1\t100\t200\nchrUn_KI270742v1\t0\t50\nchr2\t700\t900\nchr2\t0\t10\n")
    with caplog.at_level(logging.WARNING):
        placed = place_regions(read_region_file(path), SIZES)
    assert placed.kept[["chrom", "start"]].values.tolist() == [["chr1", 100], ["chr2", 0]]
    assert placed.dropped[["line", "reason"]].values.tolist() == [[2, "chrom_not_in_genome"], [3, "past_chrom_end"]]
    assert "dropped 2 of 4 regions" in caplog.text
    with pytest.raises(InputError, match=r"p.bed line 2: chromosome 'chrUn_KI270742v1' is not in the genome"):
        place_regions(read_region_file(path), SIZES, strict=True)


def test_ensembl_names_stop_unless_mapped(write):
    path = write("ens.bed", "1\t100\t200\nMT\t0\t10\n2\t5\t50\n")
    with pytest.raises(
        InputError, match=r"ens.bed and the genome name chromosomes differently: '1' \(genome: 'chr1'\)"
    ):
        place_regions(read_region_file(path), {**SIZES, "chrM": 16569})
    placed = place_regions(read_region_file(path), {**SIZES, "chrM": 16569}, map_chroms=True)
    assert placed.kept["chrom"].tolist() == ["chr1", "chrM", "chr2"] and placed.dropped.empty


def test_chrom_mapping_is_shared_with_variants():
    from enhancerlm.variants.windows import chrom_mapping as variants_mapping

    assert variants_mapping is chrom_mapping
    assert same_chrom("chr8", ["8", "9"]) and same_chrom("8", ["chr8"]) and not same_chrom("chr1", ["chr10"])
