"""Fine-tune a classifier on a labelled table with ``transformers.Trainer``: checkpoints, resume, history."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from transformers import EarlyStoppingCallback, Trainer, TrainerCallback, TrainingArguments, set_seed
from transformers.trainer_utils import EvalPrediction

from enhancerlm.errors import ConfigError
from enhancerlm.evaluate.history import history_from_trainer_log
from enhancerlm.io import atomic_dir, atomic_path, write_text_atomic
from enhancerlm.models.hf import TransformerClassifier, preserved_model_state
from enhancerlm.models.targets import target_scale_for
from enhancerlm.provenance import changed_settings, versions
from enhancerlm.train.callbacks import no_save_bars, quiet_trainer
from enhancerlm.train.collate import PadCollator, TokenDataset, build_dataset
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.losses import MaskedLossTrainer
from enhancerlm.train.metrics import epoch_metric_names, epoch_metrics

log = logging.getLogger(__name__)

RUN_FILE = "train_run.json"
CHECKPOINTS = "checkpoints"
# Keys that may change between a killed run and its resumption without changing what is computed.
_RESUMABLE_CHANGES = ("dataloader_workers", "keep_checkpoints")


@dataclass
class FinetuneResult:
    """What :func:`finetune` returns.

    Attributes
    ----------
    classifier : TransformerClassifier
        The trained classifier (the object passed in, its ``model`` updated).
    history : pd.DataFrame
        Long format, columns ``epoch, metric, value``: ``train_loss`` and ``val_<metric>`` per epoch.
    best_epoch : int
        The epoch (1-based) whose weights the classifier holds.
    out_dir : Path
        Run folder: ``model/``, ``history.tsv``, ``train_run.json``, ``checkpoints/``.
    """

    classifier: TransformerClassifier
    history: pd.DataFrame
    best_epoch: int
    out_dir: Path


def finetune(
    classifier: TransformerClassifier,
    train: pd.DataFrame,
    val: pd.DataFrame | None,
    config: TrainConfig,
    out_dir: str | Path,
    *,
    resume: bool = False,
    progress: bool = True,
    callbacks: Sequence[TrainerCallback] = (),
) -> FinetuneResult:
    """Fine-tune ``classifier`` on ``train``, validating on ``val`` after every epoch.

    AdamW with linear warm-up and decay; batches of similar length padded to their longest member;
    validation metrics over the whole validation set; a checkpoint per epoch in ``out_dir/checkpoints``.
    The same code runs on one CPU, one GPU, or several GPUs under ``accelerate launch`` / ``torchrun``
    (``Trainer`` handles the distribution). The classifier ends with the best epoch's weights when
    ``config.metric_for_best`` is set, else the last epoch's, on the device and in the train/eval mode
    it had; with LoRA the adapters are merged in, so ``out_dir/model`` loads in plain transformers.

    Parameters
    ----------
    classifier : TransformerClassifier
        Fresh or pre-trained classifier; its ``model`` is trained in place.
    train, val : pd.DataFrame
        Canonical tables (``id``, ``sequence`` and the task's truth columns); ``val`` None: no validation.
        A regression model learns standardised targets: the mean and sd of ``train``'s are kept
        as the classifier's ``target_scale`` (unless it has one) and undone at prediction.
    config : TrainConfig
    out_dir : Path
        Run folder; the trained model is written to ``out_dir/model``.
    resume : bool
        Continue from the newest complete checkpoint in ``out_dir/checkpoints`` (same config required).
    progress : bool
        Show progress bars on stderr.
    callbacks : sequence of TrainerCallback
        Extra ``transformers`` callbacks.
    """
    out_dir = Path(out_dir)
    _check_request(classifier, val, config)
    checkpoint = _checkpoint_to_resume(out_dir, resume)
    set_seed(config.seed)
    if classifier.target_scale is None:  # a model trained before keeps the scale its head learned on
        classifier.target_scale = target_scale_for(
            classifier.task, classifier.task.encode(train, allow_missing=config.mask_missing)
        )
    datasets = {
        what: build_dataset(
            classifier,
            table,
            long_sequences=config.long_sequences,
            stride_bp=config.window_stride_bp,
            what=what,
            mask_missing=config.mask_missing,
        )
        for what, table in (("train", train), ("val", val))
        if table is not None
    }
    train_ds, val_ds = datasets["train"], datasets.get("val")
    # The Trainer moves the model (and may turn on checkpointing): both are put back after training.
    with preserved_model_state(classifier):
        trainer = make_trainer(classifier, train_ds, val_ds, config, out_dir, progress=progress, callbacks=callbacks)
        _record_run(out_dir, config, classifier, resume=checkpoint is not None, write=trainer.args.should_save)
        log.info(
            "training on %d examples, %d epochs, effective batch %d (%d x %d accumulation x %d devices)",
            len(train_ds),
            config.epochs,
            config.effective_batch_size(trainer.args.world_size),
            config.batch_size,
            config.gradient_accumulation,
            trainer.args.world_size,
        )
        try:
            with no_save_bars():
                trainer.train(resume_from_checkpoint=checkpoint)
        finally:
            classifier.model = _plain_model(trainer.model, merge=config.lora)
    with no_save_bars():
        return _finish(trainer, classifier, config, out_dir)


def make_trainer(
    classifier: TransformerClassifier,
    train_ds: TokenDataset,
    val_ds: TokenDataset | None,
    config: TrainConfig,
    out_dir: str | Path,
    *,
    progress: bool = True,
    callbacks: Sequence[TrainerCallback] = (),
    collator=None,
) -> Trainer:
    """The ``Trainer`` :func:`finetune` runs (LoRA-wrapped model, early stopping, quiet logs).

    ``collator`` None: :class:`PadCollator` padding each batch to its longest member.
    The model moves to the Trainer's device. The loss is the model's own (transformers' for its
    ``problem_type``), or with ``config.mask_missing`` on a multi-label or regression task the same
    loss over the known values only (:class:`enhancerlm.train.losses.MaskedLossTrainer`).
    """
    args = training_arguments(config, Path(out_dir), has_val=val_ds is not None, progress=progress)
    model = _with_lora(classifier.model, config) if config.lora else classifier.model
    extra = list(callbacks)
    if config.early_stopping_patience is not None:
        extra.append(EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience))
    trainer_class = MaskedLossTrainer if config.mask_missing and not classifier.task.single_label else Trainer
    trainer = trainer_class(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=val_ds,
        data_collator=collator or PadCollator(classifier.encoder.pad_id),
        compute_metrics=_metrics_of(classifier) if val_ds is not None else None,
        callbacks=extra,
    )
    return quiet_trainer(trainer, progress)


def training_arguments(config: TrainConfig, out_dir: Path, *, has_val: bool, progress: bool) -> TrainingArguments:
    """``TrainingArguments`` for ``config``: evaluate, save and log once per epoch into ``out_dir/checkpoints``."""
    best = config.metric_for_best
    return TrainingArguments(
        output_dir=str(out_dir / CHECKPOINTS),
        num_train_epochs=config.epochs,
        learning_rate=config.lr,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.eval_batch_size or 2 * config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation,
        warmup_steps=float(config.warmup_ratio),  # transformers 5: a float in [0, 1) is a fraction of all steps
        weight_decay=config.weight_decay,
        lr_scheduler_type=config.lr_schedule,
        optim="adamw_torch",
        seed=config.seed,
        data_seed=config.seed,
        eval_strategy="epoch" if has_val else "no",
        save_strategy="epoch",
        logging_strategy="epoch",
        save_total_limit=config.keep_checkpoints,
        load_best_model_at_end=best is not None,
        metric_for_best_model=best,
        greater_is_better=None if best is None else best != "loss",
        restore_callback_states_from_checkpoint=True,  # early stopping's patience counter survives a restart
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
        activation_checkpointing=config.gradient_checkpointing,
        bf16=_use_bf16(config),
        use_cpu=config.use_cpu,
        dataloader_num_workers=config.dataloader_workers,
        dataloader_pin_memory=torch.cuda.is_available() and not config.use_cpu,
        label_names=["labels"],  # PEFT wrappers hide the forward signature Trainer would infer it from
        report_to="none",
        disable_tqdm=not progress,
    )


def _use_bf16(config: TrainConfig) -> bool:
    if config.bf16 == "auto":
        return not config.use_cpu and torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return bool(config.bf16)


def _check_request(classifier: TransformerClassifier, val: pd.DataFrame | None, config: TrainConfig) -> None:
    if val is None and config.metric_for_best is not None:
        raise ConfigError(f"train config: metric_for_best={config.metric_for_best!r} needs a validation table")
    allowed = ("loss",) + epoch_metric_names(classifier.task)
    if config.metric_for_best is not None and config.metric_for_best not in allowed:
        task = classifier.task
        raise ConfigError(
            f"train config: metric_for_best={config.metric_for_best!r} is not reported for a {task.kind} task "
            f"of {task.n_outputs} outputs; use one of {[m for m in allowed if m != 'mse']}"
        )


def _checkpoint_to_resume(out_dir: Path, resume: bool) -> str | None:
    """The newest complete checkpoint when resuming; refuse to start afresh over an earlier run's checkpoints."""
    folder = out_dir / CHECKPOINTS
    found = sorted(folder.glob("checkpoint-*"), key=lambda p: int(re.sub(r"\D", "", p.name) or -1))
    # trainer_state.json is written last, so a checkpoint without it was cut off mid-save.
    complete = [p for p in found if (p / "trainer_state.json").is_file()]
    if not resume:
        if found:
            raise ConfigError(f"{folder} holds checkpoints of an earlier run; resume it or use a new output folder")
        return None
    if not complete:
        log.warning("nothing to resume in %s: training from the start", folder)
        return None
    log.info("resuming from %s", complete[-1])
    return str(complete[-1])


def _record_run(
    out_dir: Path, config: TrainConfig, classifier: TransformerClassifier, *, resume: bool, write: bool
) -> None:
    """Write config, versions and backbone to ``train_run.json``; a resumed run must match it."""
    path = out_dir / RUN_FILE
    if resume and path.is_file():
        before = json.loads(path.read_text())["config"]
        changed = changed_settings(before, config.to_dict(), ignore=_RESUMABLE_CHANGES, tolerate_new=True)
        if changed:
            raise ConfigError(
                f"{path}: cannot resume with changed settings {changed} (was {[before[k] for k in changed]})"
            )
        return
    if write:
        run = {
            "config": config.to_dict(),
            "backbone": classifier.backbone,
            "labels": list(classifier.label_map.names),
            "task": classifier.task.to_dict(),
            "seed": config.seed,
            "versions": versions(),
        }
        write_text_atomic(path, json.dumps(run, indent=2) + "\n")


def _metrics_of(classifier: TransformerClassifier):
    """The Trainer's ``compute_metrics``: the task's epoch metrics on the whole validation pass.

    Logits become the task's outputs (:meth:`Task.activate`); a regression model's standardised
    outputs and truth go back to the user's units first, so ``mse`` is in those units.
    """
    task, scale = classifier.task, classifier.target_scale

    def compute(pred: EvalPrediction) -> dict[str, float]:
        logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
        outputs, truth = task.activate(np.asarray(logits)), np.asarray(pred.label_ids)
        if scale is not None:
            outputs, truth = scale.restore(outputs), scale.restore(truth)
        return epoch_metrics(task, truth, outputs)

    return compute


def _with_lora(model, config: TrainConfig):
    """Wrap ``model`` in LoRA adapters; peft picks the target layers per architecture (BERT: query, value)."""
    from peft import LoraConfig, TaskType, get_peft_model

    lora = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout
    )
    try:
        return get_peft_model(model, lora)
    except ValueError as err:
        raise ConfigError(f"lora: {err}") from None


