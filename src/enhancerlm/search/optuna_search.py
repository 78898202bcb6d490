"""Hyperparameter search with optuna over learning rate, epochs, batch size and warm-up; resumable via SQLite."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.io import atomic_path, write_text_atomic
from enhancerlm.models.hf import TransformerClassifier
from enhancerlm.search.grid import (
    TRIAL_FILE,
    SearchResult,
    check_settings,
    choose_best,
    fixed_settings,
    prepare_split,
    run_trial,
)
from enhancerlm.search.setup import SearchSetup
from enhancerlm.train.config import TrainConfig

log = logging.getLogger(__name__)

STUDY_NAME = "enhancerlm-search"
PARAMS = ("lr", "batch_size", "warmup_ratio", "max_epochs")


@dataclass(frozen=True)
class SearchSpace:
    """Where optuna looks.

    Parameters
    ----------
    lr : (float, float)
        Learning-rate bounds, sampled log-uniformly.
    max_epochs : (int, int)
        Bounds of a trial's length in epochs (its linear schedule's length); every epoch is scored.
    batch_size : tuple of int
        Per-device batch sizes to choose from.
    warmup_ratio : (float, float)
        Bounds of the warm-up fraction, sampled uniformly.
    """

    lr: tuple[float, float] = (1e-5, 1e-4)
    max_epochs: tuple[int, int] = (1, 5)
    batch_size: tuple[int, ...] = (8, 16, 32)
    warmup_ratio: tuple[float, float] = (0.0, 0.2)

    def suggest(self, trial) -> dict:
        """One point of the space, drawn through ``trial``."""
        return {
            "lr": trial.suggest_float("lr", *self.lr, log=True),
            "batch_size": trial.suggest_categorical("batch_size", list(self.batch_size)),
            "warmup_ratio": trial.suggest_float("warmup_ratio", *self.warmup_ratio),
            "max_epochs": trial.suggest_int("max_epochs", *self.max_epochs),
        }


def optuna_search(
    make_classifier: Callable[[int], TransformerClassifier],
    table: pd.DataFrame,
    setup: SearchSetup,
    *,
    n_trials: int = 20,
    space: SearchSpace = SearchSpace(),
) -> SearchResult:
    """Search with optuna's seeded TPE sampler until the study holds ``n_trials`` finished trials.

    Subset, split and selection rule are those of :func:`enhancerlm.search.grid.grid_search`: a trial
    is scored at every epoch, and the best (parameters, epoch) candidate over all trials wins (ties:
    fewer epochs, then lower learning rate). The study lives in ``out_dir/optuna.db``: a killed
    search resumes, retrying the trial it was running (from its checkpoints) before drawing new ones.

    Parameters
    ----------
    make_classifier, table, setup
        As in :func:`enhancerlm.search.grid.grid_search`; ``setup.base_config`` holds everything else about
        training.
    n_trials : int
        Finished trials wanted in the study, counting those of earlier runs.
    space : SearchSpace
        Searched parameters; they override ``base_config``'s ``lr``, ``epochs``, ``batch_size``, ``warmup_ratio``.
    """
    import optuna

    out_dir, seed, base_config = Path(setup.out_dir), setup.seed, setup.base_config
    task, metric = setup.resolve(table)
    if n_trials < 1:
        raise ConfigError(f"n_trials={n_trials!r} must be at least 1")
    settings = {
        "space": asdict(space),
        "val_fraction": setup.val_fraction,
        "subset_per_class": setup.subset_per_class,
        "seed": seed,
        "metric": metric,
        "base_config": fixed_settings(base_config, ("lr", "epochs", "batch_size", "warmup_ratio", "seed")),
    }
    check_settings(out_dir, settings)
    train, val = prepare_split(
        table, out_dir, val_fraction=setup.val_fraction, subset_per_class=setup.subset_per_class, seed=seed, task=task
    )
    study = _open_study(out_dir, seed, direction="minimize" if metric == "loss" else "maximize")
    done = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)

    def objective(trial) -> float:
        params = space.suggest(trial)
        trial_dir = out_dir / f"trial-{_key(params)}"
        trial.set_user_attr("dir", trial_dir.name)
        history = _trial_history(make_classifier, train, val, base_config, params, seed, trial_dir, setup.progress)
        best = choose_best(history, metric, params=("lr",))
        trial.set_user_attr("best_epoch", best.best_epochs)
        return best.best_value

    if n_trials > done:
        study.optimize(objective, n_trials=n_trials - done)
    return _summarise(study, out_dir, metric)


def _open_study(out_dir: Path, seed: int, direction: str):
    """Load or create the SQLite study; a trial left running by a killed process is failed and queued again."""
    import optuna

    out_dir.mkdir(parents=True, exist_ok=True)
    storage = f"sqlite:///{(out_dir / 'optuna.db').resolve()}"
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, direction=direction, load_if_exists=True)
    # The sampler's random state is not stored; offsetting the seed by the trials so far keeps a resumed
    # search from redrawing the first trial's parameters, and stays deterministic.
    study.sampler = optuna.samplers.TPESampler(seed=seed + len(study.trials))
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        log.warning("trial %d was cut off; trying its parameters again", trial.number)
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
        study.enqueue_trial(trial.params)
    return study


def _key(params: dict) -> str:
    """Folder key of a point: a retried point (same parameters) finds and resumes its checkpoints."""
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def _trial_history(
    make_classifier, train, val, base_config: TrainConfig, params: dict, seed: int, trial_dir: Path, progress: bool
) -> pd.DataFrame:
    """Train one point of the space; its per-epoch history with the parameters as columns."""
    config = base_config.replace(
        lr=params["lr"],
        epochs=params["max_epochs"],
        batch_size=params["batch_size"],
        warmup_ratio=params["warmup_ratio"],
        seed=seed,
        metric_for_best=None,
        early_stopping_patience=None,
    )
    write_text_atomic(trial_dir / "params.json", json.dumps(params, indent=2) + "\n")
    history = run_trial(make_classifier, train, val, config, trial_dir, progress)
    return history.assign(**params)[[*PARAMS, "epoch", "metric", "value"]]


def _summarise(study, out_dir: Path, metric: str) -> SearchResult:
    """Combined per-epoch history of the finished trials, and the best candidate by the grid's rule."""
    import optuna

    parts = []
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        path = out_dir / trial.user_attrs["dir"] / TRIAL_FILE
        if not path.is_file():
            raise InputError(f"{path}: history of finished trial {trial.number} is missing")
        parts.append(pd.read_csv(path, sep="\t").assign(trial=trial.number, **_params(trial)))
    history = pd.concat(parts, ignore_index=True)[["trial", *PARAMS, "epoch", "metric", "value"]]
    with atomic_path(out_dir / "history.tsv") as tmp:
        history.to_csv(tmp, sep="\t", index=False)
    return choose_best(history, metric, params=("lr", "batch_size", "warmup_ratio", "max_epochs", "trial"))


def _params(trial) -> dict:
    return {k: trial.params[k] for k in PARAMS}
