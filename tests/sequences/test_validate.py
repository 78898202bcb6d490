"""Sequence validation: alphabet, IUPAC codes, case, lengths, ids; file checks."""

from __future__ import annotations

import logging

import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import COLUMNS, make_table
from enhancerlm.sequences.validate import clean_sequence, decode_text, is_gzip, validate_table


def _table(ids, seqs, source="in.fa"):
    return make_table(ids, seqs, ["enhancer"] * len(ids), split="train", source=source)


def test_clean_sequence_upper_cases_and_replaces_iupac():
    assert clean_sequence("acgtRYswkmbdhvN", "r1", "in.fa") == ("ACGT" + "N" * 11, 10, True)
    assert clean_sequence("ACGTN", "r1", "in.fa") == ("ACGTN", 0, False)


@pytest.mark.parametrize(
    ("seq", "position", "char"),
    [
        ("ACGX", 4, "'X'"),
        ("uACZ", 4, "'Z'"),
        ("AC GT", 3, "' '"),
        ("ACé", 3, "'é'"),
        ("A\x00", 2, "'\\x00'"),
        ("AC-", 3, "'-'"),
    ],
)
def test_clean_sequence_names_source_record_and_1_based_position(seq, position, char):
    with pytest.raises(InputError) as info:
        clean_sequence(seq, "chr1_5", "in.fa")
    assert str(info.value).startswith(
        f"in.fa: record 'chr1_5' position {position} (1-based): character {char} is not a nucleotide"
    )


def test_clean_sequence_rejects_empty():
    with pytest.raises(InputError, match=r"in\.fa: record 'r1' is empty \(0 bp\)"):
        clean_sequence("", "r1", "in.fa")


def test_validate_table_cleans_and_logs_counts(caplog):
    table = _table(["a", "b", "c"], ["acgtRY", "ACGT", "nnkA"])
    with caplog.at_level(logging.INFO, logger="enhancerlm.sequences.validate"):
        out = validate_table(table.set_axis([7, 8, 9]))
    assert out["sequence"].tolist() == ["ACGTNN", "ACGT", "NNNA"]
    assert list(out.columns) == list(COLUMNS) and out.index.tolist() == [0, 1, 2]
    assert out[["id", "label", "split", "source"]].equals(table[["id", "label", "split", "source"]])
    levels = {r.getMessage(): r.levelname for r in caplog.records}
    assert levels == {
        "in.fa: upper-cased 7 soft-masked bases in 2 of 3 records": "INFO",
        "in.fa: replaced 3 IUPAC ambiguity codes (RYSWKMBDHV) with N in 2 of 3 records": "WARNING",
    }


def test_validate_table_clean_input_logs_nothing(caplog):
    with caplog.at_level(logging.INFO):
        out = validate_table(_table(["a"], ["ACGTN"]))
    assert out["sequence"].tolist() == ["ACGTN"] and not caplog.records


def test_validate_table_bad_character_names_the_right_record():
    table = _table(["a", "b"], ["ACGT", "ACGTAC*G"], source="data/x.csv")
    with pytest.raises(
        InputError,
        match=r"^data/x\.csv: record 'b' position 7 \(1-based\): "
        r"character '\*' is not a nucleotide",
    ):
        validate_table(table)


def test_validate_table_empty_record():
    with pytest.raises(InputError, match=r"^in\.fa: record 'b' is empty \(0 bp\)$"):
        validate_table(_table(["a", "b"], ["ACGT", ""]))


def test_validate_table_min_length_drops_short_records_and_says_so(caplog):
    table = _table(["a", "short", "tiny"], ["ACGTAC", "ACGTA", "AC"])
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.validate"):
        assert len(validate_table(table, min_length=5)) == 2
        kept = validate_table(table, min_length=6)
    assert kept["id"].tolist() == ["a"] and kept.index.tolist() == [0]
    assert [r.getMessage() for r in caplog.records] == [
        "in.fa: dropped 1 record(s) shorter than 5 bp (min_length) (e.g. 'tiny' 2 bp)",
        "in.fa: dropped 2 record(s) shorter than 6 bp (min_length) (e.g. 'short' 5 bp; 'tiny' 2 bp)",
    ]


def test_validate_table_warn_below_keeps_short_records_and_counts_them(caplog):
    table = _table(["a", "b", "c", "d", "e"], ["ACGTAC", "AC", "A", "ACG", "ACGT"])
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.validate"):
        out = validate_table(table, warn_below=6)
    assert out["id"].tolist() == ["a", "b", "c", "d", "e"]
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith(
        "in.fa: kept 4 record(s) shorter than 6 bp (the model's k) "
        "(e.g. 'b' 2 bp; 'c' 1 bp; 'd' 3 bp, ...): they have no 6-mer and are scored on "
        "[CLS] [SEP] alone"
    )


def test_validate_table_reads_rna_u_as_t_with_one_warning(caplog):
    table = _table(["r1", "r2", "d1"], ["ACGU", "uuAG", "ACGT"])
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.validate"):
        out = validate_table(table)
    assert out["sequence"].tolist() == ["ACGT", "TTAG", "ACGT"]
    assert [r.getMessage() for r in caplog.records] == ["in.fa: read 3 RNA bases U as T in 2 of 3 records"]
    assert clean_sequence("acgu", "r1", "in.fa") == ("ACGT", 0, True)


def test_validate_table_keeps_repeated_ids_and_refuses_empty_ones():
    out = validate_table(_table(["a", "b", "a"], ["AC", "GT", "TT"]))
    assert out["id"].tolist() == ["a", "b", "a"]  # sequences.ids renames repeats, not validation
    with pytest.raises(InputError, match=r"^in\.fa: record number 2 has an empty id$"):
        validate_table(_table(["a", ""], ["AC", "GT"]))


def test_decode_text_rejects_binary():
    assert decode_text("ACGT é".encode(), "f") == "ACGT é"
    with pytest.raises(InputError, match=r"^f: contains NUL bytes"):
        decode_text(b"AC\x00", "f")
    with pytest.raises(InputError, match=r"^f: byte 2 is not valid UTF-8 text"):
        decode_text(b"A\xc3", "f")


def test_is_gzip_and_missing_file(write, tmp_path):
    assert is_gzip(write("x.txt", "ACGT", gz=True)) and not is_gzip(write("y.gz", "ACGT"))
    with pytest.raises(InputError, match=r"missing\.fa: no such file"):
        is_gzip(tmp_path / "missing.fa")
