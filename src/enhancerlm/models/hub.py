"""Hub models through transformers' Auto classes: DNABERT-2, Nucleotide Transformer, HyenaDNA, and any other.

Each registered entry declares its input limit in tokens (``max_tokens``) and how many bases a token
covers (``config["bp_per_token"]``); ``HubTokenEncoder.max_bp`` turns them into the window length in bp
(roughly ``max_tokens * bp_per_token``, less the special tokens and room for a partial last token):

- Nucleotide Transformer: its own tokenizer spells non-overlapping 6-mers (6 bp/token), then single
  bases for a remainder or N; v1 models take 1000 tokens (~6 kb), v2 models 2048 (~12 kb).
- DNABERT-2: BPE tokens average 4-5 bp on human DNA (its GUE scripts budget 4); 3 bp/token leaves
  headroom. A window that still needs more tokens is cut with a warning (``HubTokenEncoder``).
- HyenaDNA: one token per base; the limit is the pre-training length in the name (1k ... 1M).

Any other hub id or hub-layout folder (family ``hf``, no ``bp_per_token``) gets its limit from its
tokenizer/config and its bases per token measured on a random sequence.
"""

from __future__ import annotations

import functools
import inspect
import logging
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from enhancerlm.models.base import read_manifest
from enhancerlm.models.hf import TransformerClassifier, from_pretrained, label_kwargs, load_model
from enhancerlm.models.registry import BackboneSpec, CreateOptions, FinetuneDefaults, register, register_family
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.hub import HubTokenEncoder, infer_max_tokens

log = logging.getLogger(__name__)


@register_family("hf")
class HubClassifier(TransformerClassifier):
    """``AutoModelForSequenceClassification`` + ``AutoTokenizer`` from a hub id or a hub-layout folder.

    Hub repositories with their own code (``needs_remote_code``) load only when the user passed
    ``--trust-remote-code``; the choice is recorded so the saved fine-tuned model loads the same way.
    """

    encoder: HubTokenEncoder
    trust_remote_code: bool = False
    bp_per_token: float | None = None  # the registry entry's; None: measured on a random sequence

    @classmethod
    def create(cls, spec: BackboneSpec, label_map: LabelMap, options: CreateOptions) -> "HubClassifier":
        source, remote = options.source or spec.hub_id, options.trust_remote_code
        assert source is not None, f"hf entry {spec.name!r} has no hub_id"  # every "hf" entry registers one
        tokenizer = from_pretrained(_load_tokenizer, source, "tokenizer", trust_remote_code=remote)
        config = from_pretrained(AutoConfig.from_pretrained, source, "model config", trust_remote_code=remote)
        config.update(label_kwargs(label_map))
        torch.manual_seed(options.seed)  # seeds the new classification head
        model = load_model(
            AutoModelForSequenceClassification.from_pretrained,
            source,
            "model",
            config=config,
            trust_remote_code=remote,
            allow_bin_weights=options.allow_bin_weights,
        )
        declared = "bp_per_token" in spec.config  # registered entry; a generic one infers both numbers
        encoder = HubTokenEncoder(tokenizer, spec.max_tokens if declared else infer_max_tokens(tokenizer, config))
        max_bp = encoder.max_bp(spec.config.get("bp_per_token"))
        log.info("%s: up to %s tokens, %s bp per pass", spec.name, encoder.max_tokens, max_bp)
        classifier = cls._build(model, encoder, label_map, spec.name, max_bp, remote)
        classifier.bp_per_token = spec.config.get("bp_per_token")
        return classifier

    @classmethod
    def _build(cls, model, encoder, label_map, backbone, max_bp, remote) -> "HubClassifier":
        _accept_attention_mask(model)
        classifier = cls(model, encoder, label_map, backbone, max_bp)
        classifier.trust_remote_code = remote
        return classifier

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        self.model.save_pretrained(directory)  # safetensors; remote-code models also copy their code here
        self.encoder.save_pretrained(directory)
        self.write_manifest(
            directory, max_bp=self.max_bp, max_tokens=self.encoder.max_tokens, trust_remote_code=self.trust_remote_code
        )

    def limit_window(self, max_tokens: int) -> None:
        """As for every transformer, and the encoder cuts at ``max_tokens`` too (saved as ``max_tokens``)."""
        if max_tokens <= self.encoder.n_special:
            from enhancerlm.errors import ConfigError

            raise ConfigError(
                f"max_length={max_tokens}: backbone {self.backbone!r} adds {self.encoder.n_special} "
                "special token(s) to every input; give more tokens than that"
            )
        self.encoder.max_tokens = min(self.encoder.max_tokens or max_tokens, max_tokens)
        window_bp = self.encoder.max_bp(self.bp_per_token)
        assert window_bp is not None  # max_tokens was just set, so there is a limit
        self._set_window(max_tokens, window_bp)

    @classmethod
    def load(cls, directory: str | Path) -> "HubClassifier":
        manifest, source = read_manifest(directory), str(directory)
        remote = bool(manifest.get("trust_remote_code", False))
        if remote:
            log.info("%s: running the model code saved in this folder (trusted when the model was created)", source)
        tokenizer = from_pretrained(_load_tokenizer, source, "tokenizer", trust_remote_code=remote)
        model = load_model(
            AutoModelForSequenceClassification.from_pretrained, source, "fine-tuned model", trust_remote_code=remote
        )
        encoder = HubTokenEncoder(tokenizer, manifest.get("max_tokens"))
        return cls._build(
            model, encoder, LabelMap.from_dict(manifest), manifest["backbone"], manifest.get("max_bp"), remote
        )


