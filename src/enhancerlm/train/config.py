"""Fine-tuning settings as one typed dataclass: each declared once, unknown keys and out-of-range values are errors."""

from __future__ import annotations

import typing
from dataclasses import dataclass

from enhancerlm.config import ConfigBase, setting, setting_from
from enhancerlm.errors import ConfigError
from enhancerlm.evaluate.names import BEST_METRICS
from enhancerlm.finetuning import FinetuneDefaults

LrSchedule = typing.Literal["linear", "cosine", "constant_with_warmup"]
LongSequences = typing.Literal["window", "error"]


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
    mask_missing : bool
        Multi-label and regression tables: a missing value (empty or NaN) of a label or target is left
        out of the loss and the validation metrics of that output (:func:`enhancerlm.train.losses.masked_loss`);
        False: a missing value is an error naming the record.
    """

    # lr, epochs, batch size and warm-up are a backbone's recipe, declared in FinetuneDefaults.
    epochs: int = setting_from(FinetuneDefaults, "epochs")
    lr: float = setting_from(FinetuneDefaults, "lr", ge=0)  # the trainer also runs at 0 (weights stay)
    batch_size: int = setting_from(FinetuneDefaults, "batch_size")
    gradient_accumulation: int = setting(1, ge=1, help="Batches per optimiser step.")
    eval_batch_size: int | None = setting(None, ge=1)
    warmup_ratio: float = setting_from(FinetuneDefaults, "warmup_ratio")
    weight_decay: float = setting(0.01, ge=0, help="AdamW weight decay.")
    lr_schedule: LrSchedule = setting("linear")
    seed: int = setting(0)
    long_sequences: LongSequences = setting("window")
    window_stride_bp: int | None = setting(None, ge=1, unit="bp")
    group_by_length: bool = setting(True)
    early_stopping_patience: int | None = setting(None, ge=1, help="Stop after N epochs without improvement.")
    metric_for_best: str | None = setting(None, choices=BEST_METRICS)
    gradient_checkpointing: bool = setting(False, help="Trade compute for memory.")
    lora: bool = setting(False, help="Fine-tune LoRA adapters instead of all weights.")
    lora_r: int = setting(8, ge=1)
    lora_alpha: int = setting(16, ge=1)
    lora_dropout: float = setting(0.1, ge=0, lt=1)
    bf16: typing.Literal["auto", True, False] = setting("auto")
    use_cpu: bool = setting(False)
    dataloader_workers: int = setting(0, ge=0)
    keep_checkpoints: int | None = setting(2, ge=1)
    mask_missing: bool = setting(
        False, help="Leave missing label/target values out of the loss and metrics of that output (else an error)."
    )

    config_label = "train config"  # from_dict / to_dict and the checks of each field: ConfigBase

    def check(self) -> None:
        if self.early_stopping_patience is not None and self.metric_for_best is None:
            raise ConfigError("train config: early_stopping_patience needs metric_for_best (e.g. 'mcc')")

    def replace(self, **changes) -> "TrainConfig":
        """A copy with ``changes`` applied (validated like ``from_dict``)."""
        return TrainConfig.from_dict({**self.to_dict(), **changes})

    def effective_batch_size(self, n_devices: int = 1) -> int:
        """Sequences per optimizer step: ``batch_size * gradient_accumulation * n_devices``."""
        return self.batch_size * self.gradient_accumulation * n_devices
