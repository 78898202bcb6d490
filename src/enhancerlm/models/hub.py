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

from enhancerlm.models.base import manifest_task, read_manifest
from enhancerlm.models.hf import TransformerClassifier, from_pretrained, label_kwargs, load_model
from enhancerlm.models.registry import BackboneSpec, CreateOptions, register_family
from enhancerlm.sequences.task import Task
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
    def create(cls, spec: BackboneSpec, task: Task, options: CreateOptions) -> "HubClassifier":
        source, remote = options.source or spec.hub_id, options.trust_remote_code
        assert source is not None, f"hf entry {spec.name!r} has no hub_id"  # every "hf" entry registers one
        tokenizer = from_pretrained(_load_tokenizer, source, "tokenizer", trust_remote_code=remote)
        config = from_pretrained(AutoConfig.from_pretrained, source, "model config", trust_remote_code=remote)
        config.update(label_kwargs(task))
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
        classifier = cls._build(model, encoder, task, spec.name, max_bp, remote)
        classifier.bp_per_token = spec.config.get("bp_per_token")
        return classifier

    @classmethod
    def _build(cls, model, encoder, task, backbone, max_bp, remote) -> "HubClassifier":
        _accept_attention_mask(model)
        classifier = cls(model, encoder, task, backbone, max_bp)
        classifier.trust_remote_code = remote
        return classifier

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        self.model.save_pretrained(directory)  # safetensors; remote-code models also copy their code here
        self.encoder.save_pretrained(directory)
        self.write_manifest(
            directory,
            max_bp=self.max_bp,
            max_tokens=self.encoder.max_tokens,
            trust_remote_code=self.trust_remote_code,
            **self.head_manifest(),
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
        classifier = cls._build(
            model, encoder, manifest_task(manifest), manifest["backbone"], manifest.get("max_bp"), remote
        )
        return classifier.restore_head(manifest)


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
