"""Request bytes -> table: pasted text, upload names (display only), extensions."""

from __future__ import annotations

import pytest

from enhancerlm.serve.inputs import _suffix, display_name, pasted_fasta


def test_raw_lines_become_numbered_fasta_and_fasta_stays():
    assert pasted_fasta("ACGT\n\n  ggcc  \n") == ">seq_1\nACGT\n>seq_2\nggcc\n"
    assert pasted_fasta("\n>a\nACGT\n") == "\n>a\nACGT\n"


@pytest.mark.parametrize(
    "filename, shown",
    [
        ("C:\\Users\\me\\enh.fa", "enh.fa"),
        ("../../etc/passwd", "passwd"),
        ("", "uploaded file"),
        ("x" * 300, "x" * 100),
    ],
)
def test_client_file_names_are_only_shown_never_paths(filename, shown):
    assert display_name(filename) == shown


@pytest.mark.parametrize(
    "filename, suffix",
    [("a.CSV", ".csv"), ("a.tsv.gz", ".tsv.gz"), ("reads.fasta", ".fasta"), ("a.docx", ""), ("a.gz", ".gz")],
)
def test_only_known_extensions_are_kept(filename, suffix):
    assert _suffix(filename) == suffix


@pytest.mark.parametrize(
    "text, message",
    [
        ("ACGT\n\nAC?T\n", "pasted sequences: line 3 ('AC?T'), position 3 (1-based): character '?'"),
        ("ACGT\n" + "A" * 30 + "X\n", "line 2 ('AAAAAAAAAAAAAAAAAAAA...'), position 31"),
        (">a\nACGT\n>b desc\nAC?T\n", "pasted sequences: record 'b' (header on line 3), position 3"),
        (">a\n\n>b\nACGT\n", "pasted sequences: record 'a' (header on line 1) is empty"),
        ("ACGT\n>b\nACGT\n", "line 1 is a sequence without a '>' header, line 2 a header"),
    ],
)
def test_a_paste_error_names_the_line_or_header_the_user_typed(text, message):
    from enhancerlm.errors import InputError
    from enhancerlm.serve.inputs import read_request
    from enhancerlm.serve.limits import ServeLimits

    with pytest.raises(InputError) as err:
        read_request(text, [], ServeLimits())
    assert message in str(err.value) and "seq_" not in str(err.value)


def test_an_upload_without_a_sequence_column_names_no_flag():
    from enhancerlm.errors import InputError
    from enhancerlm.serve.inputs import Upload, read_request
    from enhancerlm.serve.limits import ServeLimits

    with pytest.raises(InputError) as info:
        read_request("", [Upload("mine.csv", b"id,dna\na,ACGT\n")], ServeLimits())
    expected = (
        "mine.csv: no sequence column 'sequence'; the columns are ['id', 'dna']; name the sequence column 'sequence'"
    )
    assert str(info.value) == expected
