"""Gapped k-mer features: exact counts against a plain-Python reference, strand symmetry, save/load."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.models import load_classifier
from enhancerlm.models.gkm_lr import GappedKmerLRClassifier, gapped_kmer_frequencies, gapped_masks
from enhancerlm.models.kmer_lr import KmerLRClassifier
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.sequences.records import LabelMap, make_table

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"], positive="enhancer")


def reference(seq: str, length: int, informative: int) -> np.ndarray:
    """The definition, one word at a time: both strands, per-mask frequencies, words with N skipped."""
    masks = gapped_masks(length, informative)
    index = {"".join(w): i for i, w in enumerate(product("ATCG", repeat=informative))}
    counts = np.zeros((len(masks), 4**informative))
    for strand in (seq.upper(), reverse_complement(seq.upper())):
        for start in range(len(strand) - length + 1):
            for m, mask in enumerate(masks):
                word = "".join(strand[start + o] for o in mask)
                if word in index:
                    counts[m, index[word]] += 1
    totals = counts.sum(axis=1, keepdims=True)
    return (counts / np.maximum(totals, 1)).ravel()


def test_masks_fix_the_first_and_last_position():
    assert gapped_masks(5, 3) == [(0, 1, 4), (0, 2, 4), (0, 3, 4)]
    with pytest.raises(ConfigError):
        gapped_masks(4, 5)


def test_frequencies_match_the_definition_and_never_straddle_sequences():
    seqs = ["ACGTTGCANTTACG", "acgtac", "AC", "GGGATTTACCAGT"]
    features = gapped_kmer_frequencies(seqs, length=5, informative=3).toarray()  # float32 CSR
    assert features.shape == (4, 3 * 64) and features.dtype == np.float32
    for row, seq in zip(features, seqs):
        np.testing.assert_allclose(row, reference(seq, 5, 3), atol=1e-6)
    assert not features[2].any()  # shorter than a word


def test_a_sequence_and_its_reverse_complement_get_the_same_features():
    rng = np.random.default_rng(0)
    seq = "".join(rng.choice(list("ACGT"), 80))
    features = gapped_kmer_frequencies([seq, reverse_complement(seq)]).toarray()
    np.testing.assert_allclose(features[0], features[1], atol=1e-7)


def test_a_gapped_site_is_learnt_better_than_with_contiguous_kmers(tmp_path):
    rng = np.random.default_rng(1)
    site = lambda: "CGA" + "".join(rng.choice(list("ACGT"), 2)) + "TCG"  # noqa: E731 (gapped: 2 free bases)
    seqs, labels = [], []
    for i in range(200):
        s = "".join(rng.choice(list("ACGT"), 60))
        if i % 2 == 0:
            s = s[:20] + site() + s[28:]
        seqs.append(s)
        labels.append("enhancer" if i % 2 == 0 else "not_enhancer")
    table = make_table([f"s{i}" for i in range(200)], seqs, labels)
    train, test = table.iloc[:80], table.iloc[80:]
    model = GappedKmerLRClassifier(BINARY, length=8, informative=4).fit(train)
    contiguous = KmerLRClassifier(BINARY).fit(train)

    def accuracy(m):
        return (m.predict_proba(test["sequence"].tolist()).argmax(axis=1) == BINARY.encode(test["label"])).mean()

    assert accuracy(model) >= 0.75 and accuracy(model) > accuracy(contiguous) + 0.05  # 0.80 vs 0.71
    model.save(tmp_path)
    np.testing.assert_array_equal(load_classifier(tmp_path).predict_proba(seqs), model.predict_proba(seqs))


def test_words_longer_than_the_window_table_allows_are_refused():
    with pytest.raises(ConfigError, match="length 9 bp is over 8"):
        GappedKmerLRClassifier(BINARY, length=9, informative=4)
