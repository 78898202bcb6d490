"""DNABERT (v1) family: BERT on overlapping k-mers, k = 3..6, plus a tiny random-init variant for CPUs.

Quirks handled here: DNABERT's config.json has no ``model_type`` (so AutoConfig fails: load it as
BertConfig), and its tokenizer config may say ``do_lower_case: true``, which maps every k-mer to
[UNK]; the k-mer tokenizer never lower-cases.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification

from enhancerlm.models.hf import HFClassifier, from_pretrained
from enhancerlm.models.base import read_manifest
from enhancerlm.models.registry import BackboneSpec, CreateOptions, register, register_family
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.kmer import KmerTokenizer

log = logging.getLogger(__name__)

# A few-hundred-thousand-parameter BERT: trains on 2 CPU cores in minutes. Same tokenizer as DNABERT-6.
TINY_CONFIG = dict(hidden_size=128, num_hidden_layers=3, num_attention_heads=4, intermediate_size=512,
                   max_position_embeddings=512, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)


@register_family("dnabert")
class DnabertClassifier(HFClassifier):
    """``BertForSequenceClassification`` on DNABERT k-mers."""

    @classmethod
    def create(cls, spec: BackboneSpec, label_map: LabelMap, options: CreateOptions) -> "DnabertClassifier":
        tokenizer = KmerTokenizer(spec.k)
        torch.manual_seed(options.seed)  # seeds the new classification head (or the whole random model)
        if options.source is None:
            config = BertConfig(vocab_size=tokenizer.vocab_size, **spec.config, **_label_kwargs(label_map))
            model = BertForSequenceClassification(config)
        else:
            _check_vocab(options.source, tokenizer)
            config = from_pretrained(BertConfig.from_pretrained, options.source, "DNABERT config")
            config.update(_label_kwargs(label_map))
            model = from_pretrained(BertForSequenceClassification.from_pretrained, options.source, "DNABERT model",
                                    config=config, allow_bin_weights=options.allow_bin_weights)
        return cls(model, tokenizer, label_map, spec.name, tokenizer.max_bp(model.config.max_position_embeddings))

    @classmethod
    def create_encoder(cls, spec: BackboneSpec, source: str | None, trust_remote_code: bool = False) -> KmerTokenizer:
        if source is not None and Path(source).is_dir():
            return KmerTokenizer.from_pretrained(source)
        return KmerTokenizer(spec.k)

    @classmethod
    def load(cls, directory: str | Path) -> "DnabertClassifier":
        manifest = read_manifest(directory)
        model = from_pretrained(BertForSequenceClassification.from_pretrained, str(directory), "fine-tuned model")
        tokenizer = KmerTokenizer.from_pretrained(directory)
        label_map = LabelMap.from_dict(manifest)
        return cls(model, tokenizer, label_map, manifest["backbone"], tokenizer.max_bp(model.config.max_position_embeddings))


def _label_kwargs(label_map: LabelMap) -> dict:
    d = label_map.to_dict()
    return {"num_labels": label_map.n_classes, "id2label": {int(i): n for i, n in d["id2label"].items()},
            "label2id": d["label2id"]}


def _check_vocab(source: str, tokenizer: KmerTokenizer) -> None:
    """A local folder's vocab.txt must be DNABERT's for this k (hub folders are checked after download)."""
    if Path(source).is_dir() and (Path(source) / "vocab.txt").is_file():
        found = KmerTokenizer.from_pretrained(source)
        if found.k != tokenizer.k:
            from enhancerlm.errors import ConfigError

            raise ConfigError(f"{source}: vocabulary is for k={found.k}, backbone expects k={tokenizer.k}")


for _k in (3, 4, 5, 6):
    register(BackboneSpec(name=f"dnabert-{_k}", family="dnabert", hub_id=f"zhihan1996/DNA_bert_{_k}", k=_k,
                          description=f"DNABERT {_k}-mer, BERT-base pre-trained on the human genome (89M parameters)"))
register(BackboneSpec(name="tiny-dnabert-6", family="dnabert", k=6, config=TINY_CONFIG,
                      description="random-init small BERT with the DNABERT-6 tokenizer, for CPUs and tests"))
