"""PretrainConfig: every setting checked against its declaration; unknown keys named."""

from __future__ import annotations

import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.train.pretrain_config import PretrainConfig


@pytest.mark.parametrize("bad", [{"max_steps": 0}, {"mask_rate": 0.0}, {"eval_fraction": 1.0}, {"epochs": True}])
def test_bad_settings_are_config_errors(bad):
    with pytest.raises(ConfigError):
        PretrainConfig(**bad)
    with pytest.raises(ConfigError, match="unknown"):
        PretrainConfig.from_dict({"learning_rate": 1e-4})
