"""The run's time estimate: step counts from the settings, seconds per step from a few timed steps (fake clock)."""

from __future__ import annotations

import itertools
import logging

import pytest

from enhancerlm.experiment.config import RunConfig
from enhancerlm.experiment.estimate import Workload, estimate_stage, faster_options, run_workload
from enhancerlm.train.timing import StepTimes

# 40 + 40 training records, 20 test records; batch 8; search: 2 learning rates x 2 epochs on 10 + 10
SETTINGS = dict(
    batch_size=8, search_lrs=[1e-3, 3e-4], search_epochs=2, search_per_class=10, epochs=3, search_metric="mcc"
)


def config(**changes) -> RunConfig:
    return RunConfig(train=["x"], test=["y"], out="o", warmup_ratio=0.1, lr=1e-3, **{**SETTINGS, **changes})


def test_the_settings_imply_the_steps(make_toy):
    train = make_toy(40)
    # search: 20 records, 4 validation -> 16 train = 2 steps x 2 epochs x 2 trials; 4 scored x 2 epochs x 2 trials
    # fine-tune: 80 records, 8 validation -> 72 = 9 steps x 2 epochs (the search picks at most 2); 8 x 2 scored
    # scoring: 20 zero-shot + 20 test
    assert run_workload(config(), train, 20) == Workload(8, 18, 16 + 16 + 40, 100)
    # lr and epochs given: no search, the given 3 epochs
    assert run_workload(config(), train, 20, chosen=("lr", "epochs")) == Workload(0, 27, 24 + 40, 100)
    # both strands and a probe beside: test scored twice per model; the probe embeds train and test
    both = run_workload(config(both_strands=True, mode="both", zero_shot=False), train, 20, ("lr", "epochs"))
    assert both == Workload(0, 27, 24 + 40 + (80 + 40), 120)
    assert run_workload(config(mode="probe", gradient_accumulation=2), train, 20) == Workload(0, 0, 20 + 100, 100)


def test_the_estimate_is_steps_times_timed_seconds(make_tiny, make_toy, caplog, one_torch_thread):
    clock = itertools.count(0.0, 2.0).__next__  # every reading 2 s after the last: each timed step takes 2 s
    with caplog.at_level(logging.INFO, logger="enhancerlm.experiment.estimate"):
        work = estimate_stage(config(backbone="tiny-test"), make_toy(40), 20, (), make_tiny, clock=clock)
    # 26 steps x 2 s = 52 s; the forward pass of 8 sequences took 2 s: 72 sequences x 0.25 s = 18 s
    assert work.train_steps == 26 and work.scored == 72
    assert [r.getMessage() for r in caplog.records if r.name == "enhancerlm.experiment.estimate"] == [
        "time estimate: about 1.17 min for this run of tiny-test on the cpu (timed: 2 s per training step of "
        "8 sequences, 250 ms per sequence scored): training 8 search + 18 fine-tuning = 26 steps x 2 s = 52 s; "
        "scoring 72 sequences x 250 ms = 18 s"
    ]  # a small model: no advice


def test_a_probe_run_times_no_training_step(make_tiny, make_toy, caplog, one_torch_thread):
    clock = itertools.count(0.0, 2.0).__next__
    with caplog.at_level(logging.INFO, logger="enhancerlm.experiment.estimate"):
        work = estimate_stage(config(backbone="tiny-test", mode="probe"), make_toy(40), 20, (), make_tiny, clock=clock)
    assert work == Workload(0, 0, 20 + 100, 100)  # zero-shot 20; embeddings of 80 train + 20 test
    assert [r.getMessage() for r in caplog.records if r.name == "enhancerlm.experiment.estimate"] == [
        "time estimate: about 30 s for this run of tiny-test on the cpu (timed: 250 ms per sequence scored): "
        "scoring 120 sequences x 250 ms = 30 s"
    ]


@pytest.mark.parametrize("device, n_params", [("cpu", 89_000_000), ("cuda", 89_000_000), ("cpu", 1_200_000)])
def test_a_large_backbone_on_a_cpu_is_told_what_is_faster(device, n_params):
    times = StepTimes(train_step_s=17.5, scored_s=0.5, batch_size=8, device=device, n_params=n_params)
    advice = faster_options(Workload(400, 50, 1000, 300), times, config())
    if (device, n_params) != ("cpu", 89_000_000):
        assert advice is None
        return
    assert advice.startswith("89M parameters on a CPU is slow; faster: --mode probe (frozen embeddings")
    assert "no training: about 2.5 min)" in advice  # 300 sequences x 0.5 s
    assert "--quantize int8" in advice and "a GPU" in advice
    assert "--mode probe" not in faster_options(Workload(0, 0, 300, 300), times, config(mode="probe", quantize="int8"))
