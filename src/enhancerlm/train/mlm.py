"""The masked-LM objective: the model to pre-train, its fixed held-out set, and its loss and accuracy over that set."""

from __future__ import annotations

import logging

import numpy as np
import torch
import torch.nn.functional as F
from transformers import BertForMaskedLM

from enhancerlm.data.pretrain_corpus import PretrainCorpus
from enhancerlm.errors import ConfigError
from enhancerlm.models.dnabert import build_masked_lm
from enhancerlm.models.registry import BackboneSpec, resolve_backbone
from enhancerlm.tokenization.kmer import KmerTokenizer
from enhancerlm.train.crops import CropDataset
from enhancerlm.train.masking import IGNORE_INDEX, SpanMasker
from enhancerlm.train.pretrain_config import PretrainConfig

log = logging.getLogger(__name__)


def build_mlm(
    backbone: str, *, seed: int = 0, allow_bin_weights: bool = True
) -> tuple[BertForMaskedLM, KmerTokenizer, BackboneSpec]:
    """A ``BertForMaskedLM`` for a DNABERT-family backbone: random init (built-in) or its weights.

    A folder or hub id gives its pre-trained body; an MLM head it lacks (e.g. a fine-tuned
    classifier's folder) is initialised from ``seed``.
    """
    spec, source = resolve_backbone(backbone)
    if spec.family != "dnabert":
        raise ConfigError(
            f"backbone {backbone!r} is of family {spec.family!r}; pre-training supports DNABERT "
            "k-mer BERTs (e.g. tiny-dnabert-6, dnabert-6 or a folder of one)"
        )
    model, tokenizer = build_masked_lm(spec, source, seed=seed, allow_bin_weights=allow_bin_weights)
    return model, tokenizer, spec


def held_out_examples(
    corpus: PretrainCorpus, tokenizer: KmerTokenizer, crop_bp: int, config: PretrainConfig
) -> list[dict] | None:
    """The fixed, already masked held-out set: fixed tiles of the held-out part, same masks every epoch.

    Every selected span is [MASK]ed: kept or random spans (BERT's 10/10 in training) would make the
    accuracy partly a copying score.
    """
    if config.eval_fraction == 0:
        return None
    crops = CropDataset(
        corpus,
        tokenizer,
        crop_bp,
        part="eval",
        seed=config.seed,
        randomise=False,
        min_crop_bp=min(config.min_crop_bp, crop_bp),
        max_crops=config.max_eval_crops,
    )
    masker = SpanMasker(tokenizer.k, tokenizer.vocab_size, config.mask_rate, mask_prob=1.0, random_prob=0.0)
    examples = []
    for item in crops:
        input_ids, labels = masker(item["input_ids"], np.random.default_rng(item["mask_seed"]))
        examples.append({"input_ids": input_ids, "labels": labels})
    log.info(
        "held-out set: %d crops, %d bp, %d masked tokens",
        len(crops),
        crops.n_bp,
        sum(int((e["labels"] != IGNORE_INDEX).sum()) for e in examples),
    )
    return examples


def masked_token_outputs(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits shape=(batch, n_tokens, vocab) -> per-token (prediction, negative log-likelihood), both (batch, n_tokens).

    Passed to Trainer as ``preprocess_logits_for_metrics`` so that vocabulary-wide logits are never
    accumulated.
    """
    nll = F.cross_entropy(logits.float().transpose(1, 2), labels.clamp(min=0), reduction="none")
    return logits.argmax(dim=-1), nll


class MaskedTokenMetrics:
    """Held-out MLM loss and accuracy over all masked tokens of the set (not a mean of batch means).

    For ``Trainer(compute_metrics=..., args.batch_eval_metrics=True)``: called once per batch,
    returns the totals when ``compute_result`` is True and starts over.
    """

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self.n_masked, self.nll_sum, self.n_correct = 0, 0.0, 0

    def __call__(self, eval_pred, compute_result: bool) -> dict:
        (predictions, nll), labels = eval_pred.predictions, eval_pred.label_ids
        masked = labels != IGNORE_INDEX
        self.n_masked += int(masked.sum())
        self.nll_sum += float(nll[masked].double().sum())
        self.n_correct += int((predictions[masked] == labels[masked]).sum())
        if not compute_result:
            return {}
        n = max(self.n_masked, 1)
        metrics = {"mlm_loss": self.nll_sum / n, "masked_accuracy": self.n_correct / n}
        self._reset()
        return metrics
