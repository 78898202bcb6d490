"""The run's models fitted: zero-shot head, learning-rate/epoch search, fine-tuning, probe and baselines."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from pathlib import Path
from typing import Any, Collection, Mapping, NamedTuple

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError
from enhancerlm.experiment.config import CHOSEN_BY_USER, RunConfig
from enhancerlm.experiment.scoring import scoring_model
from enhancerlm.io import atomic_dir
from enhancerlm.models.registry import CreateOptions, create_classifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.fit import fit_classifier, recipe_config

log = logging.getLogger(__name__)


def _options(cfg: RunConfig, seed: int | None = None) -> CreateOptions:
    return CreateOptions(
        trust_remote_code=cfg.trust_remote_code,
        allow_bin_weights=cfg.allow_bin_weights,
        seed=cfg.seed if seed is None else seed,
    )


def _create(cfg: RunConfig, task: Task | LabelMap, seed: int | None = None):
    """A fresh classifier of the run's backbone; with ``cfg.max_length``, its window limited to that many tokens."""
    classifier = create_classifier(cfg.backbone, task, _options(cfg, seed))
    if cfg.max_length is not None:
        classifier.limit_window(cfg.max_length)
    return classifier


def zero_shot_stage(cfg: RunConfig, task: Task | LabelMap, test: pd.DataFrame) -> np.ndarray:
    """The study's baseline: the backbone with a fresh, untrained head (outputs as ``predict_outputs``)."""
    classifier = _create(cfg, task)
    return predict_proba(
        scoring_model(classifier, cfg), test["sequence"].tolist(), stride_bp=None, both_strands=cfg.both_strands
    )


class Setting(NamedTuple):
    """The final fine-tune's learning rate and epochs, and where each came from (``"search"``, ``"backbone"``,
    ``"flag"`` ...); None for backbones fitted in closed form."""

    lr: float | None
    epochs: int | None
    sources: dict


def train_config(cfg: RunConfig, lr: float, epochs: int, has_val: bool = True, n_classes: int | Task = 2):
    """The fine-tuning settings of this run; ``cfg`` is resolved (``experiment.config.resolve_run_config``,
    then :func:`with_task_metrics`). ``n_classes``: the task, or a single-label task's number of classes."""
    best = best_epoch_metric(cfg.metric_for_best, cfg.early_stopping_patience, has_val, n_classes)
    return TrainConfig.from_shared(cfg, epochs=epochs, lr=lr, metric_for_best=best)


# Binary metric names -> their multi-class counterparts: a registry entry's "auroc" is "auroc_macro" there.
_MACRO = {"auroc": "auroc_macro", "precision": "precision_macro", "recall": "recall_macro", "f1": "f1_macro"}


def task_metric(name: str, n_classes: int | Task, chosen: bool = True) -> str:
    """``name`` as the validation metrics of the task call it (``auroc`` -> ``auroc_macro`` for 3+ classes).

    ``n_classes``: the task, or a single-label task's number of classes. A multi-label or regression
    task ranks by its own metric (``Task.default_metric``) unless the user ``chosen`` ``name``, which
    must then be one of its epoch metrics or their binary names (a ConfigError otherwise).
    """
    from enhancerlm.train import metrics

    if not isinstance(n_classes, Task) or n_classes.single_label:
        count = n_classes.n_outputs if isinstance(n_classes, Task) else n_classes
        return _MACRO.get(name, name) if count > 2 else name
    task = n_classes
    if not chosen:
        return task.default_metric
    metric = metrics.task_metric(task, name)  # a name it does not report falls back to the default there
    counterpart = task.kind == "multilabel" and name in ("auroc", "auprc")  # -> their macro averages
    if metric != name and not counterpart:
        known = ["loss", *metrics.epoch_metric_names(task)]
        raise ConfigError(f"metric {name!r} is not a metric of a {task.kind} task; choose one of {known}")
    return metric


