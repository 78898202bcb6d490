"""Length-sorted batching and model-state preservation shared by inference, attribution and training."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.models.hf import length_sorted_batches, preserved_model_state


def test_length_sorted_batches_are_shortest_first_and_stable():
    ids = [np.zeros(n) for n in (3, 1, 2, 1, 5)]
    assert [b.tolist() for b in length_sorted_batches(ids, 2)] == [[1, 3], [2, 0], [4]]
    assert list(length_sorted_batches([], 4)) == []


def test_preserved_model_state_evaluates_inside_and_puts_train_mode_back(make_tiny):
    classifier = make_tiny(0)
    classifier.model.train()
    with preserved_model_state(classifier, eval_mode=True) as model:
        assert model is classifier.model and not model.training
    assert classifier.model.training
    classifier.model.eval()
    with pytest.raises(RuntimeError), preserved_model_state(classifier):
        classifier.model.train()
        raise RuntimeError("inside")
    assert not classifier.model.training  # put back also on error


def test_preserved_model_state_restores_onto_a_swapped_in_model(make_tiny):
    classifier, other = make_tiny(0), make_tiny(1)
    classifier.model.eval()
    other.model.train()
    with preserved_model_state(classifier):
        classifier.model = other.model  # training hands back an unwrapped copy
    assert classifier.model is other.model and not other.model.training
