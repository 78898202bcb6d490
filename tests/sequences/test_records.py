"""Label names map to ids the same way every time; binary negatives get id 0."""

from __future__ import annotations

import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import COLUMNS, LabelMap, make_table


def test_negative_name_gets_id_zero_whatever_the_sort_order():
    assert LabelMap.from_labels(["enhancer", "not_enhancer"]).names == ("not_enhancer", "enhancer")
    assert LabelMap.from_labels(["positive", "negative"]).names == ("negative", "positive")
    assert LabelMap.from_labels(["b", "a", "a"]).names == ("a", "b")


def test_explicit_positive_and_multiclass():
    assert LabelMap.from_labels(["x", "y"], positive="x").names == ("y", "x")
    three = LabelMap.from_labels(["promoter", "enhancer", "open_chromatin"])
    assert three.names == ("enhancer", "open_chromatin", "promoter") and three.positive is None


def test_score_index_is_the_named_class_else_the_binary_positive():
    binary, three = LabelMap(("not_enhancer", "enhancer")), LabelMap(("a", "b", "c"))
    assert binary.score_index() == 1 and binary.score_index("not_enhancer") == 0
    assert three.score_index() is None and three.score_index("b") == 1
    with pytest.raises(InputError, match=r"--class 'x' is not one of the model's classes \['a', 'b', 'c'\]"):
        three.score_index("x", what="--class")


def test_errors_name_the_problem():
    with pytest.raises(InputError, match="at least 2 classes"):
        LabelMap.from_labels(["enhancer", "enhancer"])
    with pytest.raises(InputError, match="'z'"):
        LabelMap.from_labels(["x", "y"], positive="z")
    with pytest.raises(InputError, match="'q' is not one of"):
        LabelMap.from_labels(["x", "y"]).encode(["x", "q"])


def test_round_trip_through_json(tmp_path):
    label_map = LabelMap.from_labels(["enhancer", "not_enhancer"])
    label_map.save(tmp_path / "label_map.json")
    assert LabelMap.load(tmp_path / "label_map.json") == label_map
    assert label_map.encode(["enhancer", "not_enhancer"]) == [1, 0]


def test_make_table_columns():
    table = make_table(["a"], ["ACGT"], ["enhancer"], split="train", source="x.fa")
    assert tuple(table.columns) == COLUMNS
    assert table.iloc[0].tolist() == ["a", "ACGT", "enhancer", "train", "x.fa", "a"]  # description: the id
    described = make_table(["a"], ["ACGT"], descriptions=["a range=chr1:1-4"])
    assert described["description"].tolist() == ["a range=chr1:1-4"]
