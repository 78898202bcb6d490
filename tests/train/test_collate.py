"""Datasets from tables (windows inherit labels) and the dynamic padding collator."""

import numpy as np
import pytest
import torch

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import make_table
from enhancerlm.train import PadCollator, build_dataset


def test_collator_pads_to_longest_in_batch_with_pad_id():
    features = [{"input_ids": np.array([2, 7, 3]), "labels": 1}, {"input_ids": np.array([2, 9, 8, 6, 3]), "labels": 0}]
    batch = PadCollator(pad_id=0)(features)
    assert batch["input_ids"].tolist() == [[2, 7, 3, 0, 0], [2, 9, 8, 6, 3]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert batch["labels"].tolist() == [1, 0] and batch["labels"].dtype == torch.long


def test_collator_pad_to_fixed_width():
    batch = PadCollator(pad_id=0, pad_to=6)([{"input_ids": np.array([2, 7, 3]), "labels": 1}])
    assert batch["input_ids"].tolist() == [[2, 7, 3, 0, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0, 0, 0]]


def test_dataset_ids_and_labels_follow_the_classifier(make_tiny):
    clf = make_tiny()
    table = make_table(["a", "b"], ["AAAAAAAC", "GGGGGGG"], ["enhancer", "not_enhancer"])
    ds = build_dataset(clf, table)
    assert len(ds) == 2 and ds.lengths.tolist() == [5, 4]  # L - 6 + 3 tokens
    assert ds[0]["input_ids"].tolist() == clf.encoder.encode("AAAAAAAC").tolist()
    assert [ds[i]["labels"] for i in range(2)] == [clf.label_map.encode(["enhancer"])[0], 0]


def test_long_sequences_become_windows_that_inherit_labels(make_tiny):
    clf = make_tiny()  # max_bp = 67, so windows of 67 bp every 33 bp
    table = make_table(["long", "short"], ["A" * 120, "G" * 30], ["enhancer", "not_enhancer"])
    ds = build_dataset(clf, table)
    # 120 bp: starts 0, 33 and the end-aligned 53 -> 3 windows of 67 bp (64 tokens each)
    assert ds.lengths.tolist() == [64, 64, 64, 27]
    assert ds.labels.tolist() == [1, 1, 1, 0]


def test_the_log_counts_the_sequences_that_are_longer(make_tiny, caplog):
    table = make_table(["long", "short", "edge"], ["A" * 120, "G" * 30, "C" * 67], ["enhancer"] * 3)
    with caplog.at_level("INFO", logger="enhancerlm.train.collate"):
        build_dataset(make_tiny(), table)
    assert [r.getMessage() for r in caplog.records] == [
        "train: 1 sequences longer than 67 bp become 5 windows that inherit their labels"
    ]


def test_long_sequences_rejected_when_asked(make_tiny):
    table = make_table(["ok", "chr1_5"], ["A" * 30, "A" * 68], ["enhancer", "not_enhancer"])
    with pytest.raises(InputError, match=r"record 'chr1_5' is 68 bp, longer than the model's 67 bp"):
        build_dataset(make_tiny(), table, long_sequences="error")


def test_unknown_label_is_an_input_error(make_tiny):
    table = make_table(["a"], ["ACGTACGT"], ["promoter"])
    with pytest.raises(InputError, match="'promoter'"):
        build_dataset(make_tiny(), table)
