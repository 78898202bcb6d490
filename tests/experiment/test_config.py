"""Run settings: defaults < config file < flags; unknown keys and bad values are errors."""

from __future__ import annotations

import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.experiment.config import RunConfig, from_dict


def test_precedence_defaults_file_flags(tmp_path):
    file = tmp_path / "run.yaml"
    file.write_text("train: [a.fa:enhancer]\ntest: [t.tsv]\nout: o\nlr: 3e-5\nepochs: 4\nsearch_lrs: [1e-4, 2e-4]\n")
    cfg = RunConfig.from_sources(file, {"epochs": 2, "lr": None, "batch_size": None})
    assert cfg.lr == 3e-5 and isinstance(cfg.lr, float)  # YAML reads 3e-5 as a string
    assert cfg.epochs == 2  # the flag wins
    assert cfg.batch_size is None  # not given: from the backbone, filled by resolve_run_config
    assert cfg.search_lrs == [1e-4, 2e-4]


def test_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"^run config: unknown key\(s\) \['learning_rate'\]"):
        from_dict({"learning_rate": 1e-5})


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("val_fraction", 1.5, "val_fraction"),
        ("batch_size", 0, "batch_size"),
        ("lr", -1.0, "lr"),
    ],
)
def test_bad_values(key, value, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_sources(None, {"train": ["a"], "test": ["b"], "out": "o", key: value})


def test_missing_inputs_and_bad_types():
    with pytest.raises(ConfigError, match="--train"):
        RunConfig.from_sources(None, {"test": ["b"], "out": "o"})
    with pytest.raises(ConfigError, match="'epochs'"):
        from_dict({"epochs": "many"})
    with pytest.raises(ConfigError, match="'dedup'"):
        from_dict({"dedup": "yes"})


def _study(**changes):
    from enhancerlm.models.registry import FinetuneDefaults

    return FinetuneDefaults(**changes)


def test_backbone_defaults_fill_only_unset_fields_and_say_so(tmp_path):
    """default < backbone < file < flag, field by field, with the source of each recorded."""
    from enhancerlm.experiment.config import read_run_config, with_backbone_defaults

    file = tmp_path / "run.yaml"
    file.write_text("train: [a.fa:x]\ntest: [t.fa:y]\nout: o\nlr: 2e-4\nepochs: 3\nseed: 5\n")
    cfg, sources = read_run_config(file, {"epochs": 7, "batch_size": 16, "lr": None, "search_lrs": []})
    backbone = _study(
        lr=1e-3,
        epochs=6,
        batch_size=32,
        search_lrs=(1e-3, 3e-4),
        search_epochs=4,
        search_metric="auroc",
        warmup_ratio=0.2,
        metric_for_best="auroc",
    )
    resolved, sources = with_backbone_defaults(cfg, backbone, sources)
    assert (resolved.lr, resolved.epochs, resolved.batch_size) == (2e-4, 7, 16)  # file, flag over file, flag
    assert resolved.search_lrs == [1e-3, 3e-4] and resolved.search_epochs == 4  # backbone
    assert (resolved.search_metric, resolved.warmup_ratio, resolved.metric_for_best) == ("auroc", 0.2, "auroc")
    assert {k: sources[k] for k in ("lr", "epochs", "batch_size", "search_lrs", "seed", "weight_decay", "train")} == {
        "lr": "file",
        "epochs": "flag",
        "batch_size": "flag",
        "search_lrs": "backbone",
        "seed": "file",
        "weight_decay": "default",
        "train": "file",
    }
    assert {sources[k] for k in ("search_epochs", "search_metric", "warmup_ratio", "metric_for_best")} == {"backbone"}
    assert cfg.batch_size == 16 and cfg.search_lrs is None  # the input is left as it was


def test_backbone_fields_are_the_registry_defaults_fields():
    from dataclasses import fields

    from enhancerlm.experiment.config import BACKBONE_FIELDS
    from enhancerlm.models.registry import FinetuneDefaults

    assert BACKBONE_FIELDS == tuple(f.name for f in fields(FinetuneDefaults))
    assert all(getattr(RunConfig(), name) is None for name in BACKBONE_FIELDS)


def test_tiny_model_without_search_gets_its_own_recipe_not_the_studys():
    from enhancerlm.experiment.config import read_run_config, resolve_run_config

    cfg, sources = read_run_config(
        None, {"train": ["a"], "test": ["b"], "out": "o", "backbone": "tiny-dnabert-6", "search": False}
    )
    resolved, sources = resolve_run_config(cfg, sources)
    assert (resolved.lr, resolved.epochs, resolved.batch_size, resolved.warmup_ratio) == (1e-3, 6, 32, 0.1)
    assert (resolved.search_lrs, resolved.search_metric, resolved.metric_for_best) == ([1e-3, 3e-4], "auroc", "mcc")
    assert sources["lr"] == sources["epochs"] == sources["batch_size"] == "backbone"
    assert sources["search"] == "flag"


@pytest.mark.parametrize("backbone", ["dnabert-6", "dnabert-3", "someone/any-bert"])
def test_dnabert_and_unknown_hub_models_get_the_study_setting(backbone):
    """Resolved from the registry alone: no weights are read (the hub is not reachable in tests)."""
    from enhancerlm.experiment.config import resolve_run_config

    resolved, sources = resolve_run_config(RunConfig(train=["a"], test=["b"], out="o", backbone=backbone))
    assert (resolved.lr, resolved.epochs, resolved.batch_size) == (3e-5, 2, 8)
    assert (resolved.search_lrs, resolved.search_epochs) == ([5e-5, 4e-5, 3e-5, 2e-5], 5)
    assert (resolved.search_metric, resolved.metric_for_best) == ("mcc", "last")
    assert sources["lr"] == "backbone" and sources["out"] == "given" and sources["seed"] == "default"


def test_a_run_model_folder_inherits_the_defaults_of_its_backbone(tmp_path):
    from enhancerlm.experiment.config import resolve_run_config

    (tmp_path / "enhancerlm.json").write_text('{"family": "dnabert", "backbone": "tiny-dnabert-6"}')
    resolved, _ = resolve_run_config(RunConfig(train=["a"], test=["b"], out="o", backbone=str(tmp_path)))
    assert (resolved.lr, resolved.epochs, resolved.batch_size) == (1e-3, 6, 32)


def test_closed_form_backbones_leave_fine_tuning_settings_unused():
    from enhancerlm.experiment.config import resolve_run_config

    resolved, sources = resolve_run_config(RunConfig(train=["a"], test=["b"], out="o", backbone="kmer-lr", lr=1e-3))
    assert resolved.epochs is None and resolved.batch_size is None
    assert sources["epochs"] == "unused" and sources["lr"] == "given"


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("metric_for_best", "best", "metric_for_best='best'"),
        ("search_lrs", [1e-3, -1.0], r"search_lrs\[1\]"),
        ("epochs", 0, "epochs=0"),
    ],
)
def test_bad_backbone_field_values(key, value, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_sources(None, {"train": ["a"], "test": ["b"], "out": "o", key: value})


def test_reading_settings_strict_ids_and_min_length(tmp_path):
    file = tmp_path / "run.yaml"
    file.write_text("train: [a.fa:enhancer]\ntest: [t.tsv]\nout: o\nstrict_ids: true\nmin_length: '6'\n")
    cfg = RunConfig.from_sources(file, {})
    assert cfg.strict_ids is True and cfg.min_length == 6
    defaults = RunConfig.from_sources(None, {"train": ["a"], "test": ["t"], "out": "o"})
    assert defaults.strict_ids is False and defaults.min_length is None  # rename repeats, keep short records
    with pytest.raises(ConfigError, match=r"min_length=0 must be >= 1 \(bp\)"):
        RunConfig.from_sources(None, {"train": ["a"], "test": ["t"], "out": "o", "min_length": 0})


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"max_length": 16}, "max_length=16: backbone 'kmer-lr' reads whole sequences"),
        ({"mode": "probe"}, "mode=probe: backbone 'kmer-lr' has no transformer embeddings to probe"),
    ],
)
def test_resolving_refuses_settings_the_backbone_cannot_take(changes, message):
    from enhancerlm.experiment.config import resolve_run_config

    with pytest.raises(ConfigError, match=message):
        resolve_run_config(RunConfig(train=["a"], test=["b"], out="o", backbone="kmer-lr", **changes))
    resolved, _ = resolve_run_config(
        RunConfig(train=["a"], test=["b"], out="o", **changes)
    )  # tiny-dnabert-6 takes both
    assert resolved.max_length == changes.get("max_length")
