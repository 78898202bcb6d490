"""Pre-training crops: reproducible per epoch, strand flips, fixed held-out tiles, checked sizes."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.tokenization.kmer import KmerTokenizer
from enhancerlm.train.crops import CropDataset


def test_crop_dataset_is_reproducible_per_epoch_and_varies_between_epochs(corpus):
    tok = KmerTokenizer(6)
    a, b = CropDataset(corpus, tok, 100, seed=1), CropDataset(corpus, tok, 100, seed=1)
    n = len(a)
    assert n == 3 * 9  # ceil(900 / 100) crops per record's training part
    crops = [a.crop(i) for i in range(n)]
    assert crops == [b.crop(i) for i in range(n)]
    assert np.array_equal(a[5]["input_ids"], tok.encode(crops[5])) and a[5]["mask_seed"] == b[5]["mask_seed"]
    a.set_epoch(1)
    assert len(a) == n and [a.crop(i) for i in range(n)] != crops
    a.set_epoch(0)
    assert [a.crop(i) for i in range(n)] == crops


def test_reverse_complement_augmentation_flips_about_half_the_crops(corpus):
    tok = KmerTokenizer(6)
    plain = CropDataset(corpus, tok, 100, seed=2, short_crop_prob=0.0)
    flipped = CropDataset(corpus, tok, 100, seed=2, short_crop_prob=0.0, rc_augment=True)
    same = [flipped.crop(i) == plain.crop(i) for i in range(len(plain))]
    assert all(s or flipped.crop(i) == reverse_complement(plain.crop(i)) for i, s in enumerate(same))
    assert 0.2 < 1 - np.mean(same) < 0.8


def test_held_out_crops_are_fixed_tiles_of_the_record_ends(corpus):
    tok = KmerTokenizer(6)
    held_out = CropDataset(corpus, tok, 64, part="eval", randomise=False, max_crops=4)
    eval_seqs = [corpus.sequence(o, e - s) for o, s, e in corpus.part("eval")[["offset", "start", "end"]].to_numpy()]
    crops = [held_out.crop(i) for i in range(len(held_out))]
    assert len(crops) == 4 and all(len(c) == 64 for c in crops)
    assert all(any(c in s for s in eval_seqs) for c in crops)
    held_out.set_epoch(5)
    assert [held_out.crop(i) for i in range(4)] == crops


def test_crop_sizes_are_checked(corpus):
    with pytest.raises(ConfigError, match="crop sizes"):
        CropDataset(corpus, KmerTokenizer(6), 100, min_crop_bp=3)
