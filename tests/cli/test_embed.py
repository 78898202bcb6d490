"""`enhancerlm embed`: rows and ids in input order, equal to embed_sequences, resumable to the same bytes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from enhancerlm.chunks import ChunkStore
from enhancerlm.cli.main import app
from enhancerlm.embeddings import embed_sequences, load_backbone

runner = CliRunner()


@pytest.fixture
def inputs(tmp_path):
    """A labelled FASTA of 9 records (two repeat an id; one longer than tiny-dnabert-6's 515 bp window)
    and an unlabelled TSV of 3."""
    rng = np.random.default_rng(0)
    lengths = (40, 90, 600, 25, 70, 3, 55, 80, 30)
    seqs = ["".join(rng.choice(list("ACGT"), n)) for n in lengths]
    ids = ["a", "b", "c", "a", "d", "e", "f", "b", "g"]
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">{i}\n{s}\n" for i, s in zip(ids, seqs)))
    table = tmp_path / "more.tsv"
    pd.DataFrame({"id": ["x", "y", "z"], "sequence": seqs[:3]}).to_csv(table, sep="\t", index=False)
    return fasta, table, seqs


def embed_args(fasta, out, *extra):
    return ["embed", "--backbone", "tiny-dnabert-6", "--input", f"{fasta}:enhancer", "--out", str(out), *extra]


def test_rows_ids_and_vectors(inputs, tmp_path):
    fasta, table, seqs = inputs
    out = tmp_path / "emb.npy"
    result = runner.invoke(app, embed_args(fasta, out, "--input", str(table), "--chunk-size", "4", "--layer", "-1"))
    assert result.exit_code == 0, result.output
    matrix = np.load(out, mmap_mode="r")
    ids = pd.read_csv(tmp_path / "emb.ids.tsv", sep="\t", keep_default_na=False)
    assert list(ids.columns) == ["row", "id", "label", "length_bp"]
    assert ids["id"].tolist() == ["a", "b", "c", "a~2", "d", "e", "f", "b~2", "g", "x", "y", "z"]
    assert ids["label"].tolist() == ["enhancer"] * 9 + [""] * 3
    assert ids["length_bp"].tolist() == [len(s) for s in seqs] + [len(s) for s in seqs[:3]]
    assert ids["row"].tolist() == list(range(12)) and matrix.shape == (12, 128) and matrix.dtype == np.float32
    want = embed_sequences(load_backbone("tiny-dnabert-6"), seqs + seqs[:3])
    np.testing.assert_allclose(matrix, want, atol=1e-5)
    np.testing.assert_array_equal(matrix[9:], matrix[:3])  # same sequence, same vector
    assert not (tmp_path / "emb.npy.parts").exists()


def test_unlabelled_input_has_no_label_column_and_cls_layers(inputs, tmp_path):
    _, table, seqs = inputs
    out = tmp_path / "u.npy"
    args = ["embed", "-b", "tiny-dnabert-6", "-i", str(table), "-o", str(out), "--pooling", "cls", "--layer", "0"]
    assert runner.invoke(app, [*args, "--layer", "2"]).exit_code == 0
    assert pd.read_csv(tmp_path / "u.ids.tsv", sep="\t").columns.tolist() == ["row", "id", "length_bp"]
    want = embed_sequences(load_backbone("tiny-dnabert-6"), seqs[:3], pooling="cls", layers=(0, 2))
    np.testing.assert_allclose(np.load(out), want, atol=1e-5)


def test_killed_run_resumes_to_the_same_bytes(inputs, tmp_path, monkeypatch):
    fasta, _, _ = inputs
    whole, resumed = tmp_path / "whole.npy", tmp_path / "resumed.npy"
    assert runner.invoke(app, embed_args(fasta, whole, "--chunk-size", "3")).exit_code == 0

    saved = []
    real_save = ChunkStore.save

    def save_then_die(self, index, vectors, records):
        if saved:  # chunk 0 is on disk: die before chunk 1 is
            raise KeyboardInterrupt("killed")
        saved.append(index)
        real_save(self, index, vectors, records)

    monkeypatch.setattr(ChunkStore, "save", save_then_die)
    assert runner.invoke(app, embed_args(fasta, resumed, "--chunk-size", "3")).exit_code != 0
    assert not resumed.exists() and not (tmp_path / "resumed.ids.tsv").exists()  # nothing at the final paths
    assert sorted(p.name for p in (tmp_path / "resumed.npy.parts").glob("chunk_*")) == [
        "chunk_00000000.npy",
        "chunk_00000000.tsv",
    ]

    redone = []
    monkeypatch.setattr(ChunkStore, "save", lambda self, i, v, r: (redone.append(i), real_save(self, i, v, r)))
    # a different setting is refused, and the finished chunk is kept
    refused = runner.invoke(app, embed_args(fasta, resumed, "--chunk-size", "3", "--pooling", "cls"))
    assert refused.exit_code == 2 and "different pooling" in refused.output
    assert runner.invoke(app, embed_args(fasta, resumed, "--chunk-size", "3")).exit_code == 0
    assert redone == [1, 2]
    assert resumed.read_bytes() == whole.read_bytes()
    assert (tmp_path / "resumed.ids.tsv").read_bytes() == (tmp_path / "whole.ids.tsv").read_bytes()


def test_errors_are_one_line(inputs, tmp_path):
    fasta, _, _ = inputs
    wrong = runner.invoke(app, embed_args(fasta, tmp_path / "emb.parquet"))
    assert wrong.exit_code == 2 and "give --out NAME.npy" in wrong.output
    baseline = runner.invoke(app, ["embed", "-b", "kmer-lr", "-i", str(fasta), "-o", str(tmp_path / "k.npy")])
    assert baseline.exit_code == 2 and "no transformer" in baseline.output
    layer = runner.invoke(app, embed_args(fasta, tmp_path / "l.npy", "--layer", "9"))
    assert layer.exit_code == 2 and "layer 9" in layer.output
    assert not list(tmp_path.glob("*.npy*"))
