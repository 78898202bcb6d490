"""Training tests run on one torch thread (fixtures `make_tiny`, `make_toy` live in tests/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield
