"""DNABERT (v1) family: BERT on overlapping k-mers, k = 3..6, plus a tiny random-init variant for CPUs.

Quirks handled here: the GitHub release's config.json has no ``model_type`` (so AutoConfig fails: load
it as BertConfig); the hub copies' configs carry legacy keys (``rnn``, ``split`` ...) and an
``auto_map`` naming custom code, which plain BERT never needs (it is dropped, no hub code runs); the
release's tokenizer config says ``do_lower_case: true``, which maps every k-mer to [UNK]: the k-mer
tokenizer never lower-cases. Pickle-only weights (the release) load through torch's weights-only
unpickler (``models/weights.py``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification

from enhancerlm.errors import ConfigError
from enhancerlm.models.base import manifest_task, read_manifest
from enhancerlm.models.hf import TransformerClassifier, from_pretrained, label_kwargs, load_model
from enhancerlm.models.registry import (
    BackboneSpec,
    CreateOptions,
    list_backbones,
    register_family,
)
from enhancerlm.sequences.task import Task
from enhancerlm.tokenization.kmer import KmerTokenizer

log = logging.getLogger(__name__)


@register_family("dnabert")
class DnabertClassifier(TransformerClassifier):
    """``BertForSequenceClassification`` on DNABERT k-mers."""

    encoder: KmerTokenizer

    @property
    def min_bp(self) -> int:  # type: ignore[override]  # read-only here: it follows the tokenizer's k
        """The tokenizer's k: a shorter record has no k-mer."""
        return self.encoder.k

    @classmethod
    def create(cls, spec: BackboneSpec, task: Task, options: CreateOptions) -> "DnabertClassifier":
        tokenizer = KmerTokenizer(_spec_k(spec))
        torch.manual_seed(options.seed)  # seeds the new classification head (or the whole random model)
        if options.source is None:
            config = BertConfig(vocab_size=tokenizer.vocab_size, **spec.config, **label_kwargs(task))
            model = BertForSequenceClassification(config)
        else:
            _check_vocab(options.source, tokenizer)
            config = from_pretrained(BertConfig.from_pretrained, options.source, "DNABERT config")
            _drop_remote_code_map(config)
            config.update(label_kwargs(task))
            model = load_model(
                BertForSequenceClassification.from_pretrained,
                options.source,
                "DNABERT model",
                config=config,
                allow_bin_weights=options.allow_bin_weights,
            )
            _check_vocab_size(model, tokenizer, options.source)
        return cls(model, tokenizer, task, spec.name, tokenizer.max_bp(model.config.max_position_embeddings))

    @classmethod
    def create_encoder(cls, spec: BackboneSpec, source: str | None, trust_remote_code: bool = False) -> KmerTokenizer:
        if source is not None and Path(source).is_dir():
            return KmerTokenizer.from_pretrained(source)
        return KmerTokenizer(_spec_k(spec))

    @classmethod
    def spec_for_folder(cls, path: Path) -> BackboneSpec | None:
        """The pre-trained DNABERT entry whose k matches the folder's vocab.txt (4**k k-mers + 5 special tokens)."""
        vocab = path / "vocab.txt"
        if not vocab.is_file():
            return None
        n = sum(1 for line in vocab.read_text().splitlines() if line)
        for spec in list_backbones():
            if spec.family == cls.family and spec.hub_id and n == 4 ** _spec_k(spec) + 5:
                return spec
        return None

    @classmethod
    def load(cls, directory: str | Path) -> "DnabertClassifier":
        manifest = read_manifest(directory)
        model = load_model(BertForSequenceClassification.from_pretrained, str(directory), "fine-tuned model")
        tokenizer = KmerTokenizer.from_pretrained(directory)
        max_bp = tokenizer.max_bp(model.config.max_position_embeddings)
        # The window the model was trained and tested with: a run's --max-length may have shortened it.
        window_bp = min(manifest.get("max_bp") or max_bp, max_bp)
        return cls(model, tokenizer, manifest_task(manifest), manifest["backbone"], window_bp).restore_head(manifest)


def _spec_k(spec: BackboneSpec) -> int:
    assert spec.k is not None, f"dnabert entry {spec.name!r} registers no k"  # every dnabert entry sets k
    return spec.k


def _check_vocab(source: str, tokenizer: KmerTokenizer) -> None:
    """A local folder's vocab.txt must be DNABERT's for this k (hub folders are checked after download)."""
    if Path(source).is_dir() and (Path(source) / "vocab.txt").is_file():
        found = KmerTokenizer.from_pretrained(source)
        if found.k != tokenizer.k:
            raise ConfigError(f"{source}: vocabulary is for k={found.k}, backbone expects k={tokenizer.k}")


def _check_vocab_size(model, tokenizer: KmerTokenizer, source: str) -> None:
    """A hub checkpoint's embedding must have one row per DNABERT k-mer token (its vocab.txt is not fetched)."""
    if model.config.vocab_size != tokenizer.vocab_size:
        raise ConfigError(
            f"{source}: vocab_size {model.config.vocab_size} is not the {tokenizer.vocab_size} "
            f"tokens of DNABERT's k={tokenizer.k} vocabulary"
        )


def build_masked_lm(
    spec: BackboneSpec, source: str | None, *, seed: int = 0, allow_bin_weights: bool = True
) -> tuple[BertForMaskedLM, KmerTokenizer]:
    """A ``BertForMaskedLM`` for a DNABERT entry: random init (``source`` None) or the weights in ``source``.

    ``source`` (a folder or hub id) gives its pre-trained body; an MLM head it lacks (e.g. a
    fine-tuned classifier's folder) is initialised from ``seed``. The vocabulary is checked as for
    classifiers (:meth:`DnabertClassifier.create`).
    """
    tokenizer = KmerTokenizer(_spec_k(spec))
    torch.manual_seed(seed)
    if source is None:
        return BertForMaskedLM(BertConfig(vocab_size=tokenizer.vocab_size, **spec.config)), tokenizer
    _check_vocab(source, tokenizer)
    config = from_pretrained(BertConfig.from_pretrained, source, "DNABERT config")
    model = from_pretrained(
        BertForMaskedLM.from_pretrained, source, "DNABERT model", config=config, allow_bin_weights=allow_bin_weights
    )
    _check_vocab_size(model, tokenizer, source)
    return model, tokenizer


def _drop_remote_code_map(config: BertConfig) -> None:
    """Forget a config's ``auto_map``: DNABERT is plain BERT, loaded by BertForSequenceClassification.

    The hub copies of DNABERT name custom code in ``auto_map``; it is never imported here (no
    ``trust_remote_code``), and without this the fine-tuned model's saved config would still point
    at a module its folder does not have, so plain ``AutoModel...from_pretrained`` would ask for it.
    """
    if getattr(config, "auto_map", None):
        log.debug("ignoring the config's auto_map %s: DNABERT loads as plain BERT, no hub code runs", config.auto_map)
        del config.auto_map
