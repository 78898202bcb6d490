"""embed_sequences: pooling computed by hand from output_hidden_states, padding and batching invariance, windows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from enhancerlm.embeddings import embed_sequences
from enhancerlm.errors import ConfigError
from enhancerlm.models.pooling import pool_windows
from enhancerlm.models.registry import CreateOptions, create_classifier
from enhancerlm.tokenization.windows import split_windows

RNG = np.random.default_rng(0)
SEQS = ["".join(RNG.choice(list("ACGT"), n)) for n in (30, 12, 60, 45, 8)]


@pytest.fixture
def tiny(make_tiny):
    return make_tiny(1)


def hidden_states(classifier, seq: str) -> tuple:
    """Every layer's hidden states of one unpadded sequence, shape=(tokens, hidden) each."""
    ids = torch.from_numpy(classifier.encoder.encode(seq))[None]
    with torch.no_grad():
        out = classifier.model.eval()(input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True)
    return tuple(h[0].numpy() for h in out.hidden_states)


def test_mean_excludes_cls_and_sep(tiny):
    got = embed_sequences(tiny, SEQS)
    for seq, row in zip(SEQS, got):
        last = hidden_states(tiny, seq)[-1]
        np.testing.assert_allclose(row, last[1:-1].mean(axis=0), atol=1e-5)
        assert not np.allclose(row, last.mean(axis=0), atol=1e-4)  # the specials would move it


def test_cls_is_position_zero_and_layers_average(tiny):
    cls = embed_sequences(tiny, SEQS, pooling="cls", layers=(0,))
    mean = embed_sequences(tiny, SEQS, layers=(0, 2))
    for seq, c, m in zip(SEQS, cls, mean):
        states = hidden_states(tiny, seq)
        np.testing.assert_allclose(c, states[0][0], atol=1e-5)
        np.testing.assert_allclose(m, ((states[0] + states[2]) / 2)[1:-1].mean(axis=0), atol=1e-5)
    # -1 and 2 are the same layer of this 2-layer model
    np.testing.assert_array_equal(embed_sequences(tiny, SEQS, layers=(2,)), embed_sequences(tiny, SEQS))


def test_padding_and_batching_do_not_change_a_vector(tiny):
    together = embed_sequences(tiny, SEQS, batch_size=8)
    for i, seq in enumerate(SEQS):
        np.testing.assert_allclose(embed_sequences(tiny, [seq])[0], together[i], atol=1e-5)
    np.testing.assert_allclose(embed_sequences(tiny, SEQS, batch_size=1), together, atol=1e-5)


def test_order_and_repeats_are_kept(tiny):
    seqs = [SEQS[2], SEQS[0], SEQS[2], SEQS[1]]
    got = embed_sequences(tiny, seqs, batch_size=2)
    want = embed_sequences(tiny, SEQS)
    np.testing.assert_allclose(got, want[[2, 0, 2, 1]], atol=1e-5)
    assert got.dtype == np.float32 and got.shape == (4, 32)


def test_record_shorter_than_k_gets_its_special_tokens_mean(tiny):
    (row,) = embed_sequences(tiny, ["ACG"])
    np.testing.assert_allclose(row, hidden_states(tiny, "ACG")[-1].mean(axis=0), atol=1e-5)


def test_long_records_pool_their_windows_weighted_by_bp(tiny):
    long_seqs = ["".join(RNG.choice(list("ACGT"), n)) for n in (150, 67, 100)]
    assert tiny.max_bp == 67
    got = embed_sequences(tiny, long_seqs, stride_bp=20)
    windows = split_windows(long_seqs, tiny.max_bp, 20)
    assert len(windows.seqs) > len(long_seqs)
    per_window = np.stack([hidden_states(tiny, w)[-1][1:-1].mean(axis=0) for w in windows.seqs])
    for i in range(len(long_seqs)):
        rows = windows.seq_index == i
        bp = np.array([len(w) for w in np.asarray(windows.seqs, dtype=object)[rows]], dtype=float)
        np.testing.assert_allclose(got[i], (per_window[rows] * bp[:, None]).sum(0) / bp.sum(), atol=1e-5)


def test_pool_windows_is_a_bp_weighted_mean():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]], dtype=np.float32)
    got = pool_windows(vectors, np.array([0, 0, 1]), np.array([30.0, 10.0, 7.0]), 2)
    np.testing.assert_array_equal(got, np.array([[0.75, 0.25], [5.0, 5.0]], dtype=np.float32))


def test_bad_settings_and_models_without_a_transformer(tiny):
    with pytest.raises(ConfigError, match="pooling='max'"):
        embed_sequences(tiny, SEQS, pooling="max")
    with pytest.raises(ConfigError, match="layer 3: .* hidden states 0 \\(embeddings\\) to 2"):
        embed_sequences(tiny, SEQS, layers=(3,))
    for name in ("kmer-lr", "cnn", "gc"):
        with pytest.raises(ConfigError, match=f"backbone '{name}' .* no transformer"):
            embed_sequences(create_classifier(name, tiny.label_map, CreateOptions()), SEQS)
    assert embed_sequences(tiny, []).shape == (0, 32)


def test_model_state_is_left_as_found(tiny):
    tiny.model.train()
    before = {k: v.clone() for k, v in tiny.model.state_dict().items()}
    embed_sequences(tiny, SEQS[:2])
    assert tiny.model.training
    assert all(torch.equal(before[k], v) for k, v in tiny.model.state_dict().items())
