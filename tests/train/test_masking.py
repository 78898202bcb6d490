"""Span masking hides every masked k-mer, masks ~15% in k-token spans, spares specials, is reproducible."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from enhancerlm.errors import ConfigError
from enhancerlm.tokenization.kmer import CLS_ID, MASK_ID, PAD_ID, SEP_ID, KmerTokenizer
from enhancerlm.train.masking import IGNORE_INDEX, SpanMasker, SpanMaskingCollator, runs, select_spans

K = 6
VOCAB = 4**K + 5


def hides_every_selected_kmer(selected: np.ndarray, k: int) -> bool:
    """The guaranteed property, checked from scratch: every selected k-mer (token i covers bases
    i..i+k-1) has a base that no unselected k-mer covers, so it cannot be read off its neighbours."""
    n = len(selected)
    seen = np.zeros(n + k - 1, dtype=bool)
    for i in np.flatnonzero(~selected):
        seen[i : i + k] = True
    return all(not seen[i : i + k].all() for i in np.flatnonzero(selected))


def test_property_checker_catches_single_token_masking():
    # One masked 6-mer between unmasked neighbours is fully spelled out by them: the leak DNABERT avoids.
    selected = np.zeros(20, dtype=bool)
    selected[8] = True
    assert not hides_every_selected_kmer(selected, K)
    selected[8 : 8 + K - 1] = True  # k-1 tokens still leak
    assert not hides_every_selected_kmer(selected, K)
    selected[8 : 8 + K] = True
    assert hides_every_selected_kmer(selected, K)


@pytest.mark.parametrize("k", [3, 4, 5, 6])
@pytest.mark.parametrize("n_tokens", [1, 5, 6, 7, 12, 40, 97, 505])
def test_selected_spans_never_leak(k, n_tokens):
    rng = np.random.default_rng(n_tokens * 10 + k)
    for _ in range(50):
        selected = select_spans(n_tokens, k, 0.15, rng)
        assert selected.any()
        assert hides_every_selected_kmer(selected, k)
        if n_tokens >= k:  # runs are whole spans of k tokens (adjacent spans merge)
            lengths = np.diff(runs(selected), axis=1).ravel()
            assert np.all(lengths % k == 0)


def test_mask_rate_is_15_percent_on_average():
    rng = np.random.default_rng(0)
    rates = np.array([select_spans(505, K, 0.15, rng).mean() for _ in range(2000)])
    assert abs(rates.mean() - 0.15) < 0.002
    # 0.15 * 505 / 6 = 12.6 spans: 12 or 13 spans of 6 tokens, stochastically rounded
    assert set(np.round(rates * 505).astype(int)) == {72, 78}


def test_runs_are_start_end_pairs():
    selected = np.array([0, 1, 1, 0, 0, 1, 1, 1], dtype=bool)
    assert runs(selected).tolist() == [[1, 3], [5, 8]]


def test_masker_spares_specials_and_labels_only_selected_kmers():
    ids = KmerTokenizer(K).encode("ACGTTGCAAC" * 20)
    corrupted, labels = SpanMasker(K, VOCAB)(ids, np.random.default_rng(1))
    assert corrupted[0] == CLS_ID and corrupted[-1] == SEP_ID
    assert labels[0] == IGNORE_INDEX and labels[-1] == IGNORE_INDEX
    selected = labels != IGNORE_INDEX
    assert np.array_equal(labels[selected], ids[selected])
    assert np.array_equal(corrupted[~selected], ids[~selected])
    assert hides_every_selected_kmer(selected[1:-1], K)


def test_unk_kmers_are_never_labels():
    ids = KmerTokenizer(K).encode("N" * 60)  # every k-mer is [UNK]
    corrupted, labels = SpanMasker(K, VOCAB)(ids, np.random.default_rng(0))
    assert np.all(labels == IGNORE_INDEX)


def test_whole_runs_are_masked_randomised_or_kept_80_10_10():
    masker = SpanMasker(K, VOCAB)
    ids = KmerTokenizer(K).encode("".join(np.random.default_rng(0).choice(list("ACGT"), 300)))
    kinds = []
    for seed in range(400):
        corrupted, labels = masker(ids, np.random.default_rng(seed))
        for start, end in runs(labels != IGNORE_INDEX):
            part = corrupted[start:end]
            if np.all(part == MASK_ID):
                kinds.append("mask")
            elif np.array_equal(part, ids[start:end]):
                kinds.append("keep")
            else:
                assert not np.any(part == MASK_ID) and np.all(part >= 5)  # never a mixed run
                kinds.append("random")
    share = {kind: kinds.count(kind) / len(kinds) for kind in ("mask", "random", "keep")}
    assert abs(share["mask"] - 0.8) < 0.03 and abs(share["random"] - 0.1) < 0.02 and abs(share["keep"] - 0.1) < 0.02


def test_collator_pads_masks_and_is_reproducible_from_the_seed():
    tok = KmerTokenizer(K)
    features = [
        {"input_ids": tok.encode("ACGT" * 30), "mask_seed": 7},
        {"input_ids": tok.encode("GATTACA" * 5), "mask_seed": 8},
    ]
    collator = SpanMaskingCollator(SpanMasker(K, VOCAB))
    batch = collator(features)
    again = collator([dict(f) for f in features])
    for key in ("input_ids", "attention_mask", "labels"):
        assert batch[key].shape == (2, 117)
        assert torch.equal(batch[key], again[key])
    short = len(features[1]["input_ids"])
    assert torch.all(batch["input_ids"][1, short:] == PAD_ID)
    assert torch.all(batch["labels"][1, short:] == IGNORE_INDEX)
    assert batch["attention_mask"][1].sum() == short
    other = collator([{**features[0], "mask_seed": 9}, features[1]])
    assert not torch.equal(other["labels"][0], batch["labels"][0])


def test_collator_only_pads_premasked_features():
    feature = {"input_ids": np.array([CLS_ID, MASK_ID, 9, SEP_ID]), "labels": np.array([-100, 7, -100, -100])}
    empty = {"input_ids": [CLS_ID, SEP_ID], "labels": [-100, -100]}
    batch = SpanMaskingCollator(SpanMasker(K, VOCAB))([feature, empty])
    assert batch["input_ids"].tolist() == [[CLS_ID, MASK_ID, 9, SEP_ID], [CLS_ID, SEP_ID, PAD_ID, PAD_ID]]
    assert batch["labels"].tolist() == [[-100, 7, -100, -100], [-100, -100, -100, -100]]


@pytest.mark.parametrize(
    "kwargs", [{"rate": 0.0}, {"rate": 1.0}, {"mask_prob": 0.95, "random_prob": 0.1}, {"random_prob": -0.1}]
)
def test_bad_masking_settings_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        SpanMasker(K, VOCAB, **kwargs)
