"""Input SPECs: parsing, reading one or many, labels, duplicates, streaming; the real iEnhancer files."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import COLUMNS
from enhancerlm.sequences.spec import Spec, iter_spec, parse_spec, read_spec, read_specs

FASTA = ">e1 desc\nACGTAC\nGT\n>e2\nacgtac\n"


def test_parse_fasta_with_and_without_label(write):
    path = write("enh.fa", FASTA)
    assert parse_spec(f"{path}:enhancer") == Spec("fasta", str(path), "enhancer")
    assert parse_spec(str(path)) == Spec("fasta", str(path), None)


def test_parse_splits_at_last_colon_only_when_the_path_exists(write, tmp_path):
    path = write("a:b.fa", FASTA)
    with pytest.raises(InputError, match=r"no such file or folder '.*a:b\.fa:weak'"):
        parse_spec(f"{path}:weak:enhancer")  # only the last colon separates a label
    assert parse_spec(f"{path}:enhancer") == Spec("fasta", str(path), "enhancer")
    assert parse_spec(str(path)) == Spec("fasta", str(path), None)
    with pytest.raises(InputError, match=r"no such file or folder '.*nope\.fa' \(nor '.*nope\.fa:x'\)"):
        parse_spec(f"{tmp_path}/nope.fa:x")
    with pytest.raises(InputError, match=r"no such file or folder '.*nope\.fa'; an input SPEC is"):
        parse_spec(f"{tmp_path}/nope.fa")


def test_parse_detects_format_from_content_then_extension(write, tmp_path):
    assert parse_spec(str(write("seqs.txt", FASTA))).kind == "fasta"
    assert parse_spec(str(write("seqs.dat", FASTA, gz=True))).kind == "fasta"
    assert parse_spec(str(write("t.csv", "sequence\nACGT\n"))).kind == "table"
    assert parse_spec(str(write("t.tsv.gz", "sequence\nACGT\n", gz=True))).kind == "table"
    assert parse_spec(str(write("empty.fasta", ""))).kind == "fasta"
    (tmp_path / "gb" / "train").mkdir(parents=True)
    assert parse_spec(str(tmp_path / "gb")).kind == "genomic_benchmarks"
    assert parse_spec("hf:owner/name") == Spec("hub", "owner/name", None)
    with pytest.raises(InputError, match=r"data\.bin: cannot tell its format"):
        parse_spec(str(write("data.bin", "hello")))


@pytest.mark.parametrize("spec", ["", "  ", "hf:"])
def test_parse_rejects_empty_specs(spec):
    with pytest.raises(InputError, match="input SPEC"):
        parse_spec(spec)


def test_parse_rejects_empty_label(write):
    path = write("enh.fa", FASTA)
    with pytest.raises(InputError, match=r"empty label after ':'"):
        parse_spec(f"{path}:")


def test_read_spec_fasta_with_label_and_split(write):
    path = write("enh.fa", FASTA)
    table = read_spec(f"{path}:enhancer", "train")
    assert list(table.columns) == list(COLUMNS)
    assert table.values.tolist() == [
        ["e1", "ACGTACGT", "enhancer", "train", str(path), "e1 desc"],
        ["e2", "ACGTAC", "enhancer", "train", str(path), "e2"],
    ]
    assert read_spec(str(path))["label"].tolist() == ["", ""]


def test_read_spec_table_label_column_and_spec_label(write):
    path = write("t.csv", "name,dna,class\nx,ACGT,1\ny,GGCC,0\n")
    table = read_spec(str(path), sequence_column="dna", label_column="class", id_column="name")
    assert table[["id", "sequence", "label"]].values.tolist() == [["x", "ACGT", "1"], ["y", "GGCC", "0"]]
    labelled = read_spec(f"{path}:enhancer", sequence_column="dna", id_column="name")
    assert labelled["label"].tolist() == ["enhancer", "enhancer"]


def test_read_spec_min_length_and_empty_inputs(write, caplog):
    path = write("enh.fa", FASTA)
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.validate"):
        assert read_spec(str(path), min_length=7)["id"].tolist() == ["e1"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: dropped 1 record(s) shorter than 7 bp (min_length) (e.g. 'e2' 6 bp)"
    ]
    with pytest.raises(InputError, match=rf"^{path}: no record is at least 9 bp long \(min_length\)"):
        read_spec(str(path), min_length=9)
    with pytest.raises(InputError, match=r"empty\.fa: no sequence records found"):
        read_spec(str(write("empty.fa", "\n\n")))
    with pytest.raises(InputError, match=r"h\.csv: no sequence records found"):
        read_spec(str(write("h.csv", "sequence,label\n")))


def test_read_specs_concatenates_in_order(write):
    enh, bg = write("enh.fa", FASTA), write("bg.fa", ">n1\nTTTT\n")
    table = read_specs([f"{enh}:enhancer", f"{bg}:not_enhancer"], "train", require_labels=True)
    assert table[["id", "label", "source"]].values.tolist() == [
        ["e1", "enhancer", str(enh)],
        ["e2", "enhancer", str(enh)],
        ["n1", "not_enhancer", str(bg)],
    ]
    assert table.index.tolist() == [0, 1, 2]


def test_read_specs_strict_ids_names_both_sources(write):
    enh, bg = write("enh.fa", FASTA), write("bg.fa", ">n1\nTTTT\n>e2\nAAAA\n")
    with pytest.raises(
        InputError,
        match=rf"^duplicate id 'e2' in {enh} \(record 2\) and {bg} \(record 2\); "
        "ids must be unique within a split",
    ):
        read_specs([f"{enh}:enhancer", f"{bg}:not_enhancer"], strict_ids=True)
    table = read_specs([f"{enh}:enhancer", f"{bg}:not_enhancer"])
    assert table["id"].tolist() == ["e1", "e2", "n1", "e2~2"]


def test_read_specs_strict_ids_within_one_file(write):
    path = write("enh.fa", ">a\nAC\n>b\nGG\n>a\nTT\n")
    with pytest.raises(InputError, match=rf"^{path}: duplicate id 'a' \(records 1 and 3\)"):
        read_specs([str(path)], strict_ids=True)
    assert read_specs([str(path)])["id"].tolist() == ["a", "b", "a~2"]


def test_read_specs_require_labels(write):
    enh, bg = write("enh.fa", FASTA), write("bg.fa", ">n1\nTTTT\n")
    assert len(read_specs([str(enh), str(bg)])) == 3  # unlabelled input is fine for predict
    with pytest.raises(
        InputError,
        match=rf"^{bg}: record 'n1' has no label; give the input a label "
        rf"as {bg}:LABEL",
    ):
        read_specs([f"{enh}:enhancer", str(bg)], require_labels=True)
    with pytest.raises(InputError, match="need at least 2 classes, found 1"):
        read_specs([f"{enh}:enhancer", f"{bg}:enhancer"], require_labels=True)
    table = write("t.csv", "sequence\nACGT\n")
    with pytest.raises(InputError, match=r"no label column 'label'; the columns are \['sequence'\]"):
        read_specs([str(table)], require_labels=True)
    with pytest.raises(InputError, match="no input given"):
        read_specs([])


def test_read_specs_labels_every_record_or_none(write):
    enh, bg = write("enh.fa", FASTA), write("bg.fa", ">n1\nTTTT\n")
    table = write("t.csv", "id,sequence,label\na,ACGT,enhancer\nb,ACGA,\n")
    for specs in ([str(table)], [f"{enh}:enhancer", str(bg)]):
        with pytest.raises(InputError, match=r"record '(b|n1)' has no label; give the input a label"):
            read_specs(specs)  # labels optional: all or none, never a class ''
    assert set(read_specs([str(enh), str(bg)])["label"]) == {""}


def test_iter_spec_chunks_match_read_spec(write):
    path = write("many.fa", "".join(f">r{i}\n{'ACGT' * (i + 1)}\n" for i in range(5)))
    chunks = list(iter_spec(f"{path}:enhancer", chunk_size=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    for chunk in chunks:
        assert list(chunk.columns) == list(COLUMNS)
    joined = [row for c in chunks for row in c.values.tolist()]
    assert joined == read_spec(f"{path}:enhancer").values.tolist()


def test_iter_spec_streams_fasta(write):
    # Record 4 is malformed: the first two chunks arrive before the reader gets there.
    path = write("s.fa", ">r1\nAC\n>r2\nGT\n>r3\nAA\n>r4\nAXA\n")
    chunks = iter_spec(str(path), chunk_size=1)
    assert [next(chunks)["id"].iloc[0] for _ in range(3)] == ["r1", "r2", "r3"]
    with pytest.raises(InputError, match=r"record 'r4' position 2 \(1-based\): character 'X'"):
        next(chunks)


def test_iter_spec_duplicate_across_chunks_and_bad_chunk_size(write):
    path = write("d.fa", ">a\nAC\n>b\nGT\n>a\nAA\n")
    with pytest.raises(InputError, match=rf"^{path}: duplicate id 'a' \(records 1 and 3\)"):
        list(iter_spec(str(path), chunk_size=2, strict_ids=True))
    assert [c["id"].tolist() for c in iter_spec(str(path), chunk_size=2)] == [["a", "b"], ["a~2"]]
    with pytest.raises(InputError, match="chunk_size must be a positive integer, got 0"):
        list(iter_spec(str(path), chunk_size=0))
    with pytest.raises(InputError, match="no sequence records found"):
        list(iter_spec(str(write("e.fa", "")), chunk_size=2))


def test_iter_spec_table_and_folder(write, tmp_path):
    table = write("t.tsv", "sequence\tlabel\n" + "ACGT\ta\n" * 3)
    assert [c["id"].tolist() for c in iter_spec(str(table), chunk_size=2)] == [["t_1", "t_2"], ["t_3"]]
    for i in range(3):
        write(f"gb/train/pos/{i}.txt", "ACGT")
    chunks = list(iter_spec(str(tmp_path / "gb"), chunk_size=2, split="train"))
    assert [c["id"].tolist() for c in chunks] == [["pos/0", "pos/1"], ["pos/2"]]


def test_real_ienhancer_files(shared_data):
    folder = shared_data / "ienhancer"
    if not folder.is_dir():
        pytest.skip(f"iEnhancer data not found at {folder}")
    specs = [
        f"{folder / 'train_strong_enhancers.fa'}:enhancer",
        f"{folder / 'train_weak_enhancers.fa'}:enhancer",
        f"{folder / 'train_non_enhancers.fa'}:not_enhancer",
    ]
    table = read_specs(specs, "train", require_labels=True, min_length=6)
    assert table.groupby("source", sort=False).size().tolist() == [742, 742, 1484]
    assert table["label"].value_counts().to_dict() == {"enhancer": 1484, "not_enhancer": 1484}
    assert set(table["sequence"].str.len()) == {200}
    assert table["sequence"].str.fullmatch("[ACGT]+").all()


# --- files as published: repeated ids, shared ids, BOMs, RNA, short records --------------------------

UCSC = (
    ">hg19_ct_UserTrack_3545_54 range=chr13:20118701-20118900 strand=+\nACGTACGTAA\n"
    ">hg19_ct_UserTrack_3545_55 range=chr13:20119001-20119200 strand=+\nTTGACGTCAA\n"
    ">hg19_ct_UserTrack_3545_54 range=chr14:50102200-50102399 strand=+\nGGGCCCAAAT\n"
)


def test_repeated_first_words_with_different_headers_are_renamed_and_kept(write, caplog):
    path = write("ucsc.fa", UCSC)
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.ids"):
        table = read_spec(f"{path}:enhancer", "train")
    assert table["id"].tolist() == [
        "hg19_ct_UserTrack_3545_54",
        "hg19_ct_UserTrack_3545_55",
        "hg19_ct_UserTrack_3545_54~2",
    ]
    assert table["description"].str.split().str[1].tolist() == [
        "range=chr13:20118701-20118900",
        "range=chr13:20119001-20119200",
        "range=chr14:50102200-50102399",
    ]
    assert table["sequence"].tolist() == ["ACGTACGTAA", "TTGACGTCAA", "GGGCCCAAAT"]
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith("renamed 1 record(s)")
    assert f"hg19_ct_UserTrack_3545_54 ({path} record 3) -> hg19_ct_UserTrack_3545_54~2" in message
    with pytest.raises(InputError, match=rf"^{path}: duplicate id 'hg19_ct_UserTrack_3545_54' \(records 1 and 3\)"):
        read_spec(str(path), strict_ids=True)


def test_two_files_of_one_split_sharing_ids(write):
    """The weak-enhancer and non-enhancer test files both hold hg19_ct_UserTrack_3545_232."""
    weak = write("weak.fa", ">hg19_ct_UserTrack_3545_232\nACGTACGT\n>hg19_ct_UserTrack_3545_233\nACGTTT\n")
    non = write("non.fa", ">hg19_ct_UserTrack_3545_232\nGGGGCCCC\n")
    table = read_specs([f"{weak}:enhancer", f"{non}:not_enhancer"], "test", require_labels=True)
    assert table[["id", "label", "source", "description"]].values.tolist() == [
        ["hg19_ct_UserTrack_3545_232", "enhancer", str(weak), "hg19_ct_UserTrack_3545_232"],
        ["hg19_ct_UserTrack_3545_233", "enhancer", str(weak), "hg19_ct_UserTrack_3545_233"],
        ["hg19_ct_UserTrack_3545_232~2", "not_enhancer", str(non), "hg19_ct_UserTrack_3545_232"],
    ]
    with pytest.raises(
        InputError,
        match=rf"^duplicate id 'hg19_ct_UserTrack_3545_232' in {weak} \(record 1\) "
        rf"and {non} \(record 1\)",
    ):
        read_specs([f"{weak}:enhancer", f"{non}:not_enhancer"], "test", strict_ids=True)


def test_train_and_test_may_share_ids(write):
    train = write("train.fa", ">Positive_1\nACGTAC\n>Negative_1\nGGGCCC\n")
    test = write("test.fa", ">Positive_1\nTTTAAA\n>Negative_1\nCCCGGG\n")
    a = read_specs([f"{train}:enhancer"], "train")
    b = read_specs([f"{test}:enhancer"], "test", strict_ids=True)
    assert a["id"].tolist() == b["id"].tolist() == ["Positive_1", "Negative_1"]


def test_byte_order_marks_before_a_fasta_or_a_table(write):
    fasta = write("bom.txt", b"\xef\xbb\xbf>r1 x\nACGT\n")  # .txt: only the content says FASTA
    assert parse_spec(str(fasta)).kind == "fasta"
    assert read_spec(str(fasta))[["id", "sequence", "description"]].values.tolist() == [["r1", "ACGT", "r1 x"]]
    for name, sep in (("bom.csv", ","), ("bom.tsv.gz", "\t")):
        text = f"id{sep}sequence{sep}label\nr1{sep}ACGT{sep}enhancer\n".encode()
        path = write(name, b"\xef\xbb\xbf" + text, gz=name.endswith(".gz"))
        table = read_spec(str(path), require_labels=True)
        assert table[["id", "sequence", "label"]].values.tolist() == [["r1", "ACGT", "enhancer"]]


def test_rna_input_is_read_as_dna_with_one_warning(write, caplog):
    path, more = write("rna.fa", ">m1\nACGUACGU\n>m2\nuuuu\n>d1\nACGT\n"), write("more.fa", ">m3 x\nGGU\n")
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.validate"):
        table = read_specs([f"{path}:enhancer", f"{more}:enhancer"])
    assert table["sequence"].tolist() == ["ACGTACGT", "TTTT", "ACGT", "GGT"]
    assert [r.getMessage() for r in caplog.records] == [f"{path}, {more}: read 7 RNA bases U as T in 3 of 4 records"]


def test_records_shorter_than_k_are_kept_with_one_warning(write, caplog):
    path = write("short.fa", ">long\nACGTACGT\n>two\nAC\n>one\nG\n")
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.validate"):
        table = read_spec(str(path), warn_below=6)
    assert table["id"].tolist() == ["long", "two", "one"]
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith(
        f"{path}: kept 2 record(s) shorter than 6 bp (the model's k) (e.g. 'two' 2 bp; 'one' 1 bp): they have no 6-mer"
    )


@pytest.mark.parametrize("chunk_size", [1, 2, 10])
def test_iter_spec_renames_and_warns_once_whatever_the_chunk_size(write, caplog, chunk_size):
    path = write("ucsc.fa", UCSC + ">hg19_ct_UserTrack_3545_54 range=chr15:1-10\nAC\n")
    with caplog.at_level(logging.WARNING):
        chunks = list(iter_spec(str(path), chunk_size, min_length=3))
    table = pd.concat(chunks, ignore_index=True)
    assert table["id"].tolist() == [
        "hg19_ct_UserTrack_3545_54",
        "hg19_ct_UserTrack_3545_55",
        "hg19_ct_UserTrack_3545_54~2",
    ]  # the 2-bp fourth record is dropped
    messages = sorted(r.getMessage() for r in caplog.records)
    assert len(messages) == 2
    assert messages[0].startswith(
        f"{path}: dropped 1 record(s) shorter than 3 bp (min_length) (e.g. 'hg19_ct_UserTrack_3545_54' 2 bp)"
    )
    assert messages[1].startswith("renamed 1 record(s)")
