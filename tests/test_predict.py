"""The inference primitive (windows, aggregation, TSV streaming) and the `predict` / `models` commands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import typer
from typer.testing import CliRunner

from enhancerlm.cli import models as models_cli
from enhancerlm.cli import predict as predict_cli
from enhancerlm.cli.main import _Group
from enhancerlm.models import create_classifier, list_backbones
from enhancerlm.predict import predict_proba, predict_to_tsv
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.tokenization.windows import split_windows

BINARY = LabelMap.from_labels(["enhancer", "not_enhancer"])


def _seqs(n: int, lo: int, hi: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), int(rng.integers(lo, hi + 1)))) for _ in range(n)]


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: extra threads only contend on a busy machine
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def dnabert():
    classifier = create_classifier("tiny-dnabert-6", BINARY)
    classifier.max_bp = 60  # short windows keep the long-sequence tests cheap
    return classifier


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    create_classifier("tiny-dnabert-6", BINARY).save(folder)
    return folder


@pytest.fixture
def cli():
    """A CLI with the real error handling of `enhancerlm` and these two commands."""
    app = typer.Typer(cls=_Group, pretty_exceptions_enable=False)
    predict_cli.register(app)
    models_cli.register(app)
    return lambda *args: CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("how", ["mean", "max"])
def test_long_sequences_get_the_aggregate_of_their_windows(dnabert, how):
    seqs = _seqs(3, 150, 200, seed=1) + ["ACGTACGTAACC"]
    windows = split_windows(seqs, 60, 25)
    per_window = dnabert.predict_proba(windows.seqs)
    proba = predict_proba(dnabert, seqs, stride_bp=25, aggregate=how)
    for i in range(len(seqs)):
        mine = per_window[windows.seq_index == i]
        expected = mine.mean(axis=0) if how == "mean" else mine[mine[:, 1].argmax()]
        np.testing.assert_allclose(proba[i], expected, atol=1e-6)
    assert (windows.seq_index == 0).sum() >= 5


def test_the_log_counts_the_sequences_that_are_longer(dnabert, caplog):
    seqs = ["A" * 100, "C" * 30, "G" * 60, "T" * 61]  # 2 longer than 60 bp: 3 + 2 windows of 60 bp every 30
    with caplog.at_level("INFO", logger="enhancerlm.models.base"):  # windowing lives in the base class
        predict_proba(dnabert, seqs)
    assert [r.getMessage() for r in caplog.records] == ["2 sequences longer than 60 bp scored as 7 windows"]


def test_both_strands_averages_a_sequence_with_its_reverse_complement(dnabert):
    from enhancerlm.sequences.dna import reverse_complement

    seqs = _seqs(3, 150, 200, seed=4) + ["ACGTTTGCAN"]  # long ones are windowed on each strand
    forward = predict_proba(dnabert, seqs, stride_bp=25)
    reverse = predict_proba(dnabert, [reverse_complement(s) for s in seqs], stride_bp=25)
    both = predict_proba(dnabert, seqs, stride_bp=25, both_strands=True)
    np.testing.assert_allclose(both, (forward + reverse) / 2, atol=1e-6)
    assert np.abs(forward - reverse).max() > 1e-4  # the model is not strand-symmetric: the average matters
    np.testing.assert_allclose(
        predict_proba(dnabert, [reverse_complement(s) for s in seqs], stride_bp=25, both_strands=True), both, atol=1e-6
    )


def test_empty_input_gives_an_empty_array(dnabert):
    assert predict_proba(dnabert, []).shape == (0, 2)


def test_records_shorter_than_k_get_a_probability(dnabert, make_toy):
    """A 2-bp record has no 6-mer: DNABERT scores [CLS] [SEP], kmer-lr all-zero frequencies."""
    kmer_lr = create_classifier("kmer-lr", BINARY).fit(make_toy(8, seed=1), seed=0)
    for classifier in (dnabert, kmer_lr):
        alone = predict_proba(classifier, ["AC"])
        among = predict_proba(classifier, ["ACGTACGTAC", "AC", "G"], both_strands=True)
        assert alone.shape == (1, 2) and among.shape == (3, 2)
        assert np.isfinite(among).all() and np.allclose(among.sum(axis=1), 1, atol=1e-5)
        np.testing.assert_allclose(among[1], alone[0], atol=1e-6)  # its reverse complement GT has no k-mer either
    assert dnabert.encoder.encode("AC").tolist() == [2, 3]  # [CLS] [SEP]


def test_predict_command_warns_about_records_without_a_kmer_for_a_kmer_model(cli, make_toy, tmp_path, caplog):
    folder = tmp_path / "kmer-lr"
    create_classifier("kmer-lr", BINARY).fit(make_toy(8, seed=1), seed=0).save(folder)
    fasta = tmp_path / "in.fa"
    fasta.write_text(">one\nA\n>long\nACGTACGTAC\n>three\nACG\n")
    with caplog.at_level("WARNING", logger="enhancerlm"):
        result = cli("predict", "--model", folder, "--input", fasta, "--out", tmp_path / "out.tsv")
    assert result.exit_code == 0, result.output
    assert f"{fasta}: kept 2 record(s) shorter than 4 bp (the model's k) (e.g. 'one' 1 bp; 'three' 3 bp)" in caplog.text


def test_predict_progress_off_a_terminal_is_log_lines_not_a_redrawn_bar(model_dir, tmp_path):
    from enhancerlm.cli.main import app

    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(_seqs(6, 20, 40, seed=4))))
    args = ["predict", "-m", model_dir, "-i", fasta, "-o", tmp_path / "out.tsv", "--chunk-size", 2]
    result = CliRunner().invoke(app, [str(a) for a in args])  # stderr is no terminal here, as in a log file
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output
    assert "INFO enhancerlm.progress: predict: 6 seq [" in result.output


def test_predict_to_tsv_streams_chunks_into_one_table(dnabert, tmp_path):
    seqs = _seqs(5, 30, 120, seed=2)
    chunks = [make_table(["a", "b"], seqs[:2]), make_table(["c", "d", "e"], seqs[2:])]
    assert predict_to_tsv(dnabert, iter(chunks), tmp_path / "out.tsv") == 5
    table = pd.read_csv(tmp_path / "out.tsv", sep="\t")
    assert table.columns.tolist() == ["id", "probability", "prediction", "p_not_enhancer", "p_enhancer"]
    assert table["id"].tolist() == list("abcde")
    np.testing.assert_allclose(table["probability"], predict_proba(dnabert, seqs)[:, 1], atol=1e-5)


def test_predict_command_writes_probabilities(cli, model_dir, tmp_path):
    seqs = _seqs(4, 20, 900, seed=3)  # 900 bp is longer than the tiny model's 515 bp window
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i} some description\n{s}\n" for i, s in enumerate(seqs)))
    out = tmp_path / "scores.tsv"
    result = cli(
        "predict",
        "--model",
        model_dir,
        "--input",
        fasta,
        "--out",
        out,
        "--batch-size",
        2,
        "--stride-bp",
        100,
        "--aggregate",
        "max",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, sep="\t")
    assert table["id"].tolist() == ["s0", "s1", "s2", "s3"]
    assert set(table["prediction"]) <= {"enhancer", "not_enhancer"}
    from enhancerlm.models import load_classifier

    expected = predict_proba(load_classifier(model_dir), seqs, stride_bp=100, aggregate="max")
    np.testing.assert_allclose(table[["p_not_enhancer", "p_enhancer"]].to_numpy(), expected, atol=1e-5)


def test_predict_command_averages_both_strands_on_request(cli, model_dir, tmp_path):
    seqs = _seqs(3, 20, 80, seed=5)
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    result = cli("predict", "--model", model_dir, "--input", fasta, "--out", tmp_path / "both.tsv", "--both-strands")
    assert result.exit_code == 0, result.output
    from enhancerlm.models import load_classifier

    expected = predict_proba(load_classifier(model_dir), seqs, both_strands=True)[:, 1]
    np.testing.assert_allclose(pd.read_csv(tmp_path / "both.tsv", sep="\t")["probability"], expected, atol=1e-5)


def test_predict_command_on_a_bad_fasta_fails_without_output(cli, model_dir, tmp_path):
    fasta = tmp_path / "bad.fa"
    fasta.write_text(">ok\nACGTACGTAC\n>broken\nACGTXACGT\n")
    out = tmp_path / "scores.tsv"
    result = cli("predict", "--model", model_dir, "--input", fasta, "--out", out)
    assert result.exit_code == 2
    assert "broken" in result.output and "'X'" in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [fasta]


def test_predict_command_rejects_a_folder_that_is_no_model(cli, tmp_path):
    result = cli("predict", "--model", tmp_path, "--input", tmp_path, "--out", tmp_path / "o.tsv")
    assert result.exit_code == 2 and "not an enhancerlm model folder" in result.output


def test_models_command_lists_every_backbone(cli):
    result = cli("models", "--tsv")
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.output.strip().splitlines()]
    assert rows[0] == list(models_cli.COLUMNS)
    assert [r[0] for r in rows[1:]] == [s.name for s in list_backbones()]
    by_name = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert by_name["dnabert-2"]["remote_code"] == "yes" and by_name["kmer-lr"]["baseline"] == "yes"
    assert by_name["hyenadna-tiny-1k"]["hub_id"] == "LongSafari/hyenadna-tiny-1k-seqlen-hf"


@pytest.mark.parametrize("both_strands", [False, True])
def test_the_command_the_function_and_the_method_agree_exactly(cli, model_dir, tmp_path, both_strands):
    from enhancerlm.models import load_classifier
    from enhancerlm.predict import prediction_table

    seqs = _seqs(3, 700, 900, seed=6) + _seqs(3, 3, 60, seed=7)  # longer and shorter than the 515 bp window
    fasta = tmp_path / "in.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    strands = ["--both-strands"] if both_strands else []
    result = cli("predict", "--model", model_dir, "--input", fasta, "--out", tmp_path / "p.tsv", *strands)
    assert result.exit_code == 0, result.output
    classifier = load_classifier(model_dir)
    method = classifier.predict_proba(seqs, both_strands=both_strands)
    np.testing.assert_array_equal(predict_proba(classifier, seqs, both_strands=both_strands), method)
    table = prediction_table(classifier, [f"s{i}" for i in range(6)], method)
    assert (tmp_path / "p.tsv").read_text() == table.to_csv(sep="\t", index=False, float_format="%.6g")
