"""One-hot CNN baseline (after Genomic Benchmarks' CNN) as a transformers model, so the same Trainer fits it.

Genomic Benchmarks' baseline stacks conv + batchnorm + max-pool blocks and a dense head on a fixed
input length. Here the dense head reads a masked global max and mean pool instead, so any length
works and padding never changes a sequence's score: after every block the padded positions are set
back to zero, and because they follow a ReLU (values >= 0) a pooling pair that includes a padded zero
gives the same maximum as the unpadded sequence.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForSequenceClassification, PretrainedConfig, PreTrainedModel
from transformers.loss.loss_utils import ForSequenceClassificationLoss
from transformers.modeling_outputs import SequenceClassifierOutput

from enhancerlm.models.base import manifest_task, read_manifest
from enhancerlm.models.hf import TransformerClassifier, from_pretrained, label_kwargs, load_model
from enhancerlm.models.registry import BackboneSpec, CreateOptions, register_family
from enhancerlm.sequences.task import Task
from enhancerlm.tokenization.char import PAD_ID, CharTokenizer

log = logging.getLogger(__name__)

# Rows follow tokenization.char.VOCAB: [PAD] is all zeros, [UNK] and N are uniform over A/C/G/T.
_ONE_HOT = [[0, 0, 0, 0], [0.25] * 4, [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0.25] * 4]


class CnnConfig(PretrainedConfig):
    """Architecture of the one-hot CNN.

    Parameters
    ----------
    channels : list of int
        Output channels of each conv block.
    kernel_sizes : list of int
        Kernel width, in bp at the block's resolution (each block halves the resolution).
    hidden_size : int
        Width of the dense layer after pooling.
    dropout : float
        Dropout before each dense layer.
    max_bp : int
        Longest sequence scored in one pass (longer ones are windowed); a memory bound, not a model limit.
    """

    model_type = "enhancerlm-cnn"

    def __init__(
        self, channels=(64, 128, 128), kernel_sizes=(15, 9, 9), hidden_size=64, dropout=0.2, max_bp=4096, **kwargs
    ):
        self.channels = list(channels)
        self.kernel_sizes = list(kernel_sizes)
        self.hidden_size = hidden_size
        self.dropout = dropout
        self.max_bp = max_bp
        kwargs.setdefault("pad_token_id", PAD_ID)
        super().__init__(**kwargs)


class _MaskedBatchNorm(nn.BatchNorm1d):
    """BatchNorm1d whose training statistics count only real bases.

    ``nn.BatchNorm1d`` would average over padded positions too, so its statistics would depend on how
    much padding a training batch happens to carry; evaluation (running statistics) is unchanged.
    """

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x, shape=(batch, channels, width); mask, shape=(batch, 1, width)."""
        if not self.training:
            return super().forward(x)
        n = mask.sum().clamp(min=1)
        mean = (x * mask).sum(dim=(0, 2)) / n
        var = (((x - mean[:, None]) ** 2) * mask).sum(dim=(0, 2)) / n
        with torch.no_grad():
            self.num_batches_tracked += 1
            unbiased = var * n / (n - 1).clamp(min=1)
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(unbiased, self.momentum)
        x = (x - mean[:, None]) / torch.sqrt(var[:, None] + self.eps)
        return x * self.weight[:, None] + self.bias[:, None]


class _ConvBlock(nn.Module):
    """conv ('same' padding) -> batchnorm -> ReLU -> zero the padding -> max-pool by 2."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding="same")
        self.norm = _MaskedBatchNorm(out_channels)
        self.pool = nn.MaxPool1d(2, ceil_mode=True)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x, shape=(batch, channels, width); mask, shape=(batch, 1, width) -> both at half width."""
        x = torch.relu(self.norm(self.conv(x), mask)) * mask
        return self.pool(x), self.pool(mask)


