"""Streaming FASTA reader: compression, wrapping, line endings, soft-masking, malformed files."""

from __future__ import annotations

import bz2
import gzip
import logging

import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.fasta import FastaRecord, fasta_text, iter_fasta, iter_fasta_records

RECORDS = [("r1", "ACGTACGTAC"), ("r2", "GGCC"), ("r3", "TTTTN")]
WRAPPED = ">r1 first record\nACGT\nACGT\nAC\n>r2\nGGCC\n>r3 x y z\nTTTTN\n"


def test_wrapped_records_and_first_word_ids(write):
    assert list(iter_fasta(write("a.fa", WRAPPED))) == RECORDS


def test_records_carry_the_whole_header_trimmed(write):
    records = list(iter_fasta_records(write("a.fa", WRAPPED.replace(">r3 x y z", ">r3 \t x  y z  "))))
    assert records == [
        FastaRecord("r1", "ACGTACGTAC", "r1 first record"),
        FastaRecord("r2", "GGCC", "r2"),
        FastaRecord("r3", "TTTTN", "r3 \t x  y z"),
    ]


def test_repeated_first_words_are_passed_on_as_published(write):
    # A UCSC custom-track export: one first word, two regions.
    text = (
        ">hg19_ct_UserTrack_3545_54 range=chr13:20118701-20118900 5'pad=0 3'pad=0 strand=+\nACGT\n"
        ">hg19_ct_UserTrack_3545_54 range=chr14:50102200-50102399 5'pad=0 3'pad=0 strand=+\nGGCC\n"
    )
    records = list(iter_fasta_records(write("ucsc.fa", text)))
    assert [r.id for r in records] == ["hg19_ct_UserTrack_3545_54"] * 2
    assert [r.description.split()[1] for r in records] == [
        "range=chr13:20118701-20118900",
        "range=chr14:50102200-50102399",
    ]


@pytest.mark.parametrize("gz", [False, True])
def test_a_byte_order_mark_before_the_first_header_is_skipped(write, gz):
    path = write("bom.fa", b"\xef\xbb\xbf" + WRAPPED.encode(), gz=gz)
    assert list(iter_fasta(path)) == RECORDS
    assert next(iter_fasta_records(path)).description == "r1 first record"


def test_fasta_text_reads_back_as_written(write):
    assert fasta_text(["a", "b"], ["ACGT", "nnA"]) == ">a\nACGT\n>b\nnnA\n"
    assert list(iter_fasta(write("w.fa", fasta_text(*zip(*RECORDS))))) == RECORDS


def test_unwrapped_crlf_blank_lines_and_trailing_spaces(write):
    text = "\r\n>r1\r\nACGTACGTAC  \r\n\r\n>r2\r\nGGCC\r\n\r\n>r3\r\nTTTT\r\nN"
    assert list(iter_fasta(write("a.fa", text))) == RECORDS


def test_classic_mac_line_endings(write):
    assert list(iter_fasta(write("a.fa", WRAPPED.replace("\n", "\r")))) == RECORDS


@pytest.mark.parametrize("gz", [False, True])
def test_bom_and_line_ends_are_counted_in_the_log(write, caplog, gz):
    lines = WRAPPED.splitlines()  # 8 lines: 6 end in \r\n, the last 2 in a lone \r
    text = "".join(line + "\r\n" for line in lines[:6]) + "".join(line + "\r" for line in lines[6:])
    path = write("win.fa", b"\xef\xbb\xbf" + text.encode(), gz=gz)
    with caplog.at_level(logging.INFO, logger="enhancerlm"):
        assert list(iter_fasta(path)) == RECORDS
    expected = (
        f"{path}: skipped a UTF-8 byte-order mark; read 6 Windows (\\r\\n) line ends; read 2 old Mac (\\r) line ends"
    )
    assert caplog.messages == [expected]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="enhancerlm"):
        list(iter_fasta(write("unix.fa", WRAPPED)))
    assert not caplog.messages


@pytest.mark.parametrize("name", ["a.fa", "a.fa.gz", "a.fasta.bgz"])
def test_gzip_is_detected_by_magic_bytes_not_name(write, name):
    assert list(iter_fasta(write(name, WRAPPED, gz=True))) == RECORDS


def test_plain_file_named_gz_is_read_as_plain(write):
    assert list(iter_fasta(write("a.fa.gz", WRAPPED))) == RECORDS


def test_soft_masked_bases_are_upper_cased_and_counted_once(write, caplog):
    path = write("m.fa", ">a\nacGT\naa\n>b\nACGT\n>c\nttN\n")
    with caplog.at_level(logging.INFO, logger="enhancerlm.sequences.fasta"):
        records = list(iter_fasta(path))
    assert records == [("a", "ACGTAA"), ("b", "ACGT"), ("c", "TTN")]
    messages = [r.getMessage() for r in caplog.records if r.name == "enhancerlm.sequences.fasta"]
    assert messages == [f"{path}: upper-cased 6 soft-masked (lower-case) bases in 2 of 3 records"]


def test_no_log_without_lower_case(write, caplog):
    with caplog.at_level(logging.INFO, logger="enhancerlm.sequences.fasta"):
        list(iter_fasta(write("a.fa", WRAPPED)))
    assert not caplog.records


def test_empty_file_and_header_without_sequence(write):
    assert list(iter_fasta(write("empty.fa", ""))) == []
    assert list(iter_fasta(write("h.fa", ">only\n>next\nAC\n"))) == [("only", ""), ("next", "AC")]


def test_streams_records_before_reading_the_rest(write):
    records = iter_fasta(write("a.fa", ">r1\nACGT\n>r2\nAC\n>\nGG\n"))
    assert next(records) == ("r1", "ACGT")  # the bad header at line 5 is not read yet
    assert next(records) == ("r2", "AC")
    with pytest.raises(InputError, match=r"a\.fa: line 5: header '>' has no id"):
        next(records)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("ACGT\n>r1\nAC\n", r"line 1: sequence data before the first '>' header"),
        ("\n\n>r1\nAC\n>  \nAC\n", r"line 5: header '>' has no id"),
        (b">r1\nAC\x00GT\n", r"record 'r1': contains NUL bytes"),
        (b">r1\nAC\xff\xfeGT\n", r"record 'r1': byte 3 is not valid UTF-8"),
        (b">r\xff1\nACGT\n", r"line 1: header: byte 2 is not valid UTF-8"),
    ],
)
def test_malformed_files_name_file_and_place(write, content, pattern):
    path = write("bad.fa", content)
    with pytest.raises(InputError, match=pattern) as info:
        list(iter_fasta(path))
    assert str(path) in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match=r"nope\.fa: no such file"):
        list(iter_fasta(tmp_path / "nope.fa"))
    with pytest.raises(InputError, match="is a folder, expected a file"):
        list(iter_fasta(tmp_path))


def test_truncated_gzip(write):
    data = gzip.compress((">r1\n" + "ACGT" * 5000 + "\n").encode())
    path = write("cut.fa.gz", data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.fa\.gz: cannot be read after line"):
        list(iter_fasta(path))


def test_other_compression_is_named(write):
    path = write("a.fa.bz2", bz2.compress(WRAPPED.encode()))
    with pytest.raises(InputError, match=r"a\.fa\.bz2: is bzip2-compressed"):
        list(iter_fasta(path))
