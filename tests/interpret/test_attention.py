"""[CLS] attention maps: shapes, padding invariance, eager attention switched on and back off."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.attention import cls_attention
from enhancerlm.models import create_classifier
from enhancerlm.sequences.records import LabelMap


def test_attention_per_base_and_independent_of_batch_padding(tiny_bert, random_seqs):
    together = cls_attention(tiny_bert, random_seqs)
    alone = cls_attention(tiny_bert, random_seqs[2:])
    assert [a.shape for a in together] == [(len(s),) for s in random_seqs]
    assert np.allclose(together[2], alone[0], atol=1e-6)
    # Mean of covering k-mers' weights: between 0 and the largest weight [CLS] gives any k-mer (< 1).
    assert all((a > 0).all() and (a < 1).all() for a in together)


def test_model_keeps_its_attention_kernel_and_mode(tiny_bert, random_seqs):
    kernel = tiny_bert.model.config._attn_implementation
    cls_attention(tiny_bert, random_seqs[:1])
    assert tiny_bert.model.config._attn_implementation == kernel
    assert tiny_bert.model.training


def test_layer_out_of_range_names_the_layer_count(tiny_bert, random_seqs):
    with pytest.raises(ConfigError, match="3 layers"):
        cls_attention(tiny_bert, random_seqs[:1], layer=7)


def test_models_without_cls_are_refused(random_seqs):
    cnn = create_classifier("cnn", LabelMap.from_labels(["enhancer", "not_enhancer"]))
    with pytest.raises(ConfigError, match=r"\[CLS\]"):
        cls_attention(cnn, random_seqs)