class CnnForSequenceClassification(PreTrainedModel):
    """One-hot CNN with a head of ``config.num_labels`` outputs: ``forward(input_ids, attention_mask, labels=None)``.

    Returns a ``SequenceClassifierOutput``; the loss (with ``labels``) is transformers' for
    ``config.problem_type``: class ids for cross-entropy, 0/1 floats per label, or float targets.
    """

    config_class = CnnConfig
    base_model_prefix = "cnn"
    main_input_name = "input_ids"

    def __init__(self, config: CnnConfig):
        super().__init__(config)
        widths = [4, *config.channels]
        self.blocks = nn.ModuleList(_ConvBlock(widths[i], widths[i + 1], k) for i, k in enumerate(config.kernel_sizes))
        self.head = nn.Sequential(
            nn.Dropout(config.dropout),
            nn.Linear(2 * widths[-1], config.hidden_size),
            nn.ReLU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden_size, config.num_labels),
        )
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        # PyTorch's own defaults suit convolutions; transformers' BERT-style normal init does not.
        if isinstance(module, (nn.Conv1d, nn.Linear, nn.BatchNorm1d)):
            module.reset_parameters()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        """input_ids, shape=(batch, width) char ids; attention_mask 1 for bases, 0 for padding."""
        if attention_mask is None:
            attention_mask = (input_ids != self.config.pad_token_id).long()
        one_hot = torch.tensor(_ONE_HOT, dtype=torch.float32, device=input_ids.device)
        x = one_hot[input_ids].transpose(1, 2)  # (batch, 4, width)
        mask = attention_mask[:, None, :].to(x.dtype)
        x = x * mask
        for block in self.blocks:
            x, mask = block(x, mask)
        logits = self.head(_masked_max_mean(x, mask))
        loss = None
        if labels is not None:
            # transformers' own sequence-classification loss, chosen by config.problem_type as for
            # BERT's head: cross-entropy, BCE-with-logits per label, or MSE (see models.hf.label_kwargs).
            loss = ForSequenceClassificationLoss(labels, logits, self.config)
        return SequenceClassifierOutput(loss=loss, logits=logits)


def _masked_max_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Max and mean over valid positions: (batch, channels, width) -> (batch, 2 * channels)."""
    n_valid = mask.sum(dim=2).clamp(min=1)
    mean = (x * mask).sum(dim=2) / n_valid
    maximum = x.masked_fill(mask == 0, float("-inf")).amax(dim=2)
    return torch.cat([maximum, mean], dim=1)


AutoConfig.register(CnnConfig.model_type, CnnConfig, exist_ok=True)
AutoModelForSequenceClassification.register(CnnConfig, CnnForSequenceClassification, exist_ok=True)


@register_family("cnn")
class CnnClassifier(TransformerClassifier):
    """The one-hot CNN with its character tokenizer; trained like the transformers (``enhancerlm.train``)."""

    has_hidden_states = False  # convolutions: no transformer hidden states to embed or probe

    @classmethod
    def create(cls, spec: BackboneSpec, task: Task, options: CreateOptions) -> "CnnClassifier":
        """A random-init CNN, or (``options.source``: a saved CNN folder) its weights with a new label head."""
        torch.manual_seed(options.seed)
        if options.source is None:
            model = CnnForSequenceClassification(CnnConfig(**spec.config, **label_kwargs(task)))
        else:
            config = from_pretrained(CnnConfig.from_pretrained, options.source, "CNN config")
            config.update(label_kwargs(task))
            # The last dense layer is re-initialised when the number of outputs differs.
            model = load_model(
                CnnForSequenceClassification.from_pretrained,
                options.source,
                "CNN model",
                config=config,
                ignore_mismatched_sizes=True,
                allow_bin_weights=options.allow_bin_weights,
            )
        return cls(model, CharTokenizer(), task, spec.name, model.config.max_bp)

    @classmethod
    def load(cls, directory: str | Path) -> "CnnClassifier":
        manifest = read_manifest(directory)
        model = load_model(CnnForSequenceClassification.from_pretrained, str(directory), "CNN model")
        tokenizer = CharTokenizer.from_pretrained(directory)
        # The window the model was trained and tested with: a run's --max-length may have shortened it.
        max_bp = min(manifest.get("max_bp") or model.config.max_bp, model.config.max_bp)
        return cls(model, tokenizer, manifest_task(manifest), manifest["backbone"], max_bp).restore_head(manifest)
