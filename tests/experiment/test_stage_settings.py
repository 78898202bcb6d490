"""Stage rules that need no model: which lr/epochs the final fine-tune uses, which epoch it keeps."""

from __future__ import annotations

import importlib
import inspect
from types import SimpleNamespace

import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.experiment.config import RunConfig, resolve_run_config
from enhancerlm.experiment.fitting import (
    Setting,
    best_epoch_metric,
    choose_setting,
    search_stage,
    task_metric,
    with_task_metrics,
)
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task

SEARCH = SimpleNamespace(best_lr=3e-4, best_epochs=2)


def resolved(**given):
    return resolve_run_config(RunConfig(train=["a"], test=["b"], out="o", backbone="tiny-dnabert-6", **given))


def test_the_search_beats_the_backbone_and_the_user_beats_the_search():
    cfg, sources = resolved()
    assert choose_setting(cfg, SEARCH, sources) == Setting(3e-4, 2, {"lr": "search", "epochs": "search"})
    assert choose_setting(cfg, None, sources) == Setting(1e-3, 6, {"lr": "backbone", "epochs": "backbone"})
    cfg, sources = resolved(lr=5e-4)
    assert choose_setting(cfg, SEARCH, sources) == Setting(5e-4, 2, {"lr": "given", "epochs": "search"})


def test_no_search_when_the_user_fixed_both(tmp_path):
    cfg, sources = resolved(lr=5e-4, epochs=3)
    fixed = [k for k, v in sources.items() if v == "given"]
    assert search_stage(cfg, None, None, tmp_path, fixed) is None  # returns before touching data or models


def test_a_closed_form_backbone_has_no_setting():
    cfg, sources = resolve_run_config(RunConfig(train=["a"], test=["b"], out="o", backbone="gc"))
    assert choose_setting(cfg, None, sources) == Setting(None, None, {"lr": "unused", "epochs": "unused"})


@pytest.mark.parametrize(
    "metric,patience,has_val,expected",
    [
        ("auroc", None, True, "auroc"),
        ("auroc", 2, True, "auroc"),
        ("last", None, True, None),
        ("last", 2, True, "mcc"),
        ("auroc", None, False, None),
    ],
)
def test_the_epoch_kept(metric, patience, has_val, expected):
    assert best_epoch_metric(metric, patience, has_val) == expected


def test_a_binary_metric_of_the_registry_means_its_macro_average_with_three_classes():
    assert best_epoch_metric("auroc", None, True, n_classes=3) == "auroc_macro"
    assert task_metric("mcc", 3) == "mcc" and task_metric("auroc", 2) == "auroc"


def test_an_optuna_search_is_called_as_optuna_search_takes_it_with_search_epochs_bounding_a_trial(
    tmp_path, monkeypatch
):
    # search_stage passed max_epochs=, which optuna_search does not take: every --search-trials run died there.
    module = importlib.import_module("enhancerlm.search.optuna_search")  # the package re-exports the function
    real, calls = module.optuna_search, []

    def fake(*args, **kwargs):
        inspect.signature(real).bind(*args, **kwargs)  # a TypeError here is the one the real call raised
        calls.append(kwargs)
        return "searched"

    monkeypatch.setattr(module, "optuna_search", fake)
    cfg, sources = resolved(search_trials=3)
    assert search_stage(cfg, LabelMap.from_labels(["enhancer", "other"]), None, tmp_path) == "searched"
    assert calls[0]["n_trials"] == 3
    assert calls[0]["space"].max_epochs == (1, cfg.search_epochs) == (1, 6)  # tiny-dnabert-6's search_epochs


MULTILABEL = Task("multilabel", ("heart", "liver"))
REGRESSION = Task("regression", ("activity",))


def test_a_multi_output_task_ranks_by_its_own_metric_unless_the_user_chose_one():
    assert task_metric("mcc", MULTILABEL, chosen=False) == "auprc_macro"  # a registry entry's binary metric
    assert task_metric("auroc", MULTILABEL) == "auroc_macro" and task_metric("loss", REGRESSION) == "loss"
    assert task_metric("r2", REGRESSION) == "r2" and task_metric("auroc", Task("binary", ("a", "b"))) == "auroc"
    with pytest.raises(ConfigError, match=r"metric 'mcc' is not a metric of a regression task; choose one of"):
        task_metric("mcc", REGRESSION)
    assert best_epoch_metric("last", 2, True, REGRESSION) == "spearman"  # early stopping needs one


def test_with_task_metrics_replaces_the_backbone_s_metrics_and_says_so():
    cfg, sources = resolved()
    assert (cfg.search_metric, sources["search_metric"]) == ("auroc", "backbone")
    cfg_ml, sources_ml = with_task_metrics(cfg, MULTILABEL, sources)
    assert cfg_ml.search_metric == "auprc_macro" and sources_ml["search_metric"] == "task"
    assert with_task_metrics(cfg, Task("binary", ("a", "b")), sources) == (cfg, sources)  # binary as before
    chosen, chosen_sources = resolved(search_metric="auroc", metric_for_best="pearson")
    kept, kept_sources = with_task_metrics(chosen, REGRESSION, chosen_sources | {"search_metric": "default"})
    assert (kept.search_metric, kept.metric_for_best) == ("spearman", "pearson")
    assert kept_sources["metric_for_best"] == "given"


def test_label_and_target_columns_are_comma_separated_or_repeated_and_exclusive():
    cfg = RunConfig(train=["a"], test=["b"], out="o", label_columns=["heart,liver", "noise"])
    assert cfg.label_columns == ["heart", "liver", "noise"]
    with pytest.raises(ConfigError, match="a run has one task"):
        RunConfig(label_columns=["a"], target_columns=["x"])
    with pytest.raises(ConfigError, match="task"):
        RunConfig(task="ordinal")
