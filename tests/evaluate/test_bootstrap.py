"""Bootstrap intervals: vectorised replicate metrics equal scikit-learn, determinism, evaluation blocks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from enhancerlm.errors import InputError
from enhancerlm.evaluate import bootstrap
from enhancerlm.evaluate.bootstrap import bootstrap_ci, bootstrap_weights, evaluate
from enhancerlm.evaluate.metrics import BINARY_METRICS, MULTICLASS_METRICS, compute_metrics
from enhancerlm.evaluate.resampled import resampled_metrics

NAMES = ["not_enhancer", "enhancer"]


def _binary_set(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.round(np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1), 2)  # rounding makes tied scores
    return y, np.column_stack([1 - score, score])


def _multiclass_set(n: int, k: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 1.0
    return y, np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("make", "names", "metric_names"),
    [
        (_binary_set, NAMES, BINARY_METRICS),
        (_multiclass_set, ["a", "b", "c"], MULTICLASS_METRICS),
    ],
)
def test_replicate_metrics_equal_sklearn_on_the_resampled_set(make, names, metric_names):
    y, proba = make(200)
    rng = np.random.default_rng(7)
    idx = [rng.integers(0, 200, 200) for _ in range(3)]
    weights = np.stack([np.ones(200)] + [np.bincount(i, minlength=200) for i in idx])
    got = resampled_metrics(y, proba, weights, metric_names)
    sets = [(y, proba)] + [(y[i], proba[i]) for i in idx]
    for b, (y_b, p_b) in enumerate(sets):
        expected = compute_metrics(y_b, p_b, names)
        for name in metric_names:
            assert got[name][b] == pytest.approx(expected[name], abs=1e-12), (b, name)


def test_replicate_with_one_class_has_nan_auroc():
    y, proba = _binary_set(20)
    only_negatives = (y == 0).astype(float)[None, :]
    got = resampled_metrics(y, proba, only_negatives, ["auroc", "auprc", "precision"])
    assert np.isnan(got["auroc"][0]) and np.isnan(got["auprc"][0]) and got["precision"][0] == 0.0


def test_bootstrap_weights_resample_n_examples_per_replicate_in_chunks(monkeypatch):
    monkeypatch.setattr(bootstrap, "_CHUNK_CELLS", 10)  # 10 cells / 4 examples -> 2 replicates per chunk
    chunks = list(bootstrap_weights(n=4, n_boot=5, seed=0))
    assert [c.shape for c in chunks] == [(2, 4), (2, 4), (1, 4)]
    assert all((c.sum(axis=1) == 4).all() for c in chunks)


def test_chunking_does_not_change_the_intervals(monkeypatch):
    y, proba = _binary_set(50)
    whole = bootstrap_ci(y, proba, n_boot=40, seed=3)
    monkeypatch.setattr(bootstrap, "_CHUNK_CELLS", 50 * 7)  # chunks of 7 replicates
    assert bootstrap_ci(y, proba, n_boot=40, seed=3) == whole


def test_intervals_contain_the_point_estimate_and_have_the_expected_width():
    y, proba = _binary_set(2000)
    point = compute_metrics(y, proba, NAMES)
    ci = bootstrap_ci(y, proba, n_boot=1000, seed=0)
    assert set(ci) == set(BINARY_METRICS)
    for name, (low, high) in ci.items():
        assert low <= point[name] <= high, name
    # The normal approximation of a proportion's 95% interval: 2 * 1.96 * sqrt(p (1 - p) / n).
    expected_width = 2 * 1.96 * np.sqrt(point["accuracy"] * (1 - point["accuracy"]) / 2000)
    assert ci["accuracy"][1] - ci["accuracy"][0] == pytest.approx(expected_width, rel=0.15)


def test_intervals_are_deterministic_with_a_seed():
    y, proba = _multiclass_set(300)
    first = bootstrap_ci(y, proba, n_boot=200, seed=5)
    assert bootstrap_ci(y, proba, n_boot=200, seed=5) == first
    assert bootstrap_ci(y, proba, n_boot=200, seed=6) != first
    assert set(first) == set(MULTICLASS_METRICS)


def test_wider_level_gives_wider_interval():
    y, proba = _binary_set(300)
    ci95 = bootstrap_ci(y, proba, ["mcc"], n_boot=500, alpha=0.05)["mcc"]
    ci50 = bootstrap_ci(y, proba, ["mcc"], n_boot=500, alpha=0.5)["mcc"]
    assert ci95[0] < ci50[0] < ci50[1] < ci95[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric_names": ["auroc_macro"]}, "not available for 2 classes"),
        ({"n_boot": 0}, "n_boot"),
        ({"alpha": 1.5}, "alpha"),
    ],
)
def test_bad_bootstrap_arguments(kwargs, message):
    y, proba = _binary_set(10)
    with pytest.raises(InputError, match=message):
        bootstrap_ci(y, proba, **kwargs)


def test_evaluate_block_has_metrics_intervals_and_novel_subset():
    y, proba = _binary_set(400)
    novel = np.arange(400) % 3 == 0
    block = evaluate(y, proba, NAMES, novel_mask=novel, n_boot=200, seed=1)
    assert block["accuracy"] == compute_metrics(y, proba, NAMES)["accuracy"]
    assert set(block["ci"]) == set(BINARY_METRICS)
    assert block["bootstrap"] == {
        "method": "percentile",
        "resample": "examples",
        "n_boot": 200,
        "seed": 1,
        "level": 0.95,
    }
    sub = block["novel"]
    assert sub["n"] == novel.sum() and sub["fraction_of_test"] == pytest.approx(novel.mean())
    assert sub["auroc"] == compute_metrics(y[novel], proba[novel], NAMES)["auroc"]
    assert sub["ci"]["auroc"][0] <= sub["auroc"] <= sub["ci"]["auroc"][1]
    json.dumps(block, allow_nan=False)


def test_evaluate_without_mask_has_no_novel_block():
    y, proba = _binary_set(50)
    assert evaluate(y, proba, NAMES, n_boot=50)["novel"] is None


def test_empty_novel_subset_is_reported_not_raised():
    y, proba = _binary_set(50)
    block = evaluate(y, proba, NAMES, novel_mask=np.zeros(50, bool), n_boot=50)
    assert block["novel"]["n"] == 0 and "no novel test sequence" in block["novel"]["skipped"]


def test_one_class_novel_subset_says_so_in_the_block():
    y, proba = _binary_set(100)
    block = evaluate(y, proba, NAMES, novel_mask=(y == 1), n_boot=100)
    novel = block["novel"]
    assert novel["auroc"] is None and novel["ci"]["auroc"] is None and "auroc" in novel["undefined"]
    assert novel["ci"]["recall"] is not None
    assert any("absent" in w for w in novel["warnings"])
    json.dumps(block, allow_nan=False)


def test_small_set_carries_a_warning():
    y, proba = _binary_set(12)
    assert any("only 12 examples" in w for w in evaluate(y, proba, NAMES, n_boot=50)["warnings"])


def test_bad_novel_mask():
    y, proba = _binary_set(10)
    with pytest.raises(InputError, match="novel_mask"):
        evaluate(y, proba, NAMES, novel_mask=np.ones(9, bool))
    with pytest.raises(InputError, match="novel_mask"):
        evaluate(y, proba, NAMES, novel_mask=np.ones(10, int))
