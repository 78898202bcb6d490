"""optuna search: seeded, every epoch scored, the grid's rule, resumable from its SQLite study."""

from dataclasses import replace

import pytest

from enhancerlm.search import SearchSetup, SearchSpace, optuna_search
from enhancerlm.train import TrainConfig

SPACE = SearchSpace(lr=(1e-4, 1e-2), max_epochs=(1, 2), batch_size=(8, 16), warmup_ratio=(0.0, 0.1))
BASE = TrainConfig(batch_size=8)


def test_two_trials_then_resume_adds_only_what_is_missing(factory, toy, tmp_path):
    setup = SearchSetup(out_dir=tmp_path, subset_per_class=20, seed=1, base_config=BASE, progress=False)
    result = optuna_search(factory, toy, setup, n_trials=2, space=SPACE)
    history = result.history
    assert list(history.columns) == [
        "trial",
        "lr",
        "batch_size",
        "warmup_ratio",
        "max_epochs",
        "epoch",
        "metric",
        "value",
    ]
    assert sorted(history.trial.unique()) == [0, 1] and len(factory.seeds) == 2
    per_trial = history[history.metric == "val_mcc"].groupby("trial")
    assert (per_trial.epoch.max() == per_trial.max_epochs.first()).all()  # every epoch of every trial scored
    assert 1e-4 <= result.best_lr <= 1e-2 and result.best_params["batch_size"] in (8, 16)
    mcc = history[history.metric == "val_mcc"]
    assert result.best_value == mcc.value.max()
    assert result.best_epochs == mcc[mcc.value == mcc.value.max()].epoch.min()

    again = optuna_search(factory, toy, setup, n_trials=2, space=SPACE)
    assert len(factory.seeds) == 2 and again.best_params == result.best_params
    more = optuna_search(factory, toy, setup, n_trials=3, space=SPACE)
    assert len(factory.seeds) == 3 and sorted(more.history.trial.unique()) == [0, 1, 2]
    # The resumed sampler is reseeded past the trials so far: trial 2 is a new point, not trial 0 again.
    lrs = more.history.groupby("trial").lr.first()
    assert lrs[2] not in (lrs[0], lrs[1])


def test_seeded_sampler_repeats_its_draws(factory, toy, tmp_path):
    setup = SearchSetup(out_dir=tmp_path / "a", subset_per_class=20, seed=5, base_config=BASE, progress=False)
    first = optuna_search(factory, toy, setup, n_trials=1, space=SPACE)
    second = optuna_search(factory, toy, replace(setup, out_dir=tmp_path / "b"), n_trials=1, space=SPACE)
    assert first.best_params == second.best_params


def test_trial_cut_off_by_a_killed_process_is_retried_with_its_parameters(factory, toy, tmp_path):
    import optuna

    from enhancerlm.search.optuna_search import STUDY_NAME

    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, direction="maximize")
    stale = study.ask()  # left RUNNING, as by a process killed mid-trial
    params = SPACE.suggest(stale)
    setup = SearchSetup(out_dir=tmp_path, subset_per_class=20, base_config=BASE, progress=False)
    result = optuna_search(factory, toy, setup, n_trials=1, space=SPACE)
    assert len(factory.seeds) == 1
    row = result.history.iloc[0]
    assert {k: row[k].item() for k in params} == pytest.approx(params)
    states = [t.state for t in optuna.load_study(study_name=STUDY_NAME, storage=storage).trials]
    assert states == [optuna.trial.TrialState.FAIL, optuna.trial.TrialState.COMPLETE]
