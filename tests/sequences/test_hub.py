"""Hugging Face datasets: the offline message, and the real load path on tiny local datasets."""

from __future__ import annotations

import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.hub import read_hub_dataset
from enhancerlm.sequences.spec import parse_spec, read_spec

datasets = pytest.importorskip("datasets")


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """Never touch the network or the user's cache: offline mode and a cache in tmp_path."""
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    # Both libraries read the variables at import time, so set their constants too.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")


def test_unreachable_hub_says_how_to_use_local_files():
    with pytest.raises(InputError) as info:
        read_hub_dataset("someowner/enhancers", "train")
    message = str(info.value)
    assert message.startswith("hf:someowner/enhancers: the Hugging Face hub could not be reached")
    assert "load_dataset('someowner/enhancers', split='train').to_csv('train.csv')" in message
    assert "--train train.csv" in message


def test_unreachable_hub_through_a_spec():
    assert parse_spec("hf:someowner/enhancers") == ("hub", "someowner/enhancers", None)
    with pytest.raises(InputError, match="could not be reached"):
        read_spec("hf:someowner/enhancers", "train")


@pytest.fixture
def csv_dataset(write, tmp_path):
    write("ds/train.csv", "sequence,label\nACGT,enhancer\nggcc,not_enhancer\n")
    write("ds/validation.csv", "sequence,label\nTTTT,enhancer\n")
    return str(tmp_path / "ds")


def test_local_data_folder_one_split(csv_dataset):
    table = read_spec(f"hf:{csv_dataset}", "train")
    assert table.to_dict("list") == {
        "id": ["ds_train_1", "ds_train_2"],
        "sequence": ["ACGT", "GGCC"],
        "label": ["enhancer", "not_enhancer"],
        "split": ["train", "train"],
        "source": [f"hf:{csv_dataset}"] * 2,
        "description": ["ds_train_1", "ds_train_2"],
    }


def test_val_finds_validation_and_empty_split_reads_all(csv_dataset):
    val = read_hub_dataset(csv_dataset, "val")
    assert val[["id", "sequence", "split"]].values.tolist() == [["ds_validation_1", "TTTT", "val"]]
    both = read_hub_dataset(csv_dataset, "")
    assert sorted(zip(both["split"], both["id"])) == [
        ("train", "ds_train_1"),
        ("train", "ds_train_2"),
        ("val", "ds_validation_1"),
    ]


def test_unknown_split_is_named(csv_dataset):
    with pytest.raises(InputError, match=r"ds: cannot load split 'test': .*\['train', 'validation'\]"):
        read_hub_dataset(csv_dataset, "test")


def test_saved_to_disk_with_class_labels_and_id_column(tmp_path):
    features = datasets.Features(
        {
            "seq": datasets.Value("string"),
            "name": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["negative", "enhancer"]),
        }
    )
    data = datasets.Dataset.from_dict(
        {"seq": ["ACGT", "TTAA", "GGGG"], "name": ["a", "b", "c"], "label": [1, 0, 1]}, features=features
    )
    datasets.DatasetDict({"train": data, "test": data.select([0])}).save_to_disk(tmp_path / "saved")
    assert parse_spec(str(tmp_path / "saved")).kind == "hub"
    table = read_hub_dataset(str(tmp_path / "saved"), "train", sequence_column="seq", id_column="name")
    assert table[["id", "sequence", "label"]].values.tolist() == [
        ["a", "ACGT", "enhancer"],
        ["b", "TTAA", "negative"],
        ["c", "GGGG", "enhancer"],
    ]
    everything = read_hub_dataset(str(tmp_path / "saved"), "", sequence_column="seq", id_column="name")
    assert everything["id"].tolist() == ["train/a", "train/b", "train/c", "test/a"]
    with pytest.raises(InputError, match=r"no split 'val'; the splits are \['train', 'test'\]"):
        read_hub_dataset(str(tmp_path / "saved"), "val", sequence_column="seq")


def test_missing_column_lists_the_columns(csv_dataset):
    with pytest.raises(InputError, match=r"no sequence column 'dna'; the columns are \['sequence', 'label'\]"):
        read_hub_dataset(csv_dataset, "train", sequence_column="dna")
