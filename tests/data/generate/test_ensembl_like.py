"""Generated sets with human_enhancers_ensembl's structure: exact duplicate shares, lengths, short records."""

import json

import numpy as np
import pandas as pd
import pytest

from enhancerlm.data.generate.ensembl_like import (
    EnsemblLikeShape,
    ensembl_like_summary,
    make_ensembl_like,
    planned_counts,
    write_ensembl_like,
)
from enhancerlm.data.leakage.audit import audit
from enhancerlm.errors import ConfigError
from enhancerlm.sequences.genomic_benchmarks import read_genomic_benchmark
from enhancerlm.sequences.records import make_table


@pytest.fixture(scope="module")
def data():
    return make_ensembl_like(1000, 400, seed=0)


def canonical(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return make_table(
        [f"{prefix}{i}" for i in range(len(frame))], frame["seq"].tolist(), frame["label"].astype(str).tolist()
    )


def test_hub_columns_and_balanced_classes(data):
    for table, n in ((data.train, 1000), (data.test, 400)):
        assert list(table.columns) == ["seq", "label"] and len(table) == n
        assert table["label"].dtype == np.int64 and table["label"].value_counts().to_dict() == {0: n // 2, 1: n // 2}


def test_structure_statistics_are_exact_for_a_seed(data):
    assert ensembl_like_summary(data.train, data.test) == {
        "n_train": 1000,
        "n_test": 400,
        "train_positive_twin_share": 0.8,  # 400 of 500 positive rows: 200 pairs
        "test_copies": 152,
        "test_copy_share": 0.38,
        "test_copies_positive": 152,
        "negative_duplicates": 0,
        "length_bp": {"min": 2, "median": 263.5, "max": 573},
        "train_short": 1,
        "test_short": 1,
    }
    assert planned_counts(1000, 400)["test_copies"] == 152


def test_no_duplicates_but_the_planted_ones_on_either_strand(data):
    report = audit(canonical(data.train, "tr"), canonical(data.test, "te"))
    assert (report.exact_duplicates, report.revcomp_duplicates) == (152, 0)
    assert (report.within_train_duplicates, report.within_test_duplicates) == (200, 0)
    assert report.label_conflicts == 0


def test_short_records_span_the_bottom_of_the_length_range(data):
    for table in (data.train, data.test):
        short = table[table["seq"].str.len() < 6]
        assert len(short) == 1
    assert data.train["seq"].str.len().min() == 2
    # Short test records are novel: never copied from train.
    short_test = data.test[data.test["seq"].str.len() < 6]
    assert not short_test["seq"].isin(set(data.train["seq"])).any()


def test_scales_in_proportion_and_is_seeded():
    big = make_ensembl_like(4000, 1000, seed=1)
    summary = ensembl_like_summary(big.train, big.test)
    assert (summary["train_short"], summary["test_short"], summary["test_copies"]) == (4, 1, 380)
    assert summary["train_positive_twin_share"] == 0.8
    again = make_ensembl_like(4000, 1000, seed=1)
    assert big.train.equals(again.train) and big.test.equals(again.test)
    assert not big.train.equals(make_ensembl_like(4000, 1000, seed=2).train)


def test_knobs_change_the_structure():
    shape = EnsemblLikeShape(train_twin_share=0.0, test_copy_share=0.0)
    summary = ensembl_like_summary(*make_ensembl_like(200, 100, seed=0, shape=shape))
    assert (summary["train_positive_twin_share"], summary["test_copies"]) == (0.0, 0)


def test_impossible_sizes_are_config_errors():
    with pytest.raises(ConfigError, match="n_test=10: 6 copied test rows"):
        make_ensembl_like(200, 10, shape=EnsemblLikeShape(test_copy_share=0.6))
    with pytest.raises(ConfigError, match="n_train=2"):
        make_ensembl_like(2, 10)
    with pytest.raises(ConfigError, match="train_twin_share"):
        make_ensembl_like(200, 100, shape=EnsemblLikeShape(train_twin_share=1.5))


def test_a_kmer_model_beats_chance_on_the_novel_test_rows(data):
    from sklearn.metrics import roc_auc_score

    from enhancerlm.models.registry import CreateOptions, create_classifier
    from enhancerlm.sequences.records import LabelMap

    train = canonical(data.train, "tr")
    model = create_classifier("kmer-lr", LabelMap.from_labels(train["label"]), CreateOptions(seed=0)).fit(train)
    novel = ~data.test["seq"].isin(set(data.train["seq"])).to_numpy()
    proba = model.predict_proba(data.test["seq"][novel].tolist())[:, 1]
    assert roc_auc_score(data.test["label"][novel], proba) > 0.6


def test_writer_csv_and_genomic_benchmarks_layout(data, tmp_path):
    out = write_ensembl_like(data, tmp_path / "set", layout="both", params={"seed": 0})
    train = pd.read_csv(out / "train.csv")
    assert list(train.columns) == ["seq", "label"] and train.equals(data.train)
    folders = read_genomic_benchmark(out, "test")
    assert folders["label"].value_counts().to_dict() == {"negative": 200, "positive": 200}
    assert sorted(folders["sequence"]) == sorted(data.test["seq"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["params"] == {"seed": 0} and summary["structure"]["test_copies"] == 152
    with pytest.raises(ConfigError, match="layout"):
        write_ensembl_like(data, tmp_path / "other", layout="zip")


def test_distinct_sequences_counts_a_sequence_and_its_reverse_complement_once():
    from itertools import product

    from enhancerlm.data.generate.ensembl_like import distinct_sequences
    from enhancerlm.sequences.dna import canonical_sequences

    for length in range(1, 6):
        every = ["".join(p) for p in product("ACGT", repeat=length)]
        assert distinct_sequences(length) == canonical_sequences(every).nunique()
    assert [distinct_sequences(n) for n in (2, 3, 4, 5)] == [10, 32, 136, 512]


def test_short_lengths_at_the_hubs_size_stay_within_the_sequences_each_length_has():
    # 124 + 31 short records (0.1% of 123,872 + 30,970): a uniform draw asks for some 39 of 2 bp, which has 10
    from enhancerlm.data.generate.ensembl_like import _short_lengths, _short_sequences, distinct_sequences
    from enhancerlm.sequences.dna import canonical_sequences

    lengths = _short_lengths(155, EnsemblLikeShape(), np.random.default_rng(0))
    counts = {n: int((lengths == n).sum()) for n in range(2, 6)}
    assert lengths[0] == 2 and sum(counts.values()) == 155
    assert all(counts[n] <= distinct_sequences(n) for n in counts) and counts[2] == 10 and counts[3] == 32
    seqs = _short_sequences(lengths, set(), np.random.default_rng(1))
    assert canonical_sequences(seqs).is_unique  # failed at 2 bp before: "no distinct sequence of 2 bp left"
    # within room, the plain uniform draw is kept: smaller sets are generated as before
    assert (
        _short_lengths(5, EnsemblLikeShape(), np.random.default_rng(7))[1:]
        == np.random.default_rng(7).integers(2, 6, 5)[1:]
    ).all()
    with pytest.raises(ConfigError, match=r"short_share=0.001: 691 short records, but only 690 sequences of 2-5 bp"):
        _short_lengths(691, EnsemblLikeShape(), np.random.default_rng(0))


def test_many_short_records_are_generated_distinct():
    data = make_ensembl_like(1500, 400, seed=0, shape=EnsemblLikeShape(short_share=0.1))
    seqs = pd.concat([data.train["seq"], data.test["seq"]])
    short = seqs[seqs.str.len() < 6]
    assert len(short) == 190 and (short.str.len() == 2).sum() == 10
    from enhancerlm.sequences.dna import canonical_sequences

    assert canonical_sequences(short.tolist()).is_unique
