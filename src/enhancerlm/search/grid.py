"""Learning-rate grid search as in the DNABERT reference study: balanced subset, 80/20 split, every epoch scored.

Each (learning rate, epoch) pair is a candidate: one run of ``max_epochs`` per learning rate, validated
after every epoch. Finished trials are saved, so a killed search resumes without redoing them.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from enhancerlm import formatting
from enhancerlm.data.leakage.splits import split_ids, stratified_split
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.io import atomic_path, write_text_atomic
from enhancerlm.models.hf import TransformerClassifier
from enhancerlm.provenance import changed_settings
from enhancerlm.search.setup import SearchSetup
from enhancerlm.sequences.task import Task
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.finetune import CHECKPOINTS, finetune

log = logging.getLogger(__name__)

SETTINGS_FILE = "search.json"
SPLIT_FILE = "split.tsv"
TRIAL_FILE = "trial_history.tsv"


@dataclass
class SearchResult:
    """Outcome of a hyperparameter search.

    Attributes
    ----------
    best_lr : float
    best_epochs : int
        Number of epochs (1-based) at which the best validation score was reached.
    best_value : float
        The best validation score (``metric``).
    history : pd.DataFrame
        Long format, one row per trial, epoch and metric: columns ``lr, epoch, metric, value`` (an
        optuna search adds ``trial`` and the other searched parameters).
    rule : str
        How the best candidate was chosen, in words.
    best_params : dict
        Every searched parameter of the best candidate (``lr``, ``epochs``...).
    """

    best_lr: float
    best_epochs: int
    best_value: float
    history: pd.DataFrame
    rule: str
    best_params: dict = field(default_factory=dict)


def selection_rule(metric: str) -> str:
    """The stated rule that picks the best (lr, epochs) candidate."""
    best = "lowest" if metric == "loss" else "highest"
    return (
        f"{best} validation {metric} over all (learning rate, epoch) pairs; "
        "ties -> fewer epochs, then lower learning rate"
    )


def grid_search(
    make_classifier: Callable[[int], TransformerClassifier],
    table: pd.DataFrame,
    setup: SearchSetup,
    *,
    lrs: Sequence[float] = (5e-5, 4e-5, 3e-5, 2e-5),
    max_epochs: int = 5,
) -> SearchResult:
    """Train once per learning rate for ``max_epochs``, scoring every epoch on a held-out split.

    Rule: the best candidate has the highest validation ``metric`` (lowest for ``"loss"``) over all
    (lr, epoch) pairs; ties go to fewer epochs, then to the lower learning rate. Every run uses the
    linear schedule of a ``max_epochs`` run, as the reference study did, so the chosen epoch count is
    read off that schedule.

    Parameters
    ----------
    make_classifier : callable
        ``make_classifier(seed)`` -> a fresh classifier; called once per trial with ``seed``.
    table : pd.DataFrame
        Labelled canonical table to subsample and split.
    setup : SearchSetup
        Subset, split, seed, training settings (``lr`` and ``epochs`` are overridden), output folder
        (``search.json``, ``split.tsv``, ``lr=<lr>/trial_history.tsv``, ``history.tsv``) and metric.
    lrs : sequence of float
        Learning rates to try.
    max_epochs : int
        Epochs per trial; every epoch is a candidate.
    """
    out_dir, seed = Path(setup.out_dir), setup.seed
    task, metric = setup.resolve(table)
    if not lrs:
        raise ConfigError("grid search: lrs is empty")
    config = setup.base_config.replace(epochs=max_epochs, seed=seed, metric_for_best=None, early_stopping_patience=None)
    settings = {
        "max_epochs": max_epochs,
        "val_fraction": setup.val_fraction,
        "subset_per_class": setup.subset_per_class,
        "seed": seed,
        "metric": metric,
        "base_config": fixed_settings(config, ("lr", "epochs")),
    }
    check_settings(out_dir, settings)
    train, val = prepare_split(
        table, out_dir, val_fraction=setup.val_fraction, subset_per_class=setup.subset_per_class, seed=seed, task=task
    )
    histories = []
    for lr in lrs:
        trial_dir = out_dir / f"lr={lr:g}"
        history = run_trial(make_classifier, train, val, config.replace(lr=float(lr)), trial_dir, setup.progress)
        histories.append(history.assign(lr=float(lr))[["lr", "epoch", "metric", "value"]])
    history = pd.concat(histories, ignore_index=True)
    with atomic_path(out_dir / "history.tsv") as tmp:
        history.to_csv(tmp, sep="\t", index=False)
    return choose_best(history, metric)


def choose_best(history: pd.DataFrame, metric: str, params: Sequence[str] = ("lr",)) -> SearchResult:
    """Apply :func:`selection_rule` to a long history with columns ``*params, epoch, metric, value``."""
    rows = history[history["metric"] == f"val_{metric}"]
    if rows.empty:
        raise InputError(
            f"search history has no 'val_{metric}' rows; metrics present: {sorted(history['metric'].unique())}"
        )
    sign = 1 if metric == "loss" else -1
    order = rows.assign(_key=sign * rows["value"]).sort_values(["_key", "epoch", *params], kind="stable")
    best = order.iloc[0]
    best_params = {p: best[p].item() if hasattr(best[p], "item") else best[p] for p in params}
    best_params["epochs"] = int(best["epoch"])
    log.info("best: %s with validation %s %s", best_params, metric, formatting.metric(best["value"]))
    return SearchResult(
        float(best["lr"]), int(best["epoch"]), float(best["value"]), history, selection_rule(metric), best_params
    )


def run_trial(
    make_classifier, train: pd.DataFrame, val: pd.DataFrame, config: TrainConfig, trial_dir: Path, progress: bool
) -> pd.DataFrame:
    """One training run's per-epoch history; read back if the trial finished before, resumed if it was cut off."""
    saved = trial_dir / TRIAL_FILE
    if saved.is_file():
        log.info("%s: finished earlier, not repeated", trial_dir.name)
        return pd.read_csv(saved, sep="\t")
    run_dir = trial_dir / "run"
    resume = (run_dir / CHECKPOINTS).is_dir()
    result = finetune(make_classifier(config.seed), train, val, config, run_dir, resume=resume, progress=progress)
    with atomic_path(saved) as tmp:
        result.history.to_csv(tmp, sep="\t", index=False)
    # A search keeps scores, not weights: checkpoints and models of every trial would fill the disk.
    shutil.rmtree(run_dir, ignore_errors=True)
    return result.history