def best_epoch_metric(
    metric_for_best: str | None, patience: int | None, has_val: bool, n_classes: int | Task = 2, chosen: bool = True
) -> str | None:
    """TrainConfig's ``metric_for_best``: the resolved one; with ``"last"``, MCC (or the task's own metric)
    only if early stopping needs one. ``n_classes`` and ``chosen`` as :func:`task_metric`."""
    if not has_val:
        return None  # nothing to pick an epoch by (--val-fraction 0): the last epoch's weights
    if metric_for_best not in (None, "last"):
        return task_metric(metric_for_best, n_classes, chosen)
    return task_metric("mcc", n_classes, chosen=False) if patience else None


def with_task_metrics(cfg: RunConfig, task: Task, sources: Mapping[str, str]) -> tuple[RunConfig, dict[str, str]]:
    """``cfg`` whose search and epoch metrics suit ``task``: a backbone entry's metric (``auroc``, ``mcc``) is a
    binary one, so a multi-label or regression run ranks by the task's own (``Task.default_metric``, source
    ``"task"``) unless the user chose one, which is checked now (before anything is written).
    """
    sources, changes = dict(sources), dict[str, Any]()
    for name in ("search_metric", "metric_for_best"):
        value = getattr(cfg, name)
        if task.single_label or value in (None, "last"):
            continue
        chosen = sources.get(name) in CHOSEN_BY_USER
        changes[name] = task_metric(value, task, chosen)
        sources[name] = sources.get(name, "given") if chosen else "task"
    return (dataclasses.replace(cfg, **changes) if changes else cfg), sources


def search_stage(cfg: RunConfig, task: Task | LabelMap, train: pd.DataFrame, out: Path, fixed: Collection[str] = ()):
    """Learning-rate x epoch search on a balanced subset, unless ``fixed`` (the user's settings) holds both
    ``lr`` and ``epochs`` (or --no-search)."""
    if not cfg.search or {"lr", "epochs"} <= set(fixed):
        return None
    from enhancerlm.search.grid import grid_search
    from enhancerlm.search.setup import SearchSetup

    def fresh_classifier(seed: int):
        return _create(cfg, task, seed)

    # resolved for a fine-tuned backbone: the search settings come from its registry entry when not given
    assert cfg.search_lrs is not None and cfg.search_epochs is not None and cfg.search_metric is not None
    task = Task.of(task)
    base = train_config(cfg, cfg.search_lrs[0], cfg.search_epochs, n_classes=task)
    setup = SearchSetup(
        out_dir=out,
        val_fraction=cfg.search_val_fraction,
        subset_per_class=cfg.search_per_class,
        seed=cfg.seed,
        base_config=base,
        metric=task_metric(cfg.search_metric, task),
        task=task,
    )
    if cfg.search_trials:
        from enhancerlm.search.optuna_search import SearchSpace, optuna_search

        # optuna draws each trial's length; search_epochs bounds it, as it bounds the grid's trials
        return optuna_search(
            fresh_classifier,
            train,
            setup,
            n_trials=cfg.search_trials,
            space=SearchSpace(max_epochs=(1, cfg.search_epochs)),
        )
    return grid_search(fresh_classifier, train, setup, lrs=tuple(cfg.search_lrs), max_epochs=cfg.search_epochs)


def choose_setting(cfg: RunConfig, search, sources: Mapping[str, str]) -> Setting:
    """Flags (and the config file) win, then the search's best, then the backbone's lr and epochs.

    ``cfg`` is resolved (its lr/epochs hold the user's or the backbone's values) and ``sources`` says which.
    """
    best = {"lr": search.best_lr, "epochs": search.best_epochs} if search else {}
    values, chosen = {}, {}
    for name in ("lr", "epochs"):
        source = sources.get(name, "given")
        if source in CHOSEN_BY_USER or name not in best:
            values[name], chosen[name] = getattr(cfg, name), source
        else:
            values[name], chosen[name] = best[name], "search"
    if values["lr"] is None:  # a closed-form backbone: nothing to fine-tune
        return Setting(None, None, chosen)
    setting = Setting(float(values["lr"]), int(values["epochs"]), chosen)
    log.info(
        "fine-tuning setting: lr=%g (%s), epochs=%d (%s)", setting.lr, chosen["lr"], setting.epochs, chosen["epochs"]
    )
    return setting