def _load_tokenizer(source: str, use_safetensors=None, **kwargs):
    # use_safetensors concerns weights only, and a tokenizer would keep it among the settings it saves.
    return AutoTokenizer.from_pretrained(source, **kwargs)


def _accept_attention_mask(model) -> None:
    """Let ``model(input_ids=..., attention_mask=...)`` work for models whose forward has no attention_mask.

    HyenaDNA's forward takes no mask: it is causal, so right padding cannot reach earlier positions,
    and its classifier reads the last token before the first pad. The shared inference and training
    code always passes a mask, so it is dropped here rather than special-cased there.
    """
    if "attention_mask" in inspect.signature(model.forward).parameters:
        return
    forward = model.forward

    @functools.wraps(forward)
    def forward_without_mask(*args, attention_mask=None, **kwargs):
        return forward(*args, **kwargs)

    model.forward = forward_without_mask
    log.info("%s takes no attention mask; relying on right padding", type(model).__name__)


# Fine-tuning defaults per family, from each model's authors; epochs and batch sizes are what a first run
# on an enhancer set of a few thousand sequences needs, the search refines lr and epochs. Any other hub
# model or folder gets FinetuneDefaults' own: the study's BERT-base setting (lr 3e-5, 2 epochs, batch 8).
# DNABERT-2 (Zhou et al., ICLR 2024): lr 3e-5, batch 8, 5 epochs in the authors' fine-tuning script
# (finetune/train.py with its README's settings); the best epoch by validation MCC is kept.
DNABERT2_FINETUNE = FinetuneDefaults(
    lr=3e-5, epochs=5, batch_size=8, search_lrs=(5e-5, 3e-5, 1e-5), search_epochs=5, metric_for_best="mcc"
)
# Nucleotide Transformer (Dalla-Torre et al., Nature Methods 2024): full fine-tuning at lr 1e-5 to 3e-5 in the
# authors' Hugging Face examples (1e-5, batch 8); the paper's own 3e-3 is for IA3 adapters, not used here.
NT_FINETUNE = FinetuneDefaults(
    lr=1e-5, epochs=3, batch_size=8, search_lrs=(3e-5, 2e-5, 1e-5), search_epochs=3, metric_for_best="mcc"
)
# HyenaDNA (Nguyen et al., NeurIPS 2023): lr 6e-4 for its Genomic Benchmarks fine-tuning (which ran far more
# epochs at a larger batch); a small, fast-training model that wants a high rate like the other small ones.
HYENA_FINETUNE = FinetuneDefaults(
    lr=6e-4, epochs=10, batch_size=32, search_lrs=(6e-4, 3e-4, 1e-4), search_epochs=5, metric_for_best="mcc"
)


def _register_hub_models() -> None:
    register(
        BackboneSpec(
            name="dnabert-2",
            family="hf",
            hub_id="zhihan1996/DNABERT-2-117M",
            max_tokens=512,
            needs_remote_code=True,
            config={"bp_per_token": 3.0},
            finetune=DNABERT2_FINETUNE,
            description="DNABERT-2, BPE tokens, ALiBi BERT pre-trained on 135 genomes (117M parameters)",
        )
    )
    for size, data in (("500m", "human-ref"), ("500m", "1000g"), ("2.5b", "1000g"), ("2.5b", "multi-species")):
        register(
            BackboneSpec(
                name=f"nucleotide-transformer-{size}-{data}",
                family="hf",
                hub_id=f"InstaDeepAI/nucleotide-transformer-{size}-{data}",
                max_tokens=1000,
                config={"bp_per_token": 6.0},
                finetune=NT_FINETUNE,
                description=f"Nucleotide Transformer v1 ({size} parameters, {data}), non-overlapping 6-mers, ~6 kb",
            )
        )
    for size in ("50m", "100m", "250m", "500m"):
        register(
            BackboneSpec(
                name=f"nucleotide-transformer-v2-{size}-multi-species",
                family="hf",
                hub_id=f"InstaDeepAI/nucleotide-transformer-v2-{size}-multi-species",
                max_tokens=2048,
                needs_remote_code=True,
                config={"bp_per_token": 6.0},
                finetune=NT_FINETUNE,
                description=f"Nucleotide Transformer v2 ({size} parameters, multi-species), 6-mers, rotary, ~12 kb",
            )
        )
    for size, length, tokens in (
        ("tiny", "1k", 1024),
        ("small", "32k", 32768),
        ("medium", "160k", 160000),
        ("medium", "450k", 450000),
        ("large", "1m", 1_000_000),
    ):
        register(
            BackboneSpec(
                name=f"hyenadna-{size}-{length}",
                family="hf",
                hub_id=f"LongSafari/hyenadna-{size}-{length}-seqlen-hf",
                max_tokens=tokens,
                needs_remote_code=True,
                config={"bp_per_token": 1.0},
                finetune=HYENA_FINETUNE,
                description=f"HyenaDNA {size}, single-base tokens, long convolutions, {length} bp context",
            )
        )


_register_hub_models()
