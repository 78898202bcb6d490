"""A saved model's run folder: where it is, and the length of the records it was trained on."""

import json

from enhancerlm.experiment.folder import run_folder, training_length_bp
from enhancerlm.variants.config import DEFAULT_WINDOW_BP, VariantConfig


def _run(tmp_path, train_stats):
    (tmp_path / "model").mkdir()
    (tmp_path / "audit").mkdir()
    (tmp_path / "metrics.json").write_text("{}")
    (tmp_path / "audit" / "audit.json").write_text(json.dumps({"length_stats": {"train": train_stats}}))
    return tmp_path / "model"


def test_training_length_is_the_count_weighted_mean(tmp_path):
    model = _run(tmp_path, {"enhancer": {"count": 1, "mean": 300.0}, "not_enhancer": {"count": 3, "mean": 100.0}})
    assert run_folder(model) == tmp_path.resolve()
    assert training_length_bp(model) == 150


def test_no_run_folder_no_length(tmp_path):
    (tmp_path / "model").mkdir()
    assert run_folder(tmp_path / "model") is None and training_length_bp(tmp_path / "model") is None


def test_variant_window_of_a_model_without_a_limit_is_its_training_length():
    assert VariantConfig().for_model(None, 200).window_bp == 200
    assert VariantConfig().for_model(None, None).window_bp == DEFAULT_WINDOW_BP
    assert VariantConfig().for_model(515, 200).window_bp == 515  # a model's own limit comes first
    assert VariantConfig(window_bp=80).for_model(None, 200).window_bp == 80
