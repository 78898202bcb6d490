"""Ensembles: the mean of their members' probabilities, saved and loaded member by member."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError, ModelNotFoundError
from enhancerlm.models import create_classifier, get_backbone, load_classifier
from enhancerlm.models.ensemble import EnsembleClassifier, Member
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.sequences.records import LabelMap
from enhancerlm.train.fit import fine_tune_member

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"], positive="enhancer")


@pytest.fixture(scope="module")
def toy():
    """GC-rich enhancers vs AT-rich background, 30 of each, 40-80 bp."""
    from enhancerlm.sequences.records import make_table

    rng = np.random.default_rng(0)
    seqs, labels = [], []
    for label, p in (("enhancer", [0.2, 0.3, 0.3, 0.2]), ("not_enhancer", [0.3, 0.2, 0.2, 0.3])):
        for _ in range(30):
            seqs.append("".join(rng.choice(list("ACGT"), int(rng.integers(40, 81)), p=p)))
            labels.append(label)
    return make_table([f"s{i}" for i in range(len(seqs))], seqs, labels)


def test_probabilities_are_the_mean_of_the_members(toy):
    ensemble = EnsembleClassifier(BINARY, [Member("kmer-lr"), Member("gc")], both_strands=False).fit(toy)
    members = [create_classifier(name, BINARY).fit(toy, seed=i) for i, name in enumerate(("kmer-lr", "gc"))]
    seqs = toy["sequence"].tolist()
    expected = np.mean([m.predict_proba(seqs) for m in members], axis=0)
    np.testing.assert_allclose(ensemble.predict_proba(seqs), expected, atol=1e-6)
    assert (ensemble.predict_proba(seqs).argmax(axis=1) == BINARY.encode(toy["label"])).mean() > 0.8


def test_a_neural_member_is_fine_tuned_and_scored_on_both_strands(toy, one_torch_thread):
    ensemble = EnsembleClassifier(BINARY, [Member("gc"), Member("cnn", lr=1e-3, epochs=1, batch_size=16)])
    ensemble.fit(toy, seed=3, train_member=fine_tune_member)
    cnn = ensemble.models[1]
    assert cnn.family == "cnn"
    seqs = toy["sequence"].tolist()[:8]
    rc = [reverse_complement(s) for s in seqs]
    expected = np.mean([(m.predict_proba(seqs) + m.predict_proba(rc)) / 2 for m in ensemble.models], axis=0)
    np.testing.assert_allclose(ensemble.predict_proba(seqs), expected, atol=1e-6)
    np.testing.assert_allclose(ensemble.predict_proba(rc), ensemble.predict_proba(seqs), atol=1e-6)


def test_save_and_load_give_the_same_probabilities(toy, tmp_path, one_torch_thread):
    ensemble = EnsembleClassifier(
        BINARY, [Member("kmer-lr"), Member("cnn", epochs=1, batch_size=16)], backbone="my-recipe"
    ).fit(toy, train_member=fine_tune_member)
    ensemble.save(tmp_path / "model")
    loaded = load_classifier(tmp_path / "model")
    assert isinstance(loaded, EnsembleClassifier) and loaded.backbone == "my-recipe"
    seqs = toy["sequence"].tolist()
    np.testing.assert_allclose(predict_proba(loaded, seqs), predict_proba(ensemble, seqs), atol=1e-6)


def test_a_missing_member_folder_is_named(toy, tmp_path):
    ensemble = EnsembleClassifier(BINARY, [Member("kmer-lr"), Member("gc")]).fit(toy)
    ensemble.save(tmp_path / "model")
    for folder in (tmp_path / "model" / "members").iterdir():
        if folder.name.endswith("gc"):
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()
    with pytest.raises(ModelNotFoundError, match="1-gc"):
        load_classifier(tmp_path / "model")


def test_a_neural_member_needs_a_trainer_before_any_member_is_trained(toy, monkeypatch):
    ensemble = EnsembleClassifier(BINARY, [Member("gc"), Member("cnn")])
    monkeypatch.setattr(EnsembleClassifier, "_fit_member", lambda *a: pytest.fail("a member was trained"))
    with pytest.raises(ConfigError, match="member.s. cnn are fine-tuned.*fit_classifier"):
        ensemble.fit(toy)


def test_unfitted_and_empty_ensembles_are_config_errors():
    with pytest.raises(ConfigError, match="at least one member"):
        EnsembleClassifier(BINARY, [])
    with pytest.raises(ConfigError, match="not trained"):
        EnsembleClassifier(BINARY, [Member("gc")]).predict_proba(["ACGT"])


def test_the_offline_recipe_is_the_documented_registry_entry():
    assert get_backbone("offline-best").family == "ensemble"
    model = create_classifier("offline-best", BINARY)
    assert isinstance(model, EnsembleClassifier) and model.both_strands
    assert [m.backbone for m in model.members] == ["gkm-lr", "kmer-lr"]  # docs/results.md: how it was chosen


def test_member_defaults_are_the_cnn_registry_recipe():
    recipe = get_backbone("cnn").finetune
    member = Member("cnn")
    assert (
        (member.lr, member.epochs, member.batch_size) == (recipe.lr, recipe.epochs, recipe.batch_size) == (1e-3, 10, 64)
    )
