"""Genomic Benchmarks folders: one-file-per-sequence and class-table layouts, split selection."""

from __future__ import annotations

import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.genomic_benchmarks import read_genomic_benchmark
from enhancerlm.sequences.spec import parse_spec, read_spec


@pytest.fixture
def txt_dataset(tmp_path, write):
    """DIR/{train,test}/{positive,negative}/<n>.txt as genomic_benchmarks.loc2seq writes them."""
    root = tmp_path / "human_enhancers_cohn"
    files = {
        "train/positive/0.txt": "ACGTAC",
        "train/positive/10.txt": "acgtNN\n",
        "train/positive/2.txt": "GGGG",
        "train/negative/0.txt": "TTTT",
        "train/negative/1.txt": "CCCC",
        "test/positive/0.txt": "AAAA",
        "test/negative/0.txt": "CCGG",
    }
    for name, seq in files.items():
        write(f"human_enhancers_cohn/{name}", seq)
    return root


def test_dataset_root_with_split_reads_that_split(txt_dataset):
    table = read_genomic_benchmark(txt_dataset, "train")
    assert table["id"].tolist() == ["negative/0", "negative/1", "positive/0", "positive/2", "positive/10"]
    assert table["sequence"].tolist() == ["TTTT", "CCCC", "ACGTAC", "GGGG", "acgtNN"]
    assert table["label"].tolist() == ["negative"] * 2 + ["positive"] * 3
    assert set(table["split"]) == {"train"}
    assert table["source"].tolist()[:2] == [str(txt_dataset / "train" / "negative")] * 2


def test_split_folder_given_directly(txt_dataset):
    table = read_genomic_benchmark(txt_dataset / "test")
    assert table[["id", "label", "split"]].values.tolist() == [
        ["negative/0", "negative", "test"],
        ["positive/0", "positive", "test"],
    ]


def test_empty_split_reads_every_split(txt_dataset):
    table = read_spec(str(txt_dataset))
    assert table.groupby("split").size().to_dict() == {"test": 2, "train": 5}
    assert table["id"].tolist()[:3] == ["test/negative/0", "test/positive/0", "train/negative/0"]
    assert "ACGTNN" in table["sequence"].tolist()  # validated: upper case


def test_class_tables_with_sequences(tmp_path, write):
    root = tmp_path / "gb"
    write("gb/train/positive.csv.gz", "id,seq\n7,ACGT\n9,GGCC\n", gz=True)
    write("gb/train/negative.csv", "seq\nTTTT\n")
    table = read_spec(f"{root}", "train")
    assert table[["id", "sequence", "label", "split"]].values.tolist() == [
        ["negative/1", "TTTT", "negative", "train"],
        ["positive/7", "ACGT", "positive", "train"],
        ["positive/9", "GGCC", "positive", "train"],
    ]
    assert table["source"].tolist()[0] == str(root / "train" / "negative.csv")


def test_interval_class_tables_explain_what_to_do(tmp_path, write):
    intervals = "id,region,start,end,strand\n0,chr1,1,9,+\n"  # as the package ships them
    write("gb/train/positive.csv.gz", intervals, gz=True)
    with pytest.raises(
        InputError,
        match=r"positive\.csv\.gz: no sequence column .*genomic intervals.*"
        r"download_dataset",
    ):
        read_genomic_benchmark(tmp_path / "gb", "train")


def test_missing_split_and_empty_folder(txt_dataset, tmp_path):
    with pytest.raises(InputError, match=r"human_enhancers_cohn: no 'val' split folder; found \['test', 'train'\]"):
        read_genomic_benchmark(txt_dataset, "val")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: no class folders"):
        read_genomic_benchmark(tmp_path / "empty")


def test_bad_sequence_file_is_named(txt_dataset, write):
    write("human_enhancers_cohn/train/positive/3.txt", "ACXT")
    with pytest.raises(InputError, match=r"train/positive: record 'positive/3' position 3 \(1-based\)"):
        read_spec(str(txt_dataset), "train")
    write("human_enhancers_cohn/train/positive/3.txt", b"\x00\x01")
    with pytest.raises(InputError, match=r"3\.txt: contains NUL bytes"):
        read_spec(str(txt_dataset), "train")


def test_spec_kind_and_label_not_allowed(txt_dataset):
    assert parse_spec(str(txt_dataset)).kind == "genomic_benchmarks"
    with pytest.raises(InputError, match="takes its labels from its class folders"):
        parse_spec(f"{txt_dataset}:enhancer")


def test_byte_order_marks_and_windows_line_ends_are_skipped_and_counted(tmp_path, write, caplog):
    for name, data in (("0.txt", b"\xef\xbb\xbfACGT\r\n"), ("1.txt", b"\xef\xbb\xbfGGCC\r\n"), ("2.txt", b"TTAA\n")):
        write(f"set/train/positive/{name}", data)
    write("set/train/negative/0.txt", "CCCC")
    with caplog.at_level("INFO", logger="enhancerlm"):
        table = read_genomic_benchmark(tmp_path / "set", "train")
    assert table["sequence"].tolist() == ["CCCC", "ACGT", "GGCC", "TTAA"]
    said = [r.getMessage() for r in caplog.records if r.name == "enhancerlm.sequences.validate"]
    assert said == [
        f"{tmp_path / 'set/train/positive'}: skipped 2 UTF-8 byte-order marks; read 2 Windows (\\r\\n) line ends"
    ]
