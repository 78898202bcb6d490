"""Every family learns multi-label and regression tasks: heads, fits, outputs, save/load (binary/multi-class: the other tests)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.models import load_classifier
from enhancerlm.models.ensemble import EnsembleClassifier, Member
from enhancerlm.models.gc import GCClassifier
from enhancerlm.models.gkm_lr import GappedKmerLRClassifier
from enhancerlm.models.kmer_lr import KmerLRClassifier
from enhancerlm.models.probe import ProbeClassifier, write_probe_summary
from enhancerlm.models.registry import create_classifier
from enhancerlm.models.targets import TargetScale
from enhancerlm.models.task_heads import OneVsRestHead, RidgeHead
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.finetune import finetune
from tests.task_tables import (
    COMPOSITION_LABELS,
    MULTILABEL,
    REGRESSION,
    composition_table,
    motif_table,
    per_label_auroc,
    small_cnn,
    spearman,
    tiny_bert,
)

# Closed-form families with features small enough for the tests: (model of a task, table builder, labels).
CLOSED_FORM = {
    "kmer-lr": (lambda task: KmerLRClassifier(task, ks=(4,)), motif_table, MULTILABEL),
    "gkm-lr": (lambda task: GappedKmerLRClassifier(task, length=6, informative=4), motif_table, MULTILABEL),
    "gc": (GCClassifier, composition_table, COMPOSITION_LABELS),
}
PLANTED = {"kmer-lr": ("alpha", "beta"), "gkm-lr": ("alpha", "beta"), "gc": ("gc_rich",)}


@pytest.fixture(scope="module")
def fitted():
    """Each closed-form family fitted to its multi-label and regression training set (240 sequences)."""
    models = {}
    for name, (make, table, labels) in CLOSED_FORM.items():
        for kind, task in (("multilabel", labels), ("regression", REGRESSION)):
            models[name, kind] = make(task).fit(table(240, 1, kind), seed=0)
    return models


@pytest.mark.parametrize("backbone", ["tiny-dnabert-6", "cnn", "kmer-lr", "gkm-lr", "gc", "offline-best"])
@pytest.mark.parametrize("task", [MULTILABEL, REGRESSION], ids=["multilabel", "regression"])
def test_the_registry_creates_every_family_for_every_task(backbone, task):
    classifier = create_classifier(backbone, task)
    assert classifier.task == task
    if hasattr(classifier, "model"):  # transformers' heads: one output per label/target, the task's loss
        assert classifier.model.config.num_labels == task.n_outputs
        assert classifier.model.config.problem_type == task.problem_type


def test_a_family_that_cannot_learn_a_kind_says_so(monkeypatch):
    monkeypatch.setattr(GCClassifier, "task_kinds", ("binary", "multiclass"))
    with pytest.raises(ConfigError, match=r"family 'gc' learns binary, multiclass tasks, not regression \(activity\)"):
        create_classifier("gc", REGRESSION)


@pytest.mark.parametrize("name", list(CLOSED_FORM))
def test_closed_form_families_learn_each_planted_label_and_not_the_noise(fitted, name):
    _, table, labels = CLOSED_FORM[name]
    held_out = table(200, 2, "multilabel")
    model = fitted[name, "multilabel"]
    assert isinstance(model.head, OneVsRestHead) and len(model.head.heads) == 3
    auroc = per_label_auroc(labels, held_out, model.predict_outputs(held_out["sequence"].tolist()))
    assert all(auroc[label] > 0.85 for label in PLANTED[name]), auroc
    assert abs(auroc["noise"] - 0.5) < 0.15, auroc


@pytest.mark.parametrize("name", list(CLOSED_FORM))
def test_closed_form_families_predict_activity_in_the_user_s_units(fitted, name):
    _, table, _ = CLOSED_FORM[name]
    train, held_out = table(240, 1, "regression"), table(200, 2, "regression")
    model = fitted[name, "regression"]
    assert isinstance(model.head, RidgeHead)
    values = model.predict_outputs(held_out["sequence"].tolist())
    assert spearman(REGRESSION, held_out, values) > 0.8
    truth = REGRESSION.encode(train)
    assert abs(values.mean() - truth.mean()) < 0.5 * truth.std()  # not standardised values


def test_one_vs_rest_probabilities_are_each_label_s_own_logistic_regression(fitted):
    model = fitted["gc", "multilabel"]
    seqs = composition_table(20, 5)["sequence"].tolist()
    features = model.features(seqs)
    expected = np.column_stack([head.predict_proba(features)[:, 1] for head in model.head.heads])
    outputs = model.predict_outputs(seqs)
    np.testing.assert_allclose(outputs, expected, rtol=1e-6)
    assert not np.allclose(outputs.sum(axis=1), 1)  # labels do not compete as classes would


@pytest.mark.parametrize("kind", ["multilabel", "regression"])
@pytest.mark.parametrize("name", list(CLOSED_FORM))
def test_save_and_load_keep_the_task_and_the_outputs_exactly(fitted, name, kind, tmp_path):
    model = fitted[name, kind]
    model.save(tmp_path / "m")
    loaded = load_classifier(tmp_path / "m")
    assert type(loaded) is type(model) and loaded.task == model.task
    seqs = motif_table(12, 7)["sequence"].tolist()
    np.testing.assert_array_equal(loaded.predict_outputs(seqs), model.predict_outputs(seqs))
    assert json.loads((tmp_path / "m" / "enhancerlm.json").read_text())["task"] == model.task.to_dict()


def test_outputs_shapes_ranges_and_decisions_by_kind(fitted):
    seqs = composition_table(9, 8)["sequence"].tolist()
    labels, values = fitted["gc", "multilabel"], fitted["gc", "regression"]
    proba = labels.predict_proba(seqs)
    assert proba.shape == (9, 3) and proba.dtype == np.float32 and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_array_equal(labels.predict(seqs), (proba >= 0.5).astype(np.int8))
    assert values.predict_outputs(seqs).shape == (9, 1) and values.predict(seqs).dtype == np.float32
    with pytest.raises(ConfigError, match="predicts values"):
        values.predict_proba(seqs)


def test_missing_truth_is_an_error_unless_masked_and_then_left_out_of_that_label_only():
    table = motif_table(240, 1)
    table.loc[:59, "label:alpha"] = ""
    with pytest.raises(InputError, match="no value in 'label:alpha'"):
        KmerLRClassifier(MULTILABEL, ks=(4,)).fit(table)
    model = KmerLRClassifier(MULTILABEL, ks=(4,)).fit(table, mask_missing=True)
    held_out = motif_table(200, 2)
    auroc = per_label_auroc(MULTILABEL, held_out, model.predict_outputs(held_out["sequence"].tolist()))
    assert auroc["alpha"] > 0.8 and auroc["beta"] > 0.8


def test_a_label_with_one_outcome_is_named():
    table = motif_table(40, 1)
    table["label:beta"] = "0"
    with pytest.raises(InputError, match="label 'beta': training set: need at least 2 sequences of every class"):
        GCClassifier(MULTILABEL).fit(table)


@pytest.mark.parametrize("task", [COMPOSITION_LABELS, REGRESSION], ids=["multilabel", "regression"])
def test_the_probe_fits_the_task_head_on_frozen_embeddings(task, tmp_path, one_torch_thread):
    # A random-init BERT's mean-pooled embeddings carry composition only faintly: 200 bp records
    # average enough tokens for it to show (at 60 bp the planted labels reach an AUROC of ~0.68).
    kind = task.kind
    probe = ProbeClassifier(tiny_bert(task), task, "mean").fit(composition_table(200, 1, kind, length=200), seed=0)
    held_out = composition_table(150, 2, kind, length=200)
    outputs = probe.predict_outputs(held_out["sequence"].tolist())
    if kind == "multilabel":
        auroc = per_label_auroc(task, held_out, outputs)
        assert auroc["gc_rich"] > 0.8 and auroc["a_rich"] > 0.8 and abs(auroc["noise"] - 0.5) < 0.15, auroc
        assert len(write_probe_summary(probe, tmp_path / "probe.json")["C"]) == 3  # chosen per label
    else:
        assert spearman(task, held_out, outputs) > 0.5
        assert len(write_probe_summary(probe, tmp_path / "probe.json")["alpha"]) == 1
    probe.save(tmp_path / "probe")
    np.testing.assert_array_equal(load_classifier(tmp_path / "probe").predict_outputs(held_out["sequence"]), outputs)


@pytest.mark.parametrize("task", [MULTILABEL, REGRESSION], ids=["multilabel", "regression"])
def test_an_ensemble_averages_its_members_outputs(task, tmp_path):
    train = motif_table(60, 1, task.kind)
    ensemble = EnsembleClassifier(task, [Member("kmer-lr"), Member("gc")], both_strands=False).fit(train)
    seqs = motif_table(10, 3, task.kind)["sequence"].tolist()
    members = [m.predict_outputs(seqs) for m in ensemble.models]
    np.testing.assert_allclose(ensemble.predict_outputs(seqs), np.mean(members, axis=0), rtol=1e-6)
    ensemble.save(tmp_path / "e")
    loaded = load_classifier(tmp_path / "e")
    assert loaded.task == task
    np.testing.assert_array_equal(loaded.predict_outputs(seqs), ensemble.predict_outputs(seqs))


# Fine-tuned families: (model of a task, table builder, labels, training settings).
FINE_TUNED = {
    "cnn": (small_cnn, motif_table, MULTILABEL, {"epochs": 15, "lr": 3e-3}),
    "tiny-bert": (tiny_bert, composition_table, COMPOSITION_LABELS, {"epochs": 4, "lr": 1e-3}),
}


@pytest.mark.parametrize("kind", ["multilabel", "regression"])
@pytest.mark.parametrize("name", list(FINE_TUNED))
def test_fine_tuned_families_learn_the_task_and_round_trip(name, kind, tmp_path, one_torch_thread):
    make, table, labels, settings = FINE_TUNED[name]
    task = labels if kind == "multilabel" else REGRESSION
    config = TrainConfig(
        **settings, batch_size=16, warmup_ratio=0.0, metric_for_best=task.default_metric, keep_checkpoints=1
    )
    train, val, held_out = table(240, 1, kind), table(60, 3, kind), table(200, 2, kind)
    result = finetune(make(task), train, val, config, tmp_path / "run", progress=False)
    outputs = result.classifier.predict_outputs(held_out["sequence"].tolist())
    if kind == "multilabel":
        auroc = per_label_auroc(task, held_out, outputs)
        assert min(auroc[task.names[0]], auroc[task.names[1]]) > 0.8 and abs(auroc["noise"] - 0.5) < 0.15, auroc
    else:
        assert spearman(task, held_out, outputs) > 0.7
        scale = result.classifier.target_scale
        assert scale is not None and scale.mean[0] == pytest.approx(REGRESSION.encode(train).mean())
        assert abs(outputs.mean() - scale.mean[0]) < 2 * scale.scale[0]  # the user's units, not standardised ones
    loaded = load_classifier(tmp_path / "run" / "model")
    assert loaded.task == task and loaded.model.config.problem_type == task.problem_type
    np.testing.assert_array_equal(loaded.predict_outputs(held_out["sequence"].tolist()), outputs)


@pytest.mark.parametrize("task", [MULTILABEL, REGRESSION], ids=["multilabel", "regression"])
def test_hub_and_dnabert_folders_get_the_task_s_head_and_keep_it_when_saved(task, nt_folder, dnabert_folder, tmp_path):
    for i, folder in enumerate((nt_folder, dnabert_folder)):
        classifier = create_classifier(str(folder), task)
        config = classifier.model.config
        assert (config.num_labels, config.problem_type, classifier.task) == (task.n_outputs, task.problem_type, task)
        if task.kind == "regression":  # as the trainer leaves it: the training targets' mean and sd
            classifier.target_scale = TargetScale(np.array([100.0]), np.array([10.0]))
        seqs = motif_table(5, 4)["sequence"].tolist()
        outputs = classifier.predict_outputs(seqs)
        logits = classifier.predict_logits(seqs)
        expected = logits * 10 + 100 if task.kind == "regression" else 1 / (1 + np.exp(-logits.astype(np.float64)))
        np.testing.assert_allclose(outputs, expected, rtol=1e-6)
        classifier.save(tmp_path / str(i))
        loaded = load_classifier(tmp_path / str(i))
        assert loaded.task == task and loaded.model.config.problem_type == task.problem_type
        np.testing.assert_array_equal(loaded.predict_outputs(seqs), outputs)
