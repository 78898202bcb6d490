"""`hf:OWNER/NAME` offline: read by id from datasets' own cache, or from a dataset snapshot in the hub cache."""

from __future__ import annotations

import io
import shutil

import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.spec import read_spec

datasets = pytest.importorskip("datasets")

# A Genomic Benchmarks dataset as the hub holds it: columns `seq` and `label`.
HUB_ID = "katarinagresova/Genomic_Benchmarks_human_enhancers_ensembl"
ROWS = {"train": [("ACGTACGTAA", 1), ("GGGCCCGGGC", 0), ("ttaaccggtt", 1)], "test": [("CCCCAAAATT", 0)]}


@pytest.fixture
def offline_datasets(hub_cache, monkeypatch, tmp_path):
    """Offline, with datasets' cache of prepared data in tmp_path (beside the hub cache)."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "datasets-cache")
    return hub_cache


def parquet_bytes(rows, label_feature) -> bytes:
    features = datasets.Features({"seq": datasets.Value("string"), "label": label_feature})
    data = datasets.Dataset.from_dict({"seq": [s for s, _ in rows], "label": [y for _, y in rows]}, features=features)
    buffer = io.BytesIO()
    data.to_parquet(buffer)
    return buffer.getvalue()


def test_dataset_cached_by_an_earlier_load_is_read_by_id_offline(offline_datasets, tmp_path):
    """datasets' own machinery prepares the parquet files; the result sits where a hub download puts it."""
    from datasets.naming import camelcase_to_snakecase
    from datasets.packaged_modules.parquet.parquet import Parquet

    label = datasets.ClassLabel(names=["negative", "positive"])
    files = {}
    for split, rows in ROWS.items():
        files[split] = str(tmp_path / f"{split}.parquet")
        (tmp_path / f"{split}.parquet").write_bytes(parquet_bytes(rows, label))
    owner, name = HUB_ID.split("/")
    snake = camelcase_to_snakecase(name)
    # A hub load caches under OWNER___NAME/default/0.0.0/<commit>; the builder refuses local files for a
    # repo id, so it is built under NAME and moved, which is the only difference from a real download.
    builder = Parquet(
        cache_dir=str(tmp_path / "build"),
        data_files=files,
        config_id="default",
        dataset_name=snake,
        hash="0123456789abcdef0123456789abcdef01234567",
    )
    builder.download_and_prepare()
    shutil.move(tmp_path / "build" / snake, datasets.config.HF_DATASETS_CACHE / f"{owner}___{snake}")

    train = read_spec(f"hf:{HUB_ID}", "train")
    assert train[["sequence", "label", "split"]].values.tolist() == [
        ["ACGTACGTAA", "positive", "train"],
        ["GGGCCCGGGC", "negative", "train"],
        ["TTAACCGGTT", "positive", "train"],
    ]
    assert train["id"].tolist() == [f"{name}_train_{i}" for i in (1, 2, 3)]
    assert read_spec(f"hf:{HUB_ID}", "test")["sequence"].tolist() == ["CCCCAAAATT"]


def test_dataset_snapshot_in_the_hub_cache_is_read_by_id_offline(offline_datasets):
    """`hf download OWNER/NAME --repo-type dataset` leaves a snapshot; datasets alone would not use it offline."""
    readme = (
        "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n"
        "  - split: test\n    path: data/test-*\n---\n# human_enhancers_ensembl\n"
    )
    label = datasets.Value("int64")
    offline_datasets.add(
        HUB_ID,
        {
            "README.md": readme,
            "data/train-00000-of-00001.parquet": parquet_bytes(ROWS["train"], label),
            "data/test-00000-of-00001.parquet": parquet_bytes(ROWS["test"], label),
        },
        repo_type="dataset",
    )
    train = read_spec(f"hf:{HUB_ID}", "train")
    assert train[["sequence", "label"]].values.tolist() == [
        ["ACGTACGTAA", "1"],
        ["GGGCCCGGGC", "0"],
        ["TTAACCGGTT", "1"],
    ]
    assert train["source"].unique().tolist() == [f"hf:{HUB_ID}"]
    assert read_spec(f"hf:{HUB_ID}", "test")["label"].tolist() == ["0"]


def test_dataset_in_neither_cache_says_how_to_get_it(offline_datasets):
    with pytest.raises(InputError) as info:
        read_spec(f"hf:{HUB_ID}", "train")
    message = str(info.value)
    assert message.startswith(f"hf:{HUB_ID}: the Hugging Face hub could not be reached")
    assert f"`hf download {HUB_ID} --repo-type dataset`" in message and "--train train.csv" in message
