"""Fine-tuning settings as one typed dataclass: unknown keys and out-of-range values are errors."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass

from enhancerlm.config import ConfigBase
from enhancerlm.errors import ConfigError
from enhancerlm.evaluate.metrics import BINARY_METRICS, MULTICLASS_METRICS

LR_SCHEDULES = ("linear", "cosine", "constant_with_warmup")
LONG_SEQUENCES = ("window", "error")
# "loss" is the validation loss (lower is better); the rest are whole-set metrics (higher is better).
BEST_METRICS = ("loss",) + tuple(dict.fromkeys(BINARY_METRICS + MULTICLASS_METRICS))


@dataclass(frozen=True)
class TrainConfig(ConfigBase):
    """How to fine-tune a classifier (defaults follow the DNABERT reference study where it states them).

    Validation runs and a checkpoint is saved at the end of every epoch.

    Parameters
    ----------
    epochs : int
        Passes over the training set.
    lr : float
        Peak learning rate of AdamW.
    batch_size : int
        Sequences per device per forward pass.
    gradient_accumulation : int
        Forward passes per optimizer step. The effective batch is
        ``batch_size * gradient_accumulation * n_devices`` (see :meth:`effective_batch_size`).
    eval_batch_size : int or None
        Sequences per device in validation; None: ``2 * batch_size``.
    warmup_ratio : float
        Fraction of all optimizer steps, in [0, 1), over which the learning rate rises linearly from 0.
    weight_decay : float
        AdamW decoupled weight decay (bias and LayerNorm weights excluded by transformers).
    lr_schedule : str
        After warm-up: ``"linear"`` decay to 0 (the study's), ``"cosine"`` or ``"constant_with_warmup"``.
    seed : int
        Seeds Python, numpy and torch, data order and dropout.
    long_sequences : str
        Training sequences longer than the model's ``max_bp``: ``"window"`` cuts them into overlapping
        windows of ``max_bp`` with ``enhancerlm.tokenization.windows.split_windows``, and every window
        inherits its sequence's label (validation metrics are then per window); ``"error"`` rejects them.
    window_stride_bp : int or None
        Step between training windows in bp; None: ``max_bp // 2``.
    group_by_length : bool
        Batch sequences of similar length together so that dynamic padding pads little.
    early_stopping_patience : int or None
        Stop after this many epochs without improvement of ``metric_for_best``; None: off.
    metric_for_best : str or None
        Validation metric that picks the returned weights (``"mcc"``, ``"accuracy"``, ``"auroc"``,
        ``"loss"``...); None: return the last epoch's weights.
    gradient_checkpointing : bool
        Recompute activations in the backward pass: less memory, about 20% slower.
    lora : bool
        Train low-rank adapters (``peft``) instead of all weights; merged into the model before saving.
    lora_r, lora_alpha, lora_dropout : int, int, float
        Adapter rank, scaling numerator and dropout.
    bf16 : "auto" or bool
        bfloat16 mixed precision; ``"auto"``: on when training on CUDA.
    use_cpu : bool
        Train on the CPU even where a GPU is present.
    dataloader_workers : int
        Worker processes that collate batches (0: in the main process).
    keep_checkpoints : int or None
        Newest epoch checkpoints kept in ``out_dir/checkpoints`` (the best one is always kept); None: all.
    """

    epochs: int = 2
    lr: float = 3e-5
    batch_size: int = 8
    gradient_accumulation: int = 1
    eval_batch_size: int | None = None
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    lr_schedule: str = "linear"
    seed: int = 0
    long_sequences: str = "window"
    window_stride_bp: int | None = None
    group_by_length: bool = True
    early_stopping_patience: int | None = None
    metric_for_best: str | None = None
    gradient_checkpointing: bool = False
    lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    bf16: str | bool = "auto"
    use_cpu: bool = False
    dataloader_workers: int = 0
    keep_checkpoints: int | None = 2

    config_label = "train config"  # from_dict / to_dict: ConfigBase

    def __post_init__(self):
        _check_types(self)
        _check_values(self)

    def replace(self, **changes) -> "TrainConfig":
        """A copy with ``changes`` applied (validated like ``from_dict``)."""
        return TrainConfig.from_dict({**self.to_dict(), **changes})

    def effective_batch_size(self, n_devices: int = 1) -> int:
        """Sequences per optimizer step: ``batch_size * gradient_accumulation * n_devices``."""
        return self.batch_size * self.gradient_accumulation * n_devices


def _check_types(config: TrainConfig) -> None:
    hints = typing.get_type_hints(TrainConfig)
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        allowed = _allowed_types(hints[f.name])
        # bool is an int subclass; True must not pass as an epoch count.
        ok = isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed)
        if not ok:
            names = " or ".join("None" if t is type(None) else t.__name__ for t in allowed)
            raise ConfigError(f"train config: {f.name}={value!r} must be {names}")


def _allowed_types(hint) -> tuple[type, ...]:
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    # An int is a valid float (lr: 1 is odd but well defined).
    return tuple(args) + ((int,) if float in args else ())


def _check_values(c: TrainConfig) -> None:
    positive = [
        "epochs",
        "batch_size",
        "gradient_accumulation",
        "eval_batch_size",
        "window_stride_bp",
        "early_stopping_patience",
        "lora_r",
        "keep_checkpoints",
    ]
    for name in positive:
        value = getattr(c, name)
        if value is not None and value < 1:
            raise ConfigError(f"train config: {name}={value!r} must be at least 1")
    _check_range("lr", c.lr, 0, None)
    _check_range("warmup_ratio", c.warmup_ratio, 0, 1, closed_high=False)
    _check_range("weight_decay", c.weight_decay, 0, None)
    _check_range("lora_dropout", c.lora_dropout, 0, 1, closed_high=False)
    _check_range("lora_alpha", c.lora_alpha, 1, None)
    _check_range("dataloader_workers", c.dataloader_workers, 0, None)
    _check_choice("lr_schedule", c.lr_schedule, LR_SCHEDULES)
    _check_choice("long_sequences", c.long_sequences, LONG_SEQUENCES)
    _check_choice("bf16", c.bf16, ("auto", True, False))
    if c.metric_for_best is not None:
        _check_choice("metric_for_best", c.metric_for_best, BEST_METRICS)
    if c.early_stopping_patience is not None and c.metric_for_best is None:
        raise ConfigError("train config: early_stopping_patience needs metric_for_best (e.g. 'mcc')")


def _check_range(name: str, value, low, high, closed_high: bool = True) -> None:
    too_high = high is not None and (value > high if closed_high else value >= high)
    if value < low or too_high:
        upper = "" if high is None else f" and {'<=' if closed_high else '<'} {high}"
        raise ConfigError(f"train config: {name}={value!r} must be >= {low}{upper}")


def _check_choice(name: str, value, choices) -> None:
    if value not in choices or (isinstance(value, bool) and not any(v is value for v in choices)):
        raise ConfigError(f"train config: {name}={value!r} must be one of {list(choices)}")
