"""In-memory input: a DataFrame or a list is checked as a file is, and gives the same canonical table."""

from __future__ import annotations

import pandas as pd
import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.frames import table_from_frame, table_from_seqs
from enhancerlm.sequences.records import COLUMNS
from enhancerlm.sequences.spec import read_specs


def test_a_frame_gives_the_table_its_file_gives(tmp_path):
    frame = pd.DataFrame({"id": ["a", "a", "b"], "seq": ["acgt", "GGRA", "TTU"], "label": ["x", "y", "x"]})
    frame.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    from_file = read_specs([str(tmp_path / "t.tsv")], split="train")
    from_frame = table_from_frame(frame, split="train")
    assert from_frame["id"].tolist() == ["a", "a~2", "b"]  # the one renaming rule
    assert from_frame["sequence"].tolist() == ["ACGT", "GGNA", "TTT"]
    columns = ["id", "sequence", "label", "split"]
    pd.testing.assert_frame_equal(from_frame[columns], from_file[columns])


def test_a_canonical_table_keeps_its_source_and_takes_a_given_split(tmp_path):
    table = table_from_seqs(["ACGT", "TTGA"], label="enhancer")
    again = table_from_frame(table, split="test")
    assert list(again.columns) == list(COLUMNS)
    assert again["source"].tolist() == ["list", "list"] and again["split"].tolist() == ["test", "test"]
    assert table_from_frame(table)["split"].tolist() == ["", ""]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: table_from_frame(pd.DataFrame({"sequence": []})), "DataFrame: no sequence records"),
        (lambda: table_from_seqs([]), "list: no sequences"),
        (lambda: table_from_seqs(["ACG"], min_length=5), "list: no record is at least 5 bp long"),
        (lambda: table_from_seqs(["ACG", "TTT"], label="x", require_labels=True), "need at least 2 classes"),
    ],
)
def test_empty_or_unusable_input_is_an_input_error(call, message):
    with pytest.raises(InputError, match=message):
        call()
