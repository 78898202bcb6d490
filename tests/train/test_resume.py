"""A run killed after its first epoch and resumed ends exactly where an uninterrupted run ends."""

import pytest
import torch
from transformers import TrainerCallback

from enhancerlm.train import TrainConfig
from enhancerlm.train.finetune import finetune


class Killed(Exception):
    """Stands in for the process dying."""


class DieAfterFirstCheckpoint(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        raise Killed(f"killed at step {state.global_step}")


def test_resumed_run_matches_uninterrupted_run(make_tiny, make_toy, tmp_path):
    train, val = make_toy(32, seed=0), make_toy(8, seed=1)
    # Dropout on, warm-up, length-grouped shuffling: every random stream must be restored to match.
    config = TrainConfig(epochs=3, lr=5e-3, batch_size=8, warmup_ratio=0.2, seed=7)
    whole = finetune(make_tiny(seed=1), train, val, config, tmp_path / "whole", progress=False)

    with pytest.raises(Killed, match="step 8"):
        finetune(
            make_tiny(seed=1),
            train,
            val,
            config,
            tmp_path / "cut",
            progress=False,
            callbacks=[DieAfterFirstCheckpoint()],
        )
    # A different initialisation proves the weights come from the checkpoint.
    resumed = finetune(make_tiny(seed=2), train, val, config, tmp_path / "cut", resume=True, progress=False)

    expected, got = whole.classifier.model.state_dict(), resumed.classifier.model.state_dict()
    assert max((expected[k] - got[k]).abs().max().item() for k in expected) <= 1e-6
    assert sorted(resumed.history.epoch.unique()) == [1.0, 2.0, 3.0]
    merged = whole.history.merge(resumed.history, on=["epoch", "metric"], validate="one_to_one")
    assert len(merged) == len(whole.history) == len(resumed.history)
    assert (merged.value_x - merged.value_y).abs().max() <= 1e-6
    # The uninterrupted run must have moved the weights, or the comparison above proves nothing.
    fresh = make_tiny(seed=1).model.state_dict()
    assert not torch.equal(fresh["classifier.weight"], expected["classifier.weight"])
