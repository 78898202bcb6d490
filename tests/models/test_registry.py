"""Registry entries carry the fine-tuning defaults that suit them (no weights are read here)."""

from __future__ import annotations

import pytest

from enhancerlm.models.registry import FinetuneDefaults, describe, get_backbone, list_backbones, resolve_backbone
from enhancerlm.train.config import BEST_METRICS


def test_the_study_setting_is_the_generic_default_and_dnabert_s():
    study = FinetuneDefaults(
        lr=3e-5,
        epochs=2,
        batch_size=8,
        search_lrs=(5e-5, 4e-5, 3e-5, 2e-5),
        search_epochs=5,
        search_metric="mcc",
        warmup_ratio=0.1,
        metric_for_best="last",
    )
    assert FinetuneDefaults() == study
    assert all(get_backbone(f"dnabert-{k}").finetune == study for k in (3, 4, 5, 6))
    assert resolve_backbone("someone/some-model")[0].finetune == study


@pytest.mark.parametrize(
    "name,lr,epochs,batch",
    [
        ("tiny-dnabert-6", 1e-3, 6, 32),
        ("cnn", 1e-3, 10, 64),
        ("dnabert-2", 3e-5, 5, 8),
        ("hyenadna-tiny-1k", 6e-4, 10, 32),
        ("nucleotide-transformer-500m-human-ref", 1e-5, 3, 8),
    ],
)
def test_families_with_their_own_recipe(name, lr, epochs, batch):
    defaults = get_backbone(name).finetune
    assert (defaults.lr, defaults.epochs, defaults.batch_size) == (lr, epochs, batch)


def test_closed_form_models_have_no_fine_tuning_and_every_other_entry_valid_settings():
    for spec in list_backbones():
        defaults = spec.finetune
        if spec.name in ("kmer-lr", "gkm-lr", "gc", "offline-best"):
            assert defaults is None
            continue
        assert defaults.lr > 0 and defaults.epochs >= 1 and defaults.batch_size >= 1 and defaults.search_lrs
        assert defaults.lr in defaults.search_lrs, spec.name  # the default is one the search would try
        assert defaults.search_metric in BEST_METRICS and defaults.metric_for_best in BEST_METRICS + ("last",)
        assert 0 <= defaults.warmup_ratio < 1


def test_describe_spells_the_defaults_out():
    assert describe(get_backbone("tiny-dnabert-6"))["finetune"]["lr"] == 1e-3
    assert describe(get_backbone("gc"))["finetune"] is None


@pytest.mark.parametrize("name, shortest", [("kmer-lr", 4), ("gkm-lr", 7), ("offline-best", 7), ("gc", None)])
def test_a_closed_form_entry_knows_the_shortest_input_its_model_has_a_feature_for(name, shortest):
    from enhancerlm.models import create_classifier
    from enhancerlm.sequences.records import LabelMap

    model = create_classifier(name, LabelMap.from_labels(["enhancer", "not_enhancer"]))
    assert get_backbone(name).short_below_bp == shortest  # known before a model exists (run's input checks)
    assert model.min_bp == (shortest or 1)  # what predict warns below


def test_a_tokenizers_k_is_the_shortest_input():
    assert get_backbone("dnabert-6").short_below_bp == 6 and get_backbone("cnn").short_below_bp is None
