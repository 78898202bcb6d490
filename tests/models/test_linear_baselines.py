"""k-mer logistic regression and GC baselines: exact features, the linear head, learning toy tasks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.models import create_classifier
from enhancerlm.models.gc import gc_feature
from enhancerlm.models.kmer_lr import KmerLRClassifier, LinearHead, _canonical_ids, kmer_frequencies
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.tokenization.kmer import kmer_vocab

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"])


def _named(freqs: np.ndarray, k: int) -> list[dict]:
    names = kmer_vocab(k)[5:]
    return [{names[j]: float(x) for j, x in enumerate(row) if x} for row in freqs]


def test_kmer_frequencies_are_exact_and_never_straddle_sequences():
    # "AAAT" then "ATTN": the concatenation has AAT|A.. k-mers across the boundary that must not count.
    assert _named(kmer_frequencies(["AAAT", "ATTN", "AC"], 3, canonical=False).toarray(), 3) == [
        {"AAA": 0.5, "AAT": 0.5},
        {"ATT": 1.0},
        {},
    ]


def test_canonical_counts_join_reverse_complements():
    freqs = kmer_frequencies(["AAAT", "ATTT", "ACGT"], 3, canonical=True).toarray()
    assert freqs.shape == (3, 32)  # 64 3-mers, none its own reverse complement (odd k)
    np.testing.assert_array_equal(freqs[0], freqs[1])  # ATTT is the reverse complement of AAAT
    assert kmer_frequencies(["A"], 4, canonical=True).shape == (1, 136)  # (256 + 16 palindromes) / 2


def test_canonical_ids_pair_each_kmer_with_its_reverse_complement():
    ids = {kmer: i for i, kmer in enumerate(kmer_vocab(4)[5:])}
    canonical = _canonical_ids(4)
    assert canonical[ids["AACG"]] == canonical[ids["CGTT"]] == min(ids["AACG"], ids["CGTT"])
    assert canonical[ids["ACGT"]] == ids["ACGT"]  # a palindrome is its own reverse complement


def test_gc_feature_ignores_n():
    np.testing.assert_array_equal(gc_feature(["GGCCAT", "NNGC", "NNNN", "AT"]), [4 / 6, 1.0, 0.5, 0.0])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_linear_head_matches_sklearn(n_classes):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4))
    y = np.arange(60) % n_classes
    sk = LogisticRegression(C=0.5).fit(x, y)
    head = LinearHead(mean=np.zeros(4), scale=np.ones(4), coef=sk.coef_, intercept=sk.intercept_, C=0.5)
    np.testing.assert_allclose(head.predict_proba(x), sk.predict_proba(x), atol=1e-12)


@pytest.mark.parametrize("name", ["gc", "kmer-lr"])
def test_baselines_learn_gc_rich_versus_at_rich(name, gc_table):
    model = create_classifier(name, BINARY).fit(gc_table.iloc[:100], gc_table.iloc[100:], seed=0)
    test = gc_table.iloc[100:]
    accuracy = (model.predict_proba(test["sequence"].tolist()).argmax(axis=1) == BINARY.encode(test["label"])).mean()
    assert accuracy > 0.9


def test_kmer_lr_learns_a_planted_kmer():
    rng = np.random.default_rng(2)
    background = ["".join(rng.choice(list("ACGT"), 100)) for _ in range(200)]
    # Enhancers carry an AP-1 site next to an E-box at a random position; the rest is random sequence.
    seqs = [s if i % 2 else _plant(s, "TGACTCATCACGTG", rng) for i, s in enumerate(background)]
    labels = ["enhancer" if i % 2 == 0 else "not_enhancer" for i in range(200)]
    table = make_table([f"r{i}" for i in range(200)], seqs, labels)
    model = create_classifier("kmer-lr", BINARY).fit(table.iloc[:100])
    test = table.iloc[100:]
    accuracy = (model.predict_proba(test["sequence"].tolist()).argmax(axis=1) == BINARY.encode(test["label"])).mean()
    assert accuracy > 0.9


def _plant(seq: str, motif: str, rng) -> str:
    at = int(rng.integers(0, len(seq) - len(motif)))
    return seq[:at] + motif + seq[at + len(motif) :]


def test_unfitted_and_misconfigured_models_say_so(gc_table):
    with pytest.raises(ConfigError, match="not fitted"):
        create_classifier("kmer-lr", BINARY).predict_proba(["ACGTACGT"])
    with pytest.raises(ConfigError, match="must be among"):
        KmerLRClassifier(BINARY, ks=(2,))
    one_class = gc_table[gc_table["label"] == "enhancer"]
    with pytest.raises(InputError, match="at least 2 sequences of every class"):
        create_classifier("gc", BINARY).fit(one_class)


def test_saved_baseline_is_plain_json(gc_table, tmp_path):
    model = create_classifier("kmer-lr", BINARY).fit(gc_table)
    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["enhancerlm.json", "linear_model.json"]
    assert model.predict_proba([]).shape == (0, 2)


# Measured with the dense, LogisticRegressionCV fit these models had before their features were kept in
# product form: the chosen C and the test metrics must not move.
IENHANCER_PINNED = {
    "kmer-lr": ([0.003], 0.7454545454545455, 0.8311838840276871),
    "gkm-lr": ([0.0003], 0.7575757575757576, 0.8445050280788822),
    "gc": ([1.0], 0.7595959595959596, 0.8350039179835445),
    "offline-best": ([0.0003, 0.001], 0.7575757575757576, 0.8446356275303643),
}


@pytest.mark.parametrize("name", sorted(IENHANCER_PINNED))
def test_real_enhancers_get_the_same_c_and_metrics_as_before(name, shared_data):
    from sklearn.metrics import roc_auc_score

    from enhancerlm.sequences.spec import read_specs

    folder = shared_data / "ienhancer"
    table = read_specs(
        [
            f"{folder}/train_strong_enhancers.fa:enhancer",
            f"{folder}/train_weak_enhancers.fa:enhancer",
            f"{folder}/train_non_enhancers.fa:not_enhancer",
        ]
    )
    train, test = table.iloc[::6], table.iloc[3::6]  # 495 and 495 real 200 bp records
    model = create_classifier(name, BINARY).fit(train, seed=0)
    proba = model.predict_proba(test["sequence"].tolist())
    y = np.asarray(BINARY.encode(test["label"]))
    heads = [model.head] if hasattr(model, "head") else [member.head for member in model.models]
    Cs, accuracy, auroc = IENHANCER_PINNED[name]
    assert [head.C for head in heads] == Cs
    assert (proba.argmax(axis=1) == y).mean() == pytest.approx(accuracy, abs=1e-12)
    assert roc_auc_score(y, proba[:, 1]) == pytest.approx(auroc, abs=1e-6)