def finetune_stage(cfg: RunConfig, task: Task, train: pd.DataFrame, lr: float | None, epochs: int | None, out: Path):
    """Fine-tune a fresh classifier on the (deduplicated) training set; the model lands in ``out/model``.

    ``lr`` and ``epochs`` are None for a backbone fitted in closed form, which never asks for a config.
    """
    classifier = _create(cfg, task)

    def config_for(has_val: bool):
        assert lr is not None and epochs is not None  # asked for only when fine-tuning, which has a setting
        return train_config(cfg, lr, epochs, has_val, task)

    result = fit_classifier(
        classifier,
        train,
        out / "finetune",
        seed=cfg.seed,
        val_fraction=cfg.val_fraction,
        config_for=config_for,
        resume=cfg.resume,
        mask_missing=cfg.mask_missing,
    )
    if result.out_dir is None:  # fitted in closed form: nothing written yet
        with atomic_dir(out / "model") as folder:
            classifier.save(folder)
        return classifier, None
    # finetune wrote the model (hub layout) into its run folder; move it rather than write it twice.
    if (out / "model").exists():
        shutil.rmtree(out / "model")
    os.replace(result.out_dir / "model", out / "model")
    return result.classifier, result.history


def probe_stage(cfg: RunConfig, task: Task, train: pd.DataFrame, out: Path):
    """Logistic regression on the frozen backbone's embeddings of the (deduplicated) training set.

    The backbone is created as for fine-tuning (same weights, window and seed) and never trained;
    standardisation and C (by stratified cross-validation on train, folds seeded by ``cfg.seed``) are
    those of the k-mer baseline's head. The probe lands in ``out/probe`` (loadable by ``predict``),
    its setting in ``out/probe/probe.json``.
    """
    from enhancerlm.models.probe import ProbeClassifier, write_probe_summary

    probe = ProbeClassifier(_create(cfg, task), task, cfg.probe_pooling, cfg.probe_layers)
    probe.fit(train, seed=cfg.seed, mask_missing=cfg.mask_missing)
    with atomic_dir(out / "probe") as folder:
        probe.save(folder)
        summary = write_probe_summary(probe, folder / "probe.json")
    chosen = ", ".join(f"{k}={v}" for k, v in summary.items() if k in ("C", "alpha"))  # per label/target: lists
    log.info(
        "probe: %s on %d %s-pooled features of layers %s",
        chosen,
        summary["n_features"],
        probe.pooling,
        list(probe.layers),
    )
    return probe


def baseline_stage(
    name: str, task: Task, train: pd.DataFrame, test: pd.DataFrame, cfg: RunConfig, out: Path
) -> np.ndarray:
    """Fit a cheap baseline on the same training set and score the test set.

    ``kmer-lr`` and ``gc`` fit in closed form; trainable baselines (``cnn``) are fine-tuned with their own
    registry entry's settings (``BackboneSpec.finetune``: for the CNN lr 1e-3, 10 epochs, batch 64), not the LM's.
    """
    from enhancerlm.models.registry import resolve_backbone

    classifier = create_classifier(name, task, CreateOptions(seed=cfg.seed))
    recipe = resolve_backbone(name)[0].finetune

    def config_for(has_val: bool):
        assert recipe is not None  # asked for only by a fine-tuned baseline, whose entry has a recipe
        best = best_epoch_metric(recipe.metric_for_best, None, has_val, task, chosen=False)
        return recipe_config(recipe, cfg.seed, best)

    classifier = fit_classifier(
        classifier,
        train,
        out / name,
        seed=cfg.seed,
        val_fraction=cfg.val_fraction,
        config_for=config_for,
        resume=cfg.resume,
        mask_missing=cfg.mask_missing,
    ).classifier
    return predict_proba(scoring_model(classifier, cfg), test["sequence"].tolist(), both_strands=cfg.both_strands)
