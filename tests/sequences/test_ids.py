"""Ids unique within a split: the renaming rule, its warning, strict mode, streaming, and recovering it."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.ids import IdRenamer, make_ids_unique, original_ids, renamed_ids
from enhancerlm.sequences.records import make_table


def _table(ids, split="train", source="a.fa", descriptions=None):
    return make_table(ids, ["ACGT"] * len(ids), split=split, source=source, descriptions=descriptions)


def test_later_repeats_get_the_first_free_suffix_in_input_order():
    out = make_ids_unique(_table(["a", "a", "a~2", "a", "b", "b"]))
    assert out["id"].tolist() == ["a", "a~2", "a~2~2", "a~3", "b", "b~2"]
    assert out["description"].tolist() == ["a", "a", "a~2", "a", "b", "b"]  # headers never change


def test_each_split_is_renamed_on_its_own():
    table = pd.concat([_table(["x", "x"], "train"), _table(["x", "x"], "test", "b.fa")], ignore_index=True)
    assert make_ids_unique(table)["id"].tolist() == ["x", "x~2", "x", "x~2"]


def test_unique_ids_are_left_alone_and_nothing_is_logged(caplog):
    table = _table(["a", "b", "c"])
    with caplog.at_level(logging.WARNING):
        out = make_ids_unique(table)
    assert out["id"].tolist() == ["a", "b", "c"] and not caplog.records


def test_one_warning_with_the_count_and_three_examples(caplog):
    table = pd.concat([_table(["a", "b", "a", "c"]), _table(["b", "c", "d"], source="b.fa")], ignore_index=True)
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.ids"):
        make_ids_unique(table)
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith("renamed 3 record(s) whose id repeats an earlier id of the same split")
    assert "(e.g. a (a.fa record 3) -> a~2; b (b.fa record 1) -> b~2; c (b.fa record 2) -> c~2)" in message
    assert "--strict-ids" in message


def test_strict_names_both_records_within_a_file_and_across_files():
    with pytest.raises(
        InputError,
        match=r"^a\.fa: duplicate id 'a' \(records 1 and 3\); ids must be unique "
        r"within a split \(without strict_ids / --strict-ids, repeats are "
        r"renamed a~2, a~3, \.\.\.\)$",
    ):
        make_ids_unique(_table(["a", "b", "a"]), strict=True)
    table = pd.concat([_table(["a", "b"]), _table(["c", "b"], source="b.fa")], ignore_index=True)
    with pytest.raises(InputError, match=r"^duplicate id 'b' in a\.fa \(record 2\) and b\.fa \(record 2\)"):
        make_ids_unique(table, strict=True)
    assert make_ids_unique(_table(["a", "b"]), strict=True)["id"].tolist() == ["a", "b"]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7])
def test_a_stream_gets_the_ids_of_the_whole_table(chunk_size):
    ids = ["a", "a", "a~2", "b", "a", "b", "a~3", "c"]
    table = _table(ids)
    whole = make_ids_unique(table)["id"].tolist()
    renamer = IdRenamer()
    streamed = [
        i for lo in range(0, len(ids), chunk_size) for i in renamer.rename(table.iloc[lo : lo + chunk_size])["id"]
    ]
    assert streamed == whole == ["a", "a~2", "a~2~2", "b", "a~3", "b~2", "a~3~2", "c"]
    assert renamer.n_renamed == 5


def test_renamed_ids_recovers_the_renaming_from_the_headers():
    headers = [
        "hg19_ct_UserTrack_3545_54 range=chr13:1-200",
        "hg19_ct_UserTrack_3545_55 range=chr13:9-208",
        "hg19_ct_UserTrack_3545_54 range=chr14:5-204",
    ]
    table = make_ids_unique(_table([h.split()[0] for h in headers], descriptions=headers))
    assert table["id"].tolist() == [
        "hg19_ct_UserTrack_3545_54",
        "hg19_ct_UserTrack_3545_55",
        "hg19_ct_UserTrack_3545_54~2",
    ]
    assert renamed_ids(table).to_dict("records") == [
        {
            "split": "train",
            "source": "a.fa",
            "record": 3,
            "original_id": "hg19_ct_UserTrack_3545_54",
            "id": "hg19_ct_UserTrack_3545_54~2",
        }
    ]


def test_renamed_ids_keeps_ids_with_spaces_and_natural_suffixes_as_they_are():
    table = make_ids_unique(_table(["x y", "a~2", "a~2"]))
    assert renamed_ids(table)[["record", "original_id", "id"]].values.tolist() == [[3, "a~2", "a~2~2"]]
    assert renamed_ids(table.drop(columns="description")).empty
    assert list(renamed_ids(table.iloc[:0]).columns) == ["split", "source", "record", "original_id", "id"]


def test_a_table_without_descriptions_gets_them_before_renaming():
    table = _table(["a", "a"]).drop(columns="description")
    out = make_ids_unique(table)
    assert out[["id", "description"]].values.tolist() == [["a", "a"], ["a~2", "a"]]


def test_original_ids_undo_the_renaming_so_pooled_tables_rename_as_one():
    train = make_ids_unique(_table(["p1", "p1"], "train", "train.fa"))
    test = make_ids_unique(_table(["p1", "p1", "q"], "test", "test.fa"))
    pooled = pd.concat([train, test], ignore_index=True)
    assert original_ids(pooled).tolist() == ["p1", "p1", "p1", "p1", "q"]
    again = make_ids_unique(pooled.assign(split="all", id=original_ids(pooled)))
    assert again["id"].tolist() == ["p1", "p1~2", "p1~3", "p1~4", "q"]
