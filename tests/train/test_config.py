"""TrainConfig: typed values, unknown keys and bad values are errors naming them."""

import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.train import TrainConfig


def test_unknown_keys_are_named():
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['epoch', 'learning_rate'\]"):
        TrainConfig.from_dict({"epoch": 3, "learning_rate": 1e-4, "lr": 1e-4})


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("epochs", 0, "epochs=0 must be >= 1"),
        ("epochs", True, "epochs=True must be int"),
        ("epochs", 2.5, "epochs=2.5 must be int"),
        ("lr", -1e-5, "lr=-1e-05 must be >= 0"),
        ("lr", "3e-5", "lr='3e-5' must be float"),
        ("warmup_ratio", 1.0, r"warmup_ratio=1.0 must be >= 0 and < 1"),
        ("metric_for_best", "auc", "metric_for_best='auc' must be one of"),
        ("bf16", "yes", "bf16='yes' must be one of"),
        ("long_sequences", "truncate", "long_sequences='truncate' must be one of"),
        ("early_stopping_patience", 2, "early_stopping_patience needs metric_for_best"),
    ],
)
def test_bad_values_are_named(key, value, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_dict({key: value})


def test_round_trip_and_defaults():
    config = TrainConfig.from_dict({"lr": 1, "metric_for_best": "mcc", "early_stopping_patience": 2})
    assert config.lr == 1 and TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig().to_dict()["lr"] == 3e-5 and TrainConfig().bf16 == "auto"
    assert config.replace(lr=2e-5).lr == 2e-5


def test_effective_batch_is_batch_times_accumulation_times_devices():
    config = TrainConfig(batch_size=4, gradient_accumulation=2)
    assert config.effective_batch_size() == 8
    assert config.effective_batch_size(n_devices=3) == 24
