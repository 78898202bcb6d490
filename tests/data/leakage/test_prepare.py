import hashlib
import json
import logging

import numpy as np
import pandas as pd
import pytest

from enhancerlm.data.leakage.prepare import (
    balanced_subsample,
    homology_clusters,
    homology_split,
    prepare,
    remove_test_overlap,
    stratified_split,
    write_prepared,
)
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.sequences.dna import canonical_sequences
from enhancerlm.sequences.ids import renamed_ids
from enhancerlm.sequences.records import make_table


def _random_table(n_per_class: int, seed: int = 0, length_bp: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), length_bp)) for _ in range(2 * n_per_class)]
    labels = ["enhancer"] * n_per_class + ["not_enhancer"] * n_per_class
    return make_table([f"r{i}" for i in range(2 * n_per_class)], seqs, labels)


def test_exact_dedup_removes_and_records(train, test):
    kept, removed = remove_test_overlap(train, test, "exact")
    assert kept["id"].tolist() == ["c", "d"]
    assert removed[["id", "reason", "test_id"]].values.tolist() == [
        ["a", "exact", "t_exact"],
        ["b", "revcomp", "t_rc"],
        ["a2", "exact", "t_exact"],
    ]


def test_near_dedup_also_removes_near_duplicates(train, test):
    kept, removed = remove_test_overlap(train, test, "near")
    assert kept["id"].tolist() == ["c"]
    near = removed[removed["reason"] == "near"]
    assert near[["id", "test_id"]].values.tolist() == [["d", "t_near"]]
    assert 0.5 <= near["jaccard"].iloc[0] < 1


def test_dedup_none_and_bad_mode(train, test):
    kept, removed = remove_test_overlap(train, test, "none")
    assert len(kept) == 5 and removed.empty
    with pytest.raises(ConfigError, match="dedup mode"):
        remove_test_overlap(train, test, "fuzzy")


def test_subsample_is_balanced_and_seeded():
    table = _random_table(30)
    first = balanced_subsample(table, 10, seed=1)
    assert first["label"].value_counts().to_dict() == {"enhancer": 10, "not_enhancer": 10}
    assert first.equals(balanced_subsample(table, 10, seed=1))
    assert not first.equals(balanced_subsample(table, 10, seed=2))
    with pytest.raises(InputError, match="at least that many records per class"):
        balanced_subsample(table, 31)


def test_stratified_split_keeps_proportions_and_duplicates_together():
    table = _random_table(50)
    table = pd.concat([table, table.iloc[:5].assign(id=lambda t: t["id"] + "_copy")], ignore_index=True)
    train, val = stratified_split(table, 0.2, seed=0)
    assert len(train) + len(val) == len(table)
    # 100 distinct sequences (5 enhancers twice): 20% of the distinct ones per class go to val, copies follow.
    distinct = val.assign(canonical=canonical_sequences(val["sequence"].tolist()).to_numpy())
    assert distinct.drop_duplicates("canonical")["label"].value_counts().to_dict() == {
        "enhancer": 10,
        "not_enhancer": 10,
    }
    in_train = set(canonical_sequences(train["sequence"].tolist()))
    assert in_train.isdisjoint(canonical_sequences(val["sequence"].tolist()))
    assert train.equals(stratified_split(table, 0.2, seed=0)[0])


def test_homology_clusters_join_identity_revcomp_and_near(dna):
    from enhancerlm.sequences.dna import reverse_complement

    cluster = homology_clusters([dna.A, dna.D, reverse_complement(dna.A), dna.D_ONE_MISMATCH, dna.E])
    assert cluster[0] == cluster[2] and cluster[1] == cluster[3]
    assert len({cluster[0], cluster[1], cluster[4]}) == 3


def test_homology_split_keeps_clusters_on_one_side():
    table = _random_table(40)
    # 10 records get a one-mismatch twin: each pair must land on the same side.
    seqs = table["sequence"].iloc[:10]
    twins = table.iloc[:10].assign(
        id=lambda t: t["id"] + "_twin", sequence=seqs.str.slice(0, 30) + "A" + seqs.str.slice(31)
    )
    pooled = pd.concat([table, twins], ignore_index=True)
    train, test = homology_split(pooled, 0.25, seed=0)
    sides = {row.id: "train" for row in train.itertuples()} | {row.id: "test" for row in test.itertuples()}
    assert all(sides[f"r{i}"] == sides[f"r{i}_twin"] for i in range(10))
    assert len(train) + len(test) == 90
    counts = test["label"].value_counts()
    assert 6 <= counts["enhancer"] <= 13 and 6 <= counts["not_enhancer"] <= 10


