"""The one validation split: duplicates (either strand) on one side, stratified, seeded; the plain split's leak."""

import numpy as np
import pandas as pd
import pytest

from enhancerlm.data.leakage import prepare as prepare_module
from enhancerlm.data.leakage.splits import (
    duplicate_groups,
    naive_split_twins,
    split_ids,
    split_leakage,
    stratified_split,
    twins_across,
)
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.sequences.records import make_table


def _random_seqs(n: int, seed: int, length_bp: int = 40) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length_bp)) for _ in range(n)]


def duplicated_table(seed: int = 0) -> pd.DataFrame:
    """As in human_enhancers_ensembl: 40 positive rows, 32 of them in twin pairs (4 of those pairs
    reverse complements), 8 single; 40 negatives, all distinct."""
    seqs = _random_seqs(64, seed)
    pairs, singles, negatives = seqs[:16], seqs[16:24], seqs[24:]
    twins = [reverse_complement(s) if i < 4 else s for i, s in enumerate(pairs)]
    positive = pairs + twins + singles
    return make_table([f"r{i}" for i in range(80)], positive + negatives, ["1"] * 40 + ["0"] * 40)


def test_groups_join_exact_and_reverse_complement_copies_case_blind():
    assert duplicate_groups(["ACGTT", "aacgt", "ACGTT", "GGGCC", "AACGT"]).tolist() == [0, 0, 0, 1, 0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_validation_record_has_a_twin_in_training(seed):
    table = duplicated_table()
    train, val = stratified_split(table, 0.25, seed=seed)
    assert not twins_across(train, val).any()
    assert sorted(train["id"].tolist() + val["id"].tolist()) == sorted(table["id"])
    assert set(train["split"]) == {"train"} and set(val["split"]) == {"val"}


def test_split_is_stratified_and_deterministic():
    table = duplicated_table()
    train, val = stratified_split(table, 0.25, seed=0)
    # 24 distinct positives and 40 distinct negatives: a quarter of each class's distinct sequences.
    distinct = val.assign(group=duplicate_groups(val["sequence"])).drop_duplicates("group")
    assert distinct["label"].value_counts().to_dict() == {"0": 10, "1": 6}
    again = stratified_split(table, 0.25, seed=0)
    assert train.equals(again[0]) and val.equals(again[1])
    assert not val.equals(stratified_split(table, 0.25, seed=1)[1])


def test_prepare_reexports_the_one_split():
    assert prepare_module.stratified_split is stratified_split


def test_bad_fraction_and_too_few_sequences_are_clear_errors():
    table = duplicated_table()
    with pytest.raises(ConfigError, match="between 0 and 1"):
        stratified_split(table, 1.0)
    one_positive = make_table(["p1", "p2", "n1", "n2"], ["ACGT", "ACGT", "GGGA", "TTTA"], ["1", "1", "0", "0"])
    with pytest.raises(InputError, match=r"4 records \(classes \{'0': 2, '1': 2\}\)"):
        stratified_split(one_positive, 0.5)


def test_naive_twins_exact_on_a_hand_made_table():
    # 10 copies of one positive, 10 distinct negatives: a plain 20% split puts 2 positives in
    # validation whatever the seed, each beside 8 copies in training; the negatives have no twin.
    table = make_table([f"r{i}" for i in range(20)], ["ACGTACGTAA"] * 10 + _random_seqs(10, 3), ["1"] * 10 + ["0"] * 10)
    for seed in range(4):
        assert naive_split_twins(table, 0.2, seed) == {"n_val": 4, "n_val_with_train_twin": 2, "share": 0.5}


def test_naive_twins_count_reverse_complements_and_match_a_plain_split():
    from sklearn.model_selection import train_test_split

    table = duplicated_table()
    result = naive_split_twins(table, 0.25, seed=0)
    train, val = train_test_split(table, test_size=0.25, stratify=table["label"], random_state=0)
    in_train = set(train["sequence"]) | {reverse_complement(s) for s in train["sequence"]}
    expected = sum(s in in_train for s in val["sequence"])
    assert result == {"n_val": 20, "n_val_with_train_twin": expected, "share": expected / 20}
    assert expected > 0


def test_split_leakage_sets_the_plain_split_beside_the_one_used():
    table = duplicated_table()
    check = split_leakage(table, 0.25, seed=0)
    assert check["naive"] == naive_split_twins(table, 0.25, seed=0)
    assert check["duplicate_aware"]["n_val_with_train_twin"] == 0
    assert (check["val_fraction"], check["seed"], check["n_records"]) == (0.25, 0, 80)


def test_split_ids_lists_train_then_val():
    table = duplicated_table()
    train, val = stratified_split(table, 0.25, seed=0)
    ids = split_ids(train, val)
    assert list(ids.columns) == ["id", "label", "split"]
    assert ids["split"].tolist() == ["train"] * len(train) + ["val"] * len(val)


def test_a_multi_label_table_is_stratified_by_label_set_and_keeps_its_truth_columns():
    rng = np.random.default_rng(0)
    n = 400
    a = (rng.random(n) < 0.5).astype(int)
    b = np.where(np.arange(n) < 40, 1, 0)  # a rare label: 10% of the records
    table = pd.DataFrame(
        {
            "id": [f"s{i}" for i in range(n)],
            "sequence": ["".join(rng.choice(list("ACGT"), 30)) for _ in range(n)],
            "label": "",
            "label:a": a.astype(str),
            "label:b": b.astype(str),
        }
    )
    table.loc[0, "label:a"], table.loc[0, "label:b"] = "1", "1"  # the only (1, 1) record beside others
    sets = table["label:a"] + table["label:b"]
    for seed in range(5):  # a random split misses some label set's share by more than one record
        fit, val = stratified_split(table, 0.25, seed=seed)
        assert len(fit) + len(val) == n and {"label:a", "label:b"} <= set(val.columns)
        drawn = (val["label:a"] + val["label:b"]).value_counts()
        for label_set, count in sets.value_counts().items():
            if count > 1:
                assert drawn.get(label_set, 0) == pytest.approx(0.25 * count, abs=1), (seed, label_set)
