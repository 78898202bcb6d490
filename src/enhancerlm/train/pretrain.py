"""DNABERT-style masked-language-model pre-training (from scratch or continued) with ``transformers.Trainer``."""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from transformers import BertForMaskedLM, Trainer, TrainerCallback, TrainingArguments

from enhancerlm.config import ConfigBase
from enhancerlm.data.pretrain_corpus import PretrainCorpus, build_corpus
from enhancerlm.errors import ConfigError
from enhancerlm.evaluate.history import history_from_trainer_log
from enhancerlm.evaluate.plots import figure_png, plot_training_curves
from enhancerlm.io import atomic_path, write_text_atomic
from enhancerlm.models.base import MANIFEST
from enhancerlm.models.dnabert import build_masked_lm
from enhancerlm.models.registry import BackboneSpec, resolve_backbone
from enhancerlm.provenance import changed_settings, versions
from enhancerlm.tokenization.kmer import KmerTokenizer
from enhancerlm.train.callbacks import quiet_trainer
from enhancerlm.train.crops import CropDataset
from enhancerlm.train.masking import IGNORE_INDEX, SpanMasker, SpanMaskingCollator

log = logging.getLogger(__name__)

RUN_RECORD = "pretrain_config.json"
HISTORY_TSV, HISTORY_PNG = "history.tsv", "history.png"


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

    epochs: int = 1
    max_steps: int | None = None
    lr: float = 4e-4
    batch_size: int = 32
    warmup_ratio: float = 0.05
    weight_decay: float = 0.01
    seed: int = 0
    mask_rate: float = 0.15
    rc_augment: bool = False
    eval_fraction: float = 0.1
    eval_steps: int | None = None
    max_eval_crops: int | None = 1000
    min_segment_bp: int = 64
    short_crop_prob: float = 0.1
    crop_bp: int | None = None
    min_crop_bp: int = 32
    keep_checkpoints: int | None = 2
    allow_bin_weights: bool = True
    use_cpu: bool = False
    dataloader_workers: int = 0

    config_label = "pretrain config"  # from_dict / to_dict: ConfigBase

    def __post_init__(self):
        for name in (
            "epochs",
            "max_steps",
            "batch_size",
            "eval_steps",
            "max_eval_crops",
            "min_segment_bp",
            "crop_bp",
            "min_crop_bp",
            "keep_checkpoints",
        ):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ConfigError(f"pretrain config: {name}={value!r} must be a whole number >= 1")
        for name, low, high in (
            ("lr", 0, math.inf),
            ("warmup_ratio", 0, 1),
            ("weight_decay", 0, math.inf),
            ("mask_rate", 0, 1),
            ("eval_fraction", 0, 1),
            ("short_crop_prob", 0, 1),
        ):
            if not low <= getattr(self, name) < high:
                raise ConfigError(f"pretrain config: {name}={getattr(self, name)!r} must be in [{low}, {high})")
        if self.mask_rate == 0 or self.lr == 0:
            raise ConfigError("pretrain config: mask_rate and lr must be above 0")


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


def build_mlm(
    backbone: str, *, seed: int = 0, allow_bin_weights: bool = True
) -> tuple[BertForMaskedLM, KmerTokenizer, BackboneSpec]:
    """A ``BertForMaskedLM`` for a DNABERT-family backbone: random init (built-in) or its weights.

    A folder or hub id gives its pre-trained body; an MLM head it lacks (e.g. a fine-tuned
    classifier's folder) is initialised from ``seed``.
    """
    spec, source = resolve_backbone(backbone)
    if spec.family != "dnabert":
        raise ConfigError(
            f"backbone {backbone!r} is of family {spec.family!r}; pre-training supports DNABERT "
            "k-mer BERTs (e.g. tiny-dnabert-6, dnabert-6 or a folder of one)"
        )
    model, tokenizer = build_masked_lm(spec, source, seed=seed, allow_bin_weights=allow_bin_weights)
    return model, tokenizer, spec


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
    _check_out_dir(out, record, resume)
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
        write_text_atomic(out / RUN_RECORD, json.dumps({**record, "versions": versions()}, indent=2) + "\n")
        trainer = _trainer(model, tokenizer, config, out, train_set, eval_set, progress, resume, callbacks)
        trainer.train(resume_from_checkpoint=True if resume else None)
    history = write_history(trainer.state.log_history, out, plot=trainer.is_world_process_zero())
    if trainer.is_world_process_zero():
        save_pretrained_mlm(model, tokenizer, out, {"family": spec.family, "backbone": spec.name, "source": backbone})
    return PretrainResult(
        out, trainer.state.global_step, history, _last_eval(history), int(trainer.state.num_input_tokens_seen)
    )


def held_out_examples(
    corpus: PretrainCorpus, tokenizer: KmerTokenizer, crop_bp: int, config: PretrainConfig
) -> list[dict] | None:
    """The fixed, already masked held-out set: fixed tiles of the held-out part, same masks every epoch.

    Every selected span is [MASK]ed: kept or random spans (BERT's 10/10 in training) would make the
    accuracy partly a copying score.
    """
    if config.eval_fraction == 0:
        return None
    crops = CropDataset(
        corpus,
        tokenizer,
        crop_bp,
        part="eval",
        seed=config.seed,
        randomise=False,
        min_crop_bp=min(config.min_crop_bp, crop_bp),
        max_crops=config.max_eval_crops,
    )
    masker = SpanMasker(tokenizer.k, tokenizer.vocab_size, config.mask_rate, mask_prob=1.0, random_prob=0.0)
    examples = []
    for item in crops:
        input_ids, labels = masker(item["input_ids"], np.random.default_rng(item["mask_seed"]))
        examples.append({"input_ids": input_ids, "labels": labels})
    log.info(
        "held-out set: %d crops, %d bp, %d masked tokens",
        len(crops),
        crops.n_bp,
        sum(int((e["labels"] != IGNORE_INDEX).sum()) for e in examples),
    )
    return examples


