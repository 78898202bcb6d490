"""Indexed genome access (enhancerlm.sequences.genome): index policy, compression, coordinates, BED regions."""

from __future__ import annotations

import gzip
import os
import stat

import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.genome import Region, open_genome, read_regions, whole_genome_regions
from tests.helpers import write_fasta

from .helpers import GENOME

SIZES = {"chr2": 150, "chr1": 1200}


def test_fetch_is_0_based_half_open_and_upper_case(genome_fasta):
    with open_genome(genome_fasta) as genome:
        assert genome.chrom_sizes == SIZES  # FASTA order, names are the header's first word
        assert genome.fetch("chr1", 0, 10) == GENOME["chr1"][:10]
        assert genome.fetch("chr1", 595, 605) == GENOME["chr1"][595:605].upper()
        assert genome.fetch("chr1", 1190, 1200) == GENOME["chr1"][1190:].upper()
        assert genome.fetch("chr2", 7, 7) == ""
        with pytest.raises(InputError, match=r"chr2:140-151 lies outside chr2 \(0-150\)"):
            genome.fetch("chr2", 140, 151)
        with pytest.raises(InputError, match="no sequence named 'chrX'"):
            genome.fetch("chrX", 0, 1)
    assert genome_fasta.with_name("genome.fa.fai").is_file()


def test_stale_index_is_rebuilt(tmp_path):
    fasta = write_fasta(tmp_path / "g.fa", {"chr1": "ACGT" * 10})
    with open_genome(fasta) as genome:
        assert genome.chrom_sizes == {"chr1": 40}
    write_fasta(fasta, {"chr1": "ACGT" * 20})
    index = tmp_path / "g.fa.fai"
    os.utime(index, (fasta.stat().st_mtime - 10, fasta.stat().st_mtime - 10))  # the index is now older
    with open_genome(fasta) as genome:
        assert genome.chrom_sizes == {"chr1": 80}


def test_read_only_folder_indexes_into_index_dir(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    fasta = write_fasta(data / "g.fa", GENOME, description="test record")
    data.chmod(stat.S_IRUSR | stat.S_IXUSR)  # no write bits: left alone even when running as root
    try:
        with pytest.raises(InputError, match="samtools faidx"):
            open_genome(fasta)
        with open_genome(fasta, index_dir=tmp_path / "cache") as genome:
            assert genome.fetch("chr2", 0, 5) == GENOME["chr2"][:5]
        assert sorted(p.name for p in data.iterdir()) == ["g.fa"]
        assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["g.fa.fai"]
    finally:
        data.chmod(stat.S_IRWXU)


def test_plain_gzip_is_refused_with_bgzip_advice(tmp_path):
    path = tmp_path / "g.fa.gz"
    path.write_bytes(gzip.compress(b">chr1\nACGT\n"))
    with pytest.raises(InputError, match="gzip-compressed but not with bgzip"):
        open_genome(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.fa.gz"]


def test_bgzip_fasta_reads_like_plain(tmp_path, genome_fasta):
    bgzf = pytest.importorskip("Bio.bgzf")
    path = tmp_path / "g.fa.gz"
    with bgzf.BgzfWriter(str(path), "wb") as handle:
        handle.write(genome_fasta.read_bytes())
    with open_genome(path) as genome:
        assert genome.chrom_sizes == SIZES
        assert genome.fetch("chr1", 590, 820) == GENOME["chr1"][590:820].upper()
    assert path.with_name("g.fa.gz.gzi").is_file()


def test_misnamed_or_malformed_fasta_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        open_genome(tmp_path / "missing.fa")
    fake_gz = tmp_path / "g.fa.gz"
    fake_gz.write_text(">chr1\nACGT\n")
    with pytest.raises(InputError, match="not gzip-compressed"):
        open_genome(fake_gz)
    ragged = tmp_path / "ragged.fa"
    ragged.write_text(">chr1\nACGTACGT\nACG\nACGTACGT\n")  # a short line inside a record cannot be indexed
    with pytest.raises(InputError, match="cannot be indexed"):
        open_genome(ragged)


def test_whole_genome_regions_are_in_name_order():
    assert whole_genome_regions({"chr2": 150, "chr1": 1200, "empty": 0}) == [
        Region("chr1", 0, 1200),
        Region("chr2", 0, 150),
    ]


def test_read_regions_sorts_merges_and_skips_headers(tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text(
        "track name=x\n# comment\nchr2\t10\t20\tname\nchr1\t100\t200\n"
        "chr1\t150\t300\nchr1\t300\t310\nchr1\t400\t500\n\n"
    )
    assert read_regions(bed, SIZES) == [Region("chr1", 100, 310), Region("chr1", 400, 500), Region("chr2", 10, 20)]


@pytest.mark.parametrize(
    "line, message",
    [
        ("chrX\t0\t10", r"line 2: chromosome 'chrX' is not in the genome \(it has chr2, chr1\)"),
        ("chr2\t100\t151", r"line 2: interval chr2:100-151 is outside chr2 \(0-150\)"),
        ("chr2\t-5\t10", "outside chr2"),
        ("chr2\t20\t20", "or empty"),
        ("chr2\t1.5\t10", "start and end must be integers"),
        ("chr2\t10", "needs chrom, start, end"),
    ],
)
def test_bad_bed_lines_name_file_and_line(tmp_path, line, message):
    bed = tmp_path / "r.bed"
    bed.write_text(f"chr1\t0\t10\n{line}\n")
    with pytest.raises(InputError, match=message) as err:
        read_regions(bed, SIZES)
    assert str(bed) in str(err.value)


def test_empty_or_missing_bed(tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("# nothing\n")
    with pytest.raises(InputError, match="has no intervals"):
        read_regions(bed, SIZES)
    with pytest.raises(InputError, match="does not exist"):
        read_regions(tmp_path / "missing.bed", SIZES)


def test_read_regions_takes_every_format_of_the_one_reader(tmp_path):
    peaks = tmp_path / "ENCFF000AAA.bed.gz"  # ENCODE narrowPeak, served as .bed.gz
    peaks.write_bytes(
        gzip.compress(b"chr1\t100\t300\t.\t1000\t.\t20.5\t-1\t3.2\t80\nchr2\t0\t40\t.\t9\t.\t2\t1\t1\t-1\n")
    )
    assert read_regions(peaks, SIZES) == [Region("chr1", 100, 300), Region("chr2", 0, 40)]
    table = tmp_path / "positive.csv.gz"  # Genomic Benchmarks coordinates
    table.write_bytes(gzip.compress(b"id,region,start,end,strand\n0,chr1,10,50,-\n"))
    assert read_regions(table, SIZES) == [Region("chr1", 10, 50)]
