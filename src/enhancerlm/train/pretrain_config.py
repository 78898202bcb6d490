"""`PretrainConfig`: the settings of masked-LM pre-training, light to import (``enhancerlm pretrain``'s flags)."""

from __future__ import annotations

from dataclasses import dataclass

from enhancerlm.config import ConfigBase, setting


@dataclass(frozen=True)
class PretrainConfig(ConfigBase):
    """How to pre-train (defaults follow DNABERT where it states them: 15% masked, AdamW beta2 0.98).

    Parameters
    ----------
    epochs : int
        Passes over the training crops (ignored when ``max_steps`` is set).
    max_steps : int or None
        Optimizer steps; overrides ``epochs``.
    lr : float
        Peak AdamW learning rate (DNABERT: 4e-4 from scratch; use less to continue a pre-trained model).
    batch_size : int
        Crops per device per step, for training and held-out evaluation.
    warmup_ratio : float
        Fraction of the steps, in [0, 1), of linear warm-up; then linear decay to 0.
    weight_decay : float
    seed : int
        Seeds initial weights, crops, masks, data order and dropout.
    mask_rate : float
        Fraction of k-mer tokens to predict, masked in spans of k tokens.
    rc_augment : bool
        Reverse-complement each training crop with probability 1/2.
    eval_fraction : float
        Fraction of each FASTA record, from its end, held out for evaluation; 0: no evaluation.
    eval_steps : int or None
        Evaluate, log and checkpoint every this many steps; None: every epoch. The run also ends
        with an evaluation.
    max_eval_crops : int or None
        At most this many held-out crops (evenly spaced) per evaluation; None: all.
    min_segment_bp : int
        Shortest N-free stretch used, bp.
    short_crop_prob : float
        Probability that a training crop is shortened to a random length (DNABERT saw 5-510 bp).
    crop_bp : int or None
        Longest crop, bp; None: the most the model takes (``max_bp`` of its positions, 515 for DNABERT-6).
    min_crop_bp : int
        Shortest crop, bp.
    keep_checkpoints : int or None
        Newest checkpoints kept in ``OUT/checkpoints``; None: all.
    allow_bin_weights : bool
        Read pickle weights where a checkpoint has no safetensors, through torch's weights-only
        unpickler (tensors only, no code runs); False: safetensors only.
    use_cpu : bool
        Train on the CPU even where a GPU is present.
    dataloader_workers : int
        Processes that tokenise and mask batches (0: the main process).
    """

    # help: the `enhancerlm pretrain` flag's text (enhancerlm.cli.options); fields without help are config keys only.
    epochs: int = setting(1, ge=1, help="Passes over the training crops.")
    max_steps: int | None = setting(None, ge=1, help="Optimizer steps; overrides --epochs.")
    lr: float = setting(4e-4, gt=0, help="Peak learning rate (use less to continue a pre-trained model).")
    batch_size: int = setting(32, ge=1, help="Crops per device per step.")
    warmup_ratio: float = setting(0.05, ge=0, lt=1)
    weight_decay: float = setting(0.01, ge=0)
    seed: int = setting(0, help="Seeds weights, crops, masks, data order, dropout.")
    mask_rate: float = setting(0.15, gt=0, lt=1, help="Fraction of k-mer tokens masked, in spans of k.")
    rc_augment: bool = setting(False, help="Reverse-complement half of the training crops.")
    eval_fraction: float = setting(0.1, ge=0, lt=1, help="Fraction of each record's end held out.")
    eval_steps: int | None = setting(None, ge=1, help="Evaluate and checkpoint every N steps (default: every epoch).")
    max_eval_crops: int | None = setting(1000, ge=1)
    min_segment_bp: int = setting(64, ge=1, unit="bp")
    short_crop_prob: float = setting(0.1, ge=0, lt=1)
    crop_bp: int | None = setting(None, ge=1, unit="bp", help="Longest crop in bp (default: the model's).")
    min_crop_bp: int = setting(32, ge=1, unit="bp")
    keep_checkpoints: int | None = setting(2, ge=1)
    allow_bin_weights: bool = setting(
        True,
        help="Read pickle weights where a checkpoint has no safetensors, "
        "through torch's weights-only unpickler (no code runs).",
    )
    use_cpu: bool = setting(False, help="Train on the CPU even where a GPU is present.")
    dataloader_workers: int = setting(0, ge=0)

    config_label = "pretrain config"  # from_dict / to_dict and each field's checks: ConfigBase
