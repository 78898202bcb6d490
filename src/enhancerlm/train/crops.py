"""The torch dataset of MLM pre-training: tokenised random crops of a :class:`PretrainCorpus`."""

from __future__ import annotations

import numpy as np
import torch

from enhancerlm.data.pretrain_corpus import PretrainCorpus, tile_crops
from enhancerlm.errors import ConfigError
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.tokenization.kmer import KmerTokenizer


class CropDataset(torch.utils.data.Dataset):
    """Map-style dataset of tokenised crops of one corpus part, reproducible from (seed, epoch).

    ``set_epoch(e)`` draws new crop boundaries, reverse-complement flips and masking seeds from
    ``numpy.random.default_rng([seed, e])``; the number of crops does not change, so the Trainer's
    epoch length stays fixed. Items are ``{"input_ids": np.ndarray shape=(n_tokens,), "mask_seed":
    int}``, for :class:`enhancerlm.train.masking.SpanMaskingCollator`.

    Parameters
    ----------
    corpus : PretrainCorpus
    tokenizer : KmerTokenizer
    crop_bp : int
        Longest crop in bp (the model's ``max_bp``).
    part : {"train", "eval"}
    seed : int
    randomise : bool
        Shift crop boundaries, draw short crops and flip strands; False gives fixed tiles (held-out set).
    rc_augment : bool
        Reverse-complement each crop with probability 1/2 (only with ``randomise``).
    short_crop_prob : float
    min_crop_bp : int
    max_crops : int or None
        Keep at most this many crops, evenly spaced over the corpus (bounds held-out evaluation time).
    """

    def __init__(
        self,
        corpus: PretrainCorpus,
        tokenizer: KmerTokenizer,
        crop_bp: int,
        *,
        part: str = "train",
        seed: int = 0,
        randomise: bool = True,
        rc_augment: bool = False,
        short_crop_prob: float = 0.1,
        min_crop_bp: int = 32,
        max_crops: int | None = None,
    ):
        if crop_bp < tokenizer.k or not tokenizer.k <= min_crop_bp <= crop_bp:
            raise ConfigError(f"crop sizes: need k={tokenizer.k} <= min_crop_bp={min_crop_bp} <= crop_bp={crop_bp}")
        segments = corpus.part(part)
        self.corpus, self.tokenizer, self.crop_bp, self.seed = corpus, tokenizer, crop_bp, seed
        self.randomise, self.rc_augment = randomise, rc_augment and randomise
        self.short_crop_prob, self.min_crop_bp, self.max_crops = short_crop_prob, min_crop_bp, max_crops
        self._lengths = (segments["end"] - segments["start"]).to_numpy(np.int64)
        self._offsets = segments["offset"].to_numpy(np.int64)
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        """Draw the crops of ``epoch`` (0-based)."""
        self.epoch = epoch
        rng = np.random.default_rng([self.seed, epoch])
        segment, start, self._length = tile_crops(
            self._lengths,
            self.crop_bp,
            rng if self.randomise else None,
            short_crop_prob=self.short_crop_prob,
            min_crop_bp=self.min_crop_bp,
        )
        self._offset = self._offsets[segment] + start
        if self.max_crops is not None and len(self._offset) > self.max_crops:
            keep = np.unique(np.linspace(0, len(self._offset) - 1, self.max_crops).round().astype(np.int64))
            self._offset, self._length = self._offset[keep], self._length[keep]
        self._flip = rng.random(len(self._offset)) < 0.5 if self.rc_augment else np.zeros(len(self._offset), bool)
        self._mask_seed = rng.integers(0, 2**63 - 1, size=len(self._offset))

    def __len__(self) -> int:
        return len(self._offset)

    def crop(self, i: int) -> str:
        """The bases of crop ``i`` as the model sees them (reverse-complemented where flipped)."""
        seq = self.corpus.sequence(int(self._offset[i]), int(self._length[i]))
        return reverse_complement(seq) if self._flip[i] else seq

    def __getitem__(self, i: int) -> dict:
        return {"input_ids": self.tokenizer.encode(self.crop(i)), "mask_seed": int(self._mask_seed[i])}

    @property
    def n_bp(self) -> int:
        """Bases in this epoch's crops."""
        return int(self._length.sum())
