"""DNABERT-style masked-language-model pre-training (from scratch or continued) with ``transformers.Trainer``.

The pieces: the settings (``pretrain_config``), the masked-LM objective (``mlm``: model, held-out set,
metrics), the run folder (``pretrain_folder``: resume guard, history, saved model) and the Trainer's
callbacks (``callbacks``); here, the Trainer is set up and run.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd
import torch
from transformers import Trainer, TrainerCallback, TrainingArguments

from enhancerlm.data.pretrain_corpus import build_corpus
from enhancerlm.errors import ConfigError
from enhancerlm.train.callbacks import AfterEvaluate, EpochCallback, LogLastStep, quiet_trainer
from enhancerlm.train.crops import CropDataset
from enhancerlm.train.masking import SpanMasker, SpanMaskingCollator
from enhancerlm.train.mlm import MaskedTokenMetrics, build_mlm, held_out_examples, masked_token_outputs
from enhancerlm.train.pretrain_config import PretrainConfig
from enhancerlm.train.pretrain_folder import (
    check_out_dir,
    last_eval,
    save_pretrained_mlm,
    write_history,
    write_run_record,
)


@dataclass(frozen=True)
class PretrainResult:
    """What a pre-training run produced.

    Attributes
    ----------
    out_dir : Path
        Hub-layout model folder (also holds ``history.tsv``, ``history.png``, ``checkpoints/``).
    global_step : int
        Optimizer steps taken, resumed runs included.
    history : pandas.DataFrame
        Long history table (``epoch, metric, value``): ``train_loss``, ``val_loss``, ``val_masked_accuracy``.
    final_metrics : dict
        Last held-out evaluation: ``{"val_loss": ..., "val_masked_accuracy": ...}`` ({} without evaluation).
    tokens_seen : int
        Non-padding tokens trained on.
    """

    out_dir: Path
    global_step: int
    history: pd.DataFrame
    final_metrics: dict
    tokens_seen: int


def pretrain(
    fasta: Sequence[str | Path],
    backbone: str,
    out: str | Path,
    config: PretrainConfig = PretrainConfig(),
    *,
    resume: bool = False,
    progress: bool = True,
    callbacks: Sequence[TrainerCallback] = (),
) -> PretrainResult:
    """Masked-language-model pre-training of ``backbone`` on FASTA files; the model is written to ``out``.

    Parameters
    ----------
    fasta : sequence of str or Path
        FASTA files (plain or gzip), read record by record.
    backbone : str
        Registry name (``"tiny-dnabert-6"``: random init), DNABERT folder or hub id (continued pre-training).
    out : str or Path
        Output folder: hub layout (``config.json``, ``model.safetensors``, ``vocab.txt``,
        ``enhancerlm.json``), history, ``checkpoints/``.
    config : PretrainConfig
    resume : bool
        Continue the run in ``out`` from its last checkpoint (same fasta, backbone and config).
    progress : bool
        Show progress bars (stderr).
    callbacks : sequence of transformers.TrainerCallback
        Extra Trainer callbacks (timing, early stop).
    """
    out = Path(out)
    fasta = [str(p) for p in fasta]
    record = {"fasta": fasta, "backbone": backbone, "config": config.to_dict()}
    check_out_dir(out, record, resume)
    model, tokenizer, spec = build_mlm(backbone, seed=config.seed, allow_bin_weights=config.allow_bin_weights)
    crop_bp = _crop_bp(config, tokenizer.max_bp(model.config.max_position_embeddings))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".corpus-", dir=out) as tmp:
        corpus = build_corpus(
            fasta, Path(tmp) / "bases.u8", eval_fraction=config.eval_fraction, min_segment_bp=config.min_segment_bp
        )
        train_set = CropDataset(
            corpus,
            tokenizer,
            crop_bp,
            seed=config.seed,
            rc_augment=config.rc_augment,
            short_crop_prob=config.short_crop_prob,
            min_crop_bp=min(config.min_crop_bp, crop_bp),
        )
        eval_set = held_out_examples(corpus, tokenizer, crop_bp, config)
        write_run_record(out, record)
        trainer = _trainer(model, tokenizer, config, out, train_set, eval_set, progress, resume, callbacks)
        trainer.train(resume_from_checkpoint=True if resume else None)
    history = write_history(trainer.state.log_history, out, plot=trainer.is_world_process_zero())
    if trainer.is_world_process_zero():
        save_pretrained_mlm(model, tokenizer, out, {"family": spec.family, "backbone": spec.name, "source": backbone})
    return PretrainResult(
        out, trainer.state.global_step, history, last_eval(history), int(trainer.state.num_input_tokens_seen)
    )


def _trainer(
    model, tokenizer, config: PretrainConfig, out: Path, train_set, eval_set, progress: bool, resume: bool, callbacks
) -> Trainer:
    strategy = "steps" if config.eval_steps else "epoch"
    steps = config.eval_steps or 500  # unused with the "epoch" strategy, which also acts at a mid-epoch stop
    on_cuda = torch.cuda.is_available() and not config.use_cpu
    args = TrainingArguments(
        output_dir=str(out / "checkpoints"),
        seed=config.seed,
        report_to="none",
        disable_tqdm=not progress,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,
        learning_rate=config.lr,
        warmup_steps=config.warmup_ratio,
        weight_decay=config.weight_decay,
        adam_beta2=0.98,
        adam_epsilon=1e-6,
        eval_strategy=strategy if eval_set is not None else "no",
        eval_steps=steps,
        eval_on_start=eval_set is not None and not resume,
        batch_eval_metrics=True,
        logging_strategy=strategy,
        logging_steps=steps,
        save_strategy=strategy,
        save_steps=steps,
        save_total_limit=config.keep_checkpoints,
        bf16=on_cuda and torch.cuda.is_bf16_supported(),
        use_cpu=config.use_cpu,
        dataloader_num_workers=config.dataloader_workers,
        dataloader_pin_memory=on_cuda,
        remove_unused_columns=False,
        include_num_input_tokens_seen="non_padding",
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        data_collator=SpanMaskingCollator(
            SpanMasker(tokenizer.k, tokenizer.vocab_size, config.mask_rate), tokenizer.pad_id
        ),
        compute_metrics=MaskedTokenMetrics() if eval_set is not None else None,
        preprocess_logits_for_metrics=masked_token_outputs,
        callbacks=[
            EpochCallback(train_set.set_epoch),
            LogLastStep(),
            AfterEvaluate(lambda log_history: write_history(log_history, out, plot=False)),
            *callbacks,
        ],
    )
    return quiet_trainer(trainer, progress)


def _crop_bp(config: PretrainConfig, max_bp: int) -> int:
    if config.crop_bp is not None and config.crop_bp > max_bp:
        raise ConfigError(f"pretrain config: crop_bp={config.crop_bp} is longer than the model's {max_bp} bp")
    return config.crop_bp or max_bp