def fixed_settings(config: TrainConfig, searched: Sequence[str]) -> dict:
    """The training settings a search holds fixed (those it searches are left out)."""
    return {k: v for k, v in config.to_dict().items() if k not in searched}


def check_settings(out_dir: Path, settings: dict) -> None:
    """Write the search settings, or check that a resumed search uses the same ones."""
    path = out_dir / SETTINGS_FILE
    if path.is_file():
        before = json.loads(path.read_text())
        changed = changed_settings(before, settings)
        if changed:
            raise ConfigError(
                f"{path}: this folder holds a search with other settings ({changed}); use a new output folder"
            )
        return
    write_text_atomic(path, json.dumps(settings, indent=2) + "\n")


def prepare_split(
    table: pd.DataFrame,
    out_dir: Path,
    *,
    val_fraction: float,
    subset_per_class: int | None,
    seed: int,
    task: Task | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Balanced subset -> stratified train/val split; the ids of each side are written to ``split.tsv``.

    The split is :func:`enhancerlm.data.leakage.splits.stratified_split`: copies of a sequence (either strand)
    stay on one side, so the validation score does not reward memorised training records. The subset
    is balanced over the classes, or over ``task``'s strata (:meth:`Task.strata`) for a multi-label or
    regression task.
    """
    if not 0 < val_fraction < 1:
        raise ConfigError(f"val_fraction={val_fraction!r} must be between 0 and 1")
    strata = None if task is None or task.single_label else task.strata(table)
    subset = balanced_subset(table, subset_per_class, seed, strata) if subset_per_class is not None else table
    train, val = stratified_split(subset, val_fraction, seed)
    split = split_ids(train, val)
    path = out_dir / SPLIT_FILE
    if path.is_file():
        # Finished trials were scored on the stored split; a different one (changed input) would mix results.
        before = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        if not before.equals(split.astype(str)):
            raise ConfigError(
                f"{path}: the input gives another split than the stored one (or the folder was "
                "written by a version whose split did not keep duplicates together); "
                "use a new output folder"
            )
    else:
        with atomic_path(path) as tmp:
            split.to_csv(tmp, sep="\t", index=False)
    log.info("search split: %d train, %d validation sequences", len(train), len(val))
    return train.reset_index(drop=True), val.reset_index(drop=True)


def balanced_subset(table: pd.DataFrame, per_class: int, seed: int, strata: list[str] | None = None) -> pd.DataFrame:
    """``per_class`` sequences drawn from every class (fewer if the smallest class is smaller), seeded.

    ``strata``: one group name per row (a multi-label or regression task's :meth:`Task.strata`) to
    draw from instead of the classes; a stratum smaller than ``per_class`` is taken whole, since label
    sets of a multi-label task are often rare and would otherwise shrink every other stratum.
    """
    if strata is not None:
        groups = table.groupby(pd.Series(strata, index=table.index), sort=True)
        parts = [group.sample(n=min(per_class, len(group)), random_state=seed) for _, group in groups]
        return pd.concat(parts).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    counts = table["label"].value_counts()
    if len(counts) < 2:
        raise InputError(f"search: need at least 2 labelled classes, found {counts.to_dict()}")
    n = min(per_class, int(counts.min()))
    if n < per_class:
        log.warning(
            "search: smallest class has %d sequences; drawing %d per class instead of %d", counts.min(), n, per_class
        )
    parts = [group.sample(n=n, random_state=seed) for _, group in table.groupby("label", sort=True)]
    return pd.concat(parts).sample(frac=1.0, random_state=seed).reset_index(drop=True)