def test_prepare_pipeline_and_manifest(train, test, tmp_path):
    table = _random_table(20)
    prepared = prepare(pd.concat([table, train], ignore_index=True), test, subsample=5, val_fraction=0.25)
    assert set(prepared.tables) == {"train", "val", "test", "subset"}
    assert prepared.removed["id"].tolist() == ["a", "b", "a2"]
    assert set(prepared.tables["subset"]["id"]) <= set(prepared.tables["train"]["id"])
    manifest = write_prepared(prepared, tmp_path / "prep")
    out = tmp_path / "prep"
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "removed.tsv",
        "subset.tsv",
        "test.tsv",
        "train.tsv",
        "val.tsv",
    ]
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == json.loads(json.dumps(manifest))
    for name, entry in on_disk["files"].items():
        assert entry["sha256"] == hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest()
    assert on_disk["files"]["subset"]["class_counts"] == {"enhancer": 5, "not_enhancer": 5}
    assert on_disk["removed"]["by_reason"] == {"exact": 2, "revcomp": 1} and on_disk["seed"] == 0


def test_prepared_tsv_reads_back_as_a_spec(train, test, tmp_path):
    from enhancerlm.sequences.spec import read_specs

    prepared = prepare(_random_table(10), test, val_fraction=0.2)
    write_prepared(prepared, tmp_path / "prep")
    back = read_specs([str(tmp_path / "prep" / "train.tsv")], require_labels=True)
    expected = prepared.tables["train"]
    assert back[["id", "sequence", "label"]].values.tolist() == expected[["id", "sequence", "label"]].values.tolist()


def test_prepare_resplit_without_test():
    prepared = prepare(_random_table(20), resplit=True, test_fraction=0.25, val_fraction=0)
    assert len(prepared.tables["test"]) == 10 and len(prepared.tables["val"]) == 0
    assert prepared.info["resplit"] and prepared.info["test_fraction"] == 0.25


def test_prepare_needs_labels(test):
    with pytest.raises(InputError, match="needs a label"):
        prepare(test.assign(label=""))


def test_resplit_renames_ids_shared_by_train_and_test(dna, caplog):
    """Train and test both number their records Positive_1, Negative_1: pooled, the test copies become ~2."""
    labels = ["enhancer", "not_enhancer"]
    train = make_table(["Positive_1", "Negative_1"], [dna.A, dna.B], labels, split="train", source="train.fa")
    test = make_table(["Positive_1", "Negative_1"], [dna.C, dna.D], labels, split="test", source="test.fa")
    with caplog.at_level(logging.WARNING, logger="enhancerlm.sequences.ids"):
        new_train, new_test = homology_split(pd.concat([train, test], ignore_index=True), 0.5)
    pooled = pd.concat([new_train, new_test])
    assert sorted(pooled["id"]) == ["Negative_1", "Negative_1~2", "Positive_1", "Positive_1~2"]
    assert sorted(pooled["sequence"]) == sorted([dna.A, dna.B, dna.C, dna.D])  # every record kept once
    assert renamed_ids(pooled).sort_values("id")[["source", "original_id", "id"]].values.tolist() == [
        ["test.fa", "Negative_1", "Negative_1~2"],
        ["test.fa", "Positive_1", "Positive_1~2"],
    ]
    assert len(new_test) == 2 and set(new_test["label"]) == set(labels)
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith("renamed 2 record(s)") and "Positive_1 (test.fa record 1) -> Positive_1~2" in message


def test_manifest_lists_the_renamed_ids(dna, tmp_path):
    labels = ["enhancer", "not_enhancer"]
    train = make_table(["Positive_1", "Negative_1"], [dna.A, dna.B], labels, split="train", source="train.fa")
    test = make_table(["Positive_1", "Negative_1"], [dna.C, dna.D], labels, split="test", source="test.fa")
    prepared = prepare(pd.concat([train, test], ignore_index=True), resplit=True, test_fraction=0.5, val_fraction=0)
    entry = write_prepared(prepared, tmp_path / "prep")["renamed_ids"]
    assert entry["n_records"] == 2
    assert sorted((r["original_id"], r["id"], r["source"]) for r in entry["records"]) == [
        ("Negative_1", "Negative_1~2", "test.fa"),
        ("Positive_1", "Positive_1~2", "test.fa"),
    ]
    unrenamed = write_prepared(prepare(train, test, val_fraction=0), tmp_path / "plain")["renamed_ids"]
    assert unrenamed == {"n_records": 0, "records": []}
