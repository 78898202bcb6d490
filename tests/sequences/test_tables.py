"""CSV/TSV tables: delimiters, compression, column names, default ids, missing columns, bad files."""

from __future__ import annotations

import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.tables import Columns, iter_table, read_table, table_stem

CSV = "id,sequence,label\nr1,ACGT,enhancer\nr2, ggcc ,not_enhancer\n"


@pytest.mark.parametrize(
    ("name", "text", "gz"),
    [
        ("t.csv", CSV, False),
        ("t.tsv", CSV.replace(",", "\t"), False),
        ("t.txt", CSV.replace(",", "\t"), False),
        ("t.csv.gz", CSV, True),
        ("t.csv", CSV, True),  # gzip without the .gz name: found from the magic bytes
    ],
)
def test_read_table_formats(write, name, text, gz):
    path = write(name, text, gz=gz)
    table = read_table(path, split="train")
    assert table.to_dict("list") == {
        "id": ["r1", "r2"],
        "sequence": ["ACGT", "ggcc"],
        "label": ["enhancer", "not_enhancer"],
        "split": ["train", "train"],
        "source": [str(path)] * 2,
        "description": ["r1", "r2"],
    }


def test_custom_columns_and_default_ids(write):
    path = write("enh.tsv.gz", "seq_dna\tclass\textra\nACGT\t1\tx\nGGCC\t0\ty\n", gz=True)
    table = read_table(path, columns=Columns(sequence="seq_dna", label="class"))
    assert table["id"].tolist() == ["enh_1", "enh_2"]
    assert table["label"].tolist() == ["1", "0"]
    assert table_stem("dir/enh.tsv.gz") == "enh" and table_stem("a.b.csv") == "a.b"


def test_seq_alias_for_default_sequence_column(write):
    table = read_table(write("gb.csv", "seq,label\nACGT,1\n"))
    assert table["sequence"].tolist() == ["ACGT"]


def test_spec_label_overrides_and_missing_label_column_is_unlabelled(write):
    path = write("s.csv", "sequence\nACGT\nGG\n")
    assert read_table(path)["label"].tolist() == ["", ""]
    assert read_table(path, label="enhancer")["label"].tolist() == ["enhancer", "enhancer"]
    assert read_table(path, columns=Columns(label=None), require_labels=False)["label"].tolist() == ["", ""]


def test_missing_sequence_column_names_file_column_and_columns(write):
    path = write("s.csv", "id,dna,label\nr1,ACGT,a\n")
    with pytest.raises(InputError) as info:
        read_table(path)
    assert str(info.value).startswith(f"{path}: no sequence column 'sequence'; the columns are ['id', 'dna', 'label']")


def test_missing_column_fix_names_the_python_setting_and_what_else_to_do(write):
    path = write("s.csv", "id,dna,label\nr1,ACGT,a\n")
    with pytest.raises(InputError) as info:
        read_table(path)
    assert str(info.value).endswith("; name the sequence column with sequence_column=")
    assert info.value.with_fix(None).endswith("; name the sequence column 'sequence'")  # for a command without the flag


@pytest.mark.parametrize("sep, name", [(";", "semicolon"), ("\t", "tab")])
def test_a_csv_with_another_separator_is_read_with_a_warning_naming_it(write, caplog, sep, name):
    path = write("excel.csv", "\ufeff" + CSV.replace(",", sep))
    with caplog.at_level("WARNING"):
        table = read_table(path)
    assert table["sequence"].tolist() == ["ACGT", "ggcc"] and table["label"].tolist() == ["enhancer", "not_enhancer"]
    assert f"{path}: its header line has no commas but {name}s: read as {name}-separated" in caplog.messages


@pytest.mark.parametrize("chunk_size", [None, 1])
def test_bom_and_windows_line_ends_are_counted_in_the_log(write, caplog, chunk_size):
    path = write("win.csv", b"\xef\xbb\xbf" + CSV.replace("\n", "\r\n").encode(), gz=True)
    with caplog.at_level("INFO", logger="enhancerlm"):
        chunks = list(iter_table(path, chunk_size))
    assert [s for c in chunks for s in c["sequence"]] == ["ACGT", "ggcc"]
    assert caplog.messages == [f"{path}: skipped a UTF-8 byte-order mark; read 3 Windows (\\r\\n) line ends"]


def test_a_windows_line_end_split_between_two_reads_counts_once():
    import io

    from enhancerlm.sequences.validate import CountingReader, TextNotes

    notes = TextNotes()
    reader = CountingReader(io.BytesIO(b"a\r\nb\r\nc\rd"), notes)
    assert b"".join(iter(lambda: reader.read(2), b"")) == b"a\r\nb\r\nc\rd"  # "a\r" | "\nb" | "\r\n" | ...
    assert (notes.crlf, notes.cr) == (2, 1)


def test_a_header_with_the_extensions_separator_keeps_it(write, caplog):
    path = write("t.csv", "id,sequence,note\nr1,ACGT,a;b\n")
    with caplog.at_level("WARNING"):
        assert read_table(path)["sequence"].tolist() == ["ACGT"]
    assert not caplog.messages


def test_missing_label_column_when_labels_required(write):
    path = write("s.csv", "id,sequence\nr1,ACGT\n")
    with pytest.raises(InputError, match=r"no label column 'class'; the columns are \['id', 'sequence'\]"):
        read_table(path, columns=Columns(label="class"), require_labels=True)


def test_interval_table_gets_a_hint(write):
    path = write("positive.csv.gz", "id,region,start,end,strand\n0,chr1,10,20,+\n", gz=True)
    with pytest.raises(InputError, match="look like genomic intervals, not sequences"):
        read_table(path)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("", r"is empty \(no header line\)"),
        ("sequence,label\nACGT,a,extra,more\n", r"cannot be read as a ','-delimited table"),
        (b"sequence,label\nAC\x00GT,a\n", r"contains NUL bytes"),
        (b"sequence,label\nAC\xffGT,a\n", r"cannot be read as a ','-delimited table"),
    ],
)
def test_malformed_tables_name_the_file(write, content, pattern):
    path = write("bad.csv", content)
    with pytest.raises(InputError, match=pattern) as info:
        read_table(path)
    assert str(path) in str(info.value)


def test_unknown_extension(write):
    with pytest.raises(InputError, match=r"unknown table extension '\.xlsx'"):
        read_table(write("t.xlsx", CSV))


def test_iter_table_chunks_keep_row_numbers(write):
    path = write("big.csv", "sequence\n" + "".join(f"{'ACGT' * (i + 1)}\n" for i in range(5)))
    chunks = list(iter_table(path, 2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [i for c in chunks for i in c["id"]] == [f"big_{i}" for i in range(1, 6)]
    assert chunks[2]["sequence"].tolist() == ["ACGT" * 5]


def test_header_only_table_is_empty(write):
    assert read_table(write("h.csv", "sequence,label\n")).empty
