"""The offline demo: its data keep the test set out of pre-training; the whole story runs at a tiny size."""

from __future__ import annotations

import json

import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.experiment.config import DemoConfig, RunConfig
from enhancerlm.experiment.demo import run_demo, write_demo_data
from enhancerlm.sequences.spec import read_specs


def test_demo_data_are_split_and_the_test_set_stays_out_of_pretraining(tmp_path):
    specs = write_demo_data(tmp_path / "data", DemoConfig(n_per_class=20, length_bp=80))
    train, test = read_specs(specs["train"], "train"), read_specs(specs["test"], "test")
    assert (len(train), len(test)) == (32, 8) and set(test["label"]) == {"enhancer", "not_enhancer"}
    corpus = (tmp_path / "data" / "pretrain.fa").read_text()
    assert all(seq in corpus for seq in train["sequence"]) and not any(seq in corpus for seq in test["sequence"])


def test_demo_settings_reach_the_run_by_name():
    # seed, search_epochs, search_per_class, epochs and batch_size are RunConfig's own settings
    demo = DemoConfig(seed=3, batch_size=4)
    run = RunConfig.from_shared(demo, train=["a"], test=["b"], out="o")
    assert (run.seed, run.batch_size, run.epochs, run.search_epochs) == (3, 4, demo.epochs, demo.search_epochs)
    with pytest.raises(ConfigError, match="demo config: n_per_class=2 must be >= 10"):
        DemoConfig(n_per_class=2)


@pytest.mark.slow
def test_the_demo_runs_end_to_end_at_a_tiny_size(tmp_path, one_torch_thread):
    cfg = DemoConfig(
        n_per_class=24,
        length_bp=80,
        pretrain_steps=2,
        pretrain_crop_bp=80,
        search_epochs=1,
        search_per_class=8,
        epochs=1,
    )
    result = run_demo(tmp_path / "demo", cfg)
    assert result.report.is_file() and (tmp_path / "demo" / "pretrained" / "model.safetensors").is_file()
    metrics = json.loads((tmp_path / "demo" / "run" / "metrics.json").read_text())
    assert {"zero_shot", "fine_tuned"} <= set(metrics) and set(metrics["baselines"]) == {"kmer_lr", "gc"}
    with pytest.raises(ConfigError, match="not empty"):
        run_demo(tmp_path / "demo", cfg)