def masked_token_outputs(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits shape=(batch, n_tokens, vocab) -> per-token (prediction, negative log-likelihood), both (batch, n_tokens).

    Passed to Trainer as ``preprocess_logits_for_metrics`` so that vocabulary-wide logits are never
    accumulated.
    """
    nll = F.cross_entropy(logits.float().transpose(1, 2), labels.clamp(min=0), reduction="none")
    return logits.argmax(dim=-1), nll


class MaskedTokenMetrics:
    """Held-out MLM loss and accuracy over all masked tokens of the set (not a mean of batch means).

    For ``Trainer(compute_metrics=..., args.batch_eval_metrics=True)``: called once per batch,
    returns the totals when ``compute_result`` is True and starts over.
    """

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self.n_masked, self.nll_sum, self.n_correct = 0, 0.0, 0

    def __call__(self, eval_pred, compute_result: bool) -> dict:
        (predictions, nll), labels = eval_pred.predictions, eval_pred.label_ids
        masked = labels != IGNORE_INDEX
        self.n_masked += int(masked.sum())
        self.nll_sum += float(nll[masked].double().sum())
        self.n_correct += int((predictions[masked] == labels[masked]).sum())
        if not compute_result:
            return {}
        n = max(self.n_masked, 1)
        metrics = {"mlm_loss": self.nll_sum / n, "masked_accuracy": self.n_correct / n}
        self._reset()
        return metrics


class _EpochCrops(TrainerCallback):
    """Draws the training crops of each epoch (also the right epoch of a resumed run)."""

    def __init__(self, dataset: CropDataset):
        self.dataset = dataset

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.dataset.set_epoch(int(math.floor(state.epoch or 0)))


class _LogLastStep(TrainerCallback):
    """Logs the training loss at the last step too (Trainer evaluates and saves there, but logs only on schedule)."""

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= state.max_steps:
            control.should_log = True


class _HistoryWriter(TrainerCallback):
    """Rewrites the history table after every evaluation, so a killed run keeps it (the figure comes at the end)."""

    def __init__(self, out: Path):
        self.out = out

    def on_evaluate(self, args, state, control, **kwargs):
        write_history(state.log_history, self.out, plot=False)


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
        callbacks=[_EpochCrops(train_set), _LogLastStep(), _HistoryWriter(out), *callbacks],
    )
    return quiet_trainer(trainer, progress)


def write_history(log_history: list[dict], out: Path, plot: bool = True) -> pd.DataFrame:
    """Trainer log -> long history table in ``out/history.tsv`` and (``plot``) its figure ``out/history.png``."""
    history = history_from_trainer_log(log_history)
    # Trainer's own eval_loss averages batch means; ours (eval_mlm_loss) is over all masked tokens.
    history = history[history["metric"] != "val_loss"].replace({"metric": {"val_mlm_loss": "val_loss"}})
    history = history.sort_values(["epoch", "metric"], kind="stable").reset_index(drop=True)
    write_text_atomic(out / HISTORY_TSV, history.to_csv(sep="\t", index=False))
    if plot and not history.empty:
        png = figure_png(plot_training_curves(history))
        with atomic_path(out / HISTORY_PNG) as tmp:
            tmp.write_bytes(png)
    return history


def save_pretrained_mlm(model, tokenizer: KmerTokenizer, out: Path, manifest: dict) -> None:
    """Write the model in hub layout; each file appears whole (written beside, then renamed)."""
    manifest = {
        **manifest,
        "kind": "pretrained-mlm",
        "k": tokenizer.k,
        "max_bp": tokenizer.max_bp(model.config.max_position_embeddings),
    }
    with tempfile.TemporaryDirectory(prefix=".model-", dir=out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        write_text_atomic(Path(tmp) / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        for path in Path(tmp).iterdir():
            os.replace(path, out / path.name)
    log.info("pre-trained model written to %s", out)


def _check_out_dir(out: Path, record: dict, resume: bool) -> None:
    has_checkpoints = any((out / "checkpoints").glob("checkpoint-*"))
    if resume and not has_checkpoints:
        raise ConfigError(f"--resume: {out / 'checkpoints'} has no checkpoint to resume from")
    if not resume and has_checkpoints:
        raise ConfigError(
            f"{out} holds checkpoints of an earlier run; pass --resume to continue it or choose another --out"
        )
    if resume:
        saved = json.loads((out / RUN_RECORD).read_text()) if (out / RUN_RECORD).is_file() else {}
        flat = {"fasta": record["fasta"], "backbone": record["backbone"], **record["config"]}
        changed = changed_settings(
            {"fasta": saved.get("fasta"), "backbone": saved.get("backbone"), **saved.get("config", {})}, flat
        )
        if changed:
            raise ConfigError(
                f"--resume: {', '.join(changed)} differ from the run in {out}; "
                "resume with the same settings, or start a new run in another --out"
            )


def _crop_bp(config: PretrainConfig, max_bp: int) -> int:
    if config.crop_bp is not None and config.crop_bp > max_bp:
        raise ConfigError(f"pretrain config: crop_bp={config.crop_bp} is longer than the model's {max_bp} bp")
    return config.crop_bp or max_bp


def _last_eval(history: pd.DataFrame) -> dict:
    val = history[history["metric"].str.startswith("val_")]
    return {m: float(rows["value"].iloc[-1]) for m, rows in val.groupby("metric", sort=False)}
