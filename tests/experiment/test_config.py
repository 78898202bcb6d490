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
    assert cfg.batch_size == 8  # default, the study's
    assert cfg.search_lrs == [1e-4, 2e-4]


def test_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown config key\(s\) \['learning_rate'\]"):
        from_dict({"learning_rate": 1e-5})


@pytest.mark.parametrize("key,value,message", [
    ("val_fraction", 1.5, "val_fraction"), ("batch_size", 0, "batch_size"), ("lr", -1.0, "lr"),
])
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
