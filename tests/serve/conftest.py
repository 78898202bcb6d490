"""A finished tiny `enhancerlm run` (real run folder: model, metrics, audit, config) and the app serving it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app as cli
from enhancerlm.data.generate.synthetic import make_synthetic
from tests.helpers import fast_training, split_with_copies, write_by_label


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A run folder from 32 + 32 training sequences of 80 bp, one epoch, no search (about 10 s)."""
    folder = tmp_path_factory.mktemp("serve-run")
    table = make_synthetic(n_per_class=40, length_bp=80, seed=3, n_sites=(1, 2)).table
    train, test = split_with_copies(table, 8)
    write_by_label(folder, train)
    test[["id", "sequence", "label"]].to_csv(folder / "test.tsv", sep="\t", index=False)
    args = ["run", "--train", f"{folder}/enhancer.fa:enhancer", "--train", f"{folder}/not_enhancer.fa:not_enhancer"]
    args += ["--test", f"{folder}/test.tsv", "--out", str(folder / "out"), *fast_training(batch_size=16)]
    args += ["--n-boot", "20"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return folder / "out"


@pytest.fixture(scope="session")
def served(tiny_run):
    from enhancerlm.serve.served import load_served_model

    return load_served_model(tiny_run / "model")


@pytest.fixture(scope="session")
def training_seqs(tiny_run):
    from enhancerlm.sequences.spec import read_specs

    return read_specs([f"{tiny_run.parent}/enhancer.fa"], label_column=None)["sequence"].tolist()


@pytest.fixture
def make_client(served):
    """Factory: ``make_client(limits=None)`` -> a TestClient of a fresh app (its own queue and worker)."""
    from starlette.testclient import TestClient

    from enhancerlm.serve.app import create_app

    clients = []

    def make(limits=None):
        client = TestClient(create_app(served, limits))
        clients.append(client.__enter__())
        return clients[-1]

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()
