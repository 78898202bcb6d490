"""Search tests: one torch thread, a trial-counting classifier factory and a separable toy task."""

import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


class CountingFactory:
    """``make_classifier(seed)`` for searches that also counts the trials it started."""

    def __init__(self, make):
        self.make = make
        self.seeds: list[int] = []

    def __call__(self, seed: int):
        self.seeds.append(seed)
        return self.make(seed)


@pytest.fixture
def factory(make_tiny):
    return CountingFactory(make_tiny)


@pytest.fixture
def toy(make_toy):
    """40 sequences per class of a separable toy task."""
    return make_toy(40, seed=0)
