"""One training entry point: closed-form fit, or split then fine-tune."""

from __future__ import annotations

import pandas as pd

from enhancerlm.models.registry import FinetuneDefaults, create_classifier
from enhancerlm.sequences.records import LabelMap
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.fit import fit_classifier, recipe_config

FAST = dict(lr=5e-3, batch_size=8, warmup_ratio=0.0)


def test_closed_form_models_fit_themselves_and_write_nothing(make_toy, tmp_path):
    train = make_toy(16)
    classifier = create_classifier("kmer-lr", LabelMap.from_labels(train["label"]))
    result = fit_classifier(
        classifier, train, tmp_path / "run", seed=0, val_fraction=0.25, config_for=lambda has_val: TrainConfig()
    )
    assert result.classifier is classifier and result.history is None and result.out_dir is None
    assert not (tmp_path / "run").exists()
    assert classifier.predict_proba(train["sequence"].tolist()[:2]).shape == (2, 2)


def test_neural_models_hold_out_validation_records_then_fine_tune(make_tiny, make_toy, tmp_path):
    train, asked = make_toy(8), []

    def config_for(has_val: bool) -> TrainConfig:
        asked.append(has_val)
        return TrainConfig(epochs=1, **FAST)

    result = fit_classifier(make_tiny(0), train, tmp_path / "run", seed=0, val_fraction=0.25, config_for=config_for)
    assert asked == [True] and result.out_dir == tmp_path / "run"
    split = pd.read_csv(tmp_path / "run" / "split.tsv", sep="\t")
    assert sorted(split["id"]) == sorted(train["id"]) and set(split["split"]) == {"train", "val"}
    assert (tmp_path / "run" / "model").is_dir() and len(result.history)


def test_recipe_config_copies_the_registry_recipe():
    recipe = FinetuneDefaults(lr=1e-3, epochs=10, batch_size=64, warmup_ratio=0.1)
    config = recipe_config(recipe, 7, "auroc", keep_checkpoints=1)
    assert (config.lr, config.epochs, config.batch_size, config.warmup_ratio, config.seed) == (1e-3, 10, 64, 0.1, 7)
    assert config.metric_for_best == "auroc" and config.keep_checkpoints == 1