def _plain_model(model, *, merge: bool):
    """The transformers model inside a (possibly PEFT-wrapped) trained model; LoRA weights merged in."""
    if merge and hasattr(model, "merge_and_unload"):
        return model.merge_and_unload()
    return model


def _finish(trainer: Trainer, classifier: TransformerClassifier, config: TrainConfig, out_dir: Path) -> FinetuneResult:
    # A resumed run reads its early log back from JSON with sorted keys: sort rows for one order either way.
    history = history_from_trainer_log(trainer.state.log_history)
    history = history.sort_values(["epoch", "metric"], kind="stable").reset_index(drop=True)
    best_epoch = _best_epoch(trainer.state, use_best=config.metric_for_best is not None)
    if trainer.args.should_save:
        with atomic_dir(out_dir / "model") as tmp:
            classifier.save(tmp)
        with atomic_path(out_dir / "history.tsv") as tmp:
            history.to_csv(tmp, sep="\t", index=False)
    log.info("best epoch %d; model written to %s", best_epoch, out_dir / "model")
    return FinetuneResult(classifier, history, best_epoch, out_dir)


def _best_epoch(state, *, use_best: bool) -> int:
    """Epoch (1-based) of the weights the model holds: the best checkpoint's, else the last."""
    step = state.best_global_step if use_best and state.best_global_step else state.global_step
    for entry in state.log_history:
        if entry.get("step") == step and "epoch" in entry:
            return int(round(entry["epoch"]))
    return int(round(state.epoch or 0))
