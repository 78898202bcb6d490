"""`enhancerlm run` on benchmark files as published: repeated and shared ids, records shorter than k, RNA."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from tests.helpers import fast_training

runner = CliRunner()

# Test records in input order (file test_pos.fa, then test_neg.fa) and the ids the run gives them.
TEST_IDS = [
    "Positive_1",
    "Positive_1~2",
    "Positive_2",
    "hg19_ct_UserTrack_3545_232",
    "tiny",
    "Negative_1",
    "Negative_2",
    "hg19_ct_UserTrack_3545_232~2",
]


def _seq(rng, rich: str, length_bp: int = 60) -> str:
    p = np.full(4, 0.1)
    p["ACGT".index(rich)] = 0.7
    return "".join(rng.choice(list("ACGT"), size=length_bp, p=p))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Train and test both number records Positive_N / Negative_N; inside test_pos.fa two records share the
    first header word (two regions); both test files hold hg19_ct_UserTrack_3545_232; a 2-bp record in
    train and in test; one RNA record (U for T) in train."""
    folder = tmp_path_factory.mktemp("published")
    rng = np.random.default_rng(7)
    pos = [(f"Positive_{i}", _seq(rng, "A")) for i in range(1, 11)] + [("Positive_11 short", "AC")]
    neg = [(f"Negative_{i}", _seq(rng, "G")) for i in range(1, 11)]
    neg[0] = (neg[0][0] + " rna", neg[0][1].replace("T", "U"))
    (folder / "train_pos.fa").write_text("".join(f">{h}\n{s}\n" for h, s in pos))
    (folder / "train_neg.fa").write_text("".join(f">{h}\n{s}\n" for h, s in neg))
    (folder / "test_pos.fa").write_text(
        f">Positive_1 range=chr13:100-159\n{_seq(rng, 'A')}\n>Positive_1 range=chr14:500-559\n{_seq(rng, 'A')}\n"
        f">Positive_2\n{_seq(rng, 'A')}\n>hg19_ct_UserTrack_3545_232\n{_seq(rng, 'A')}\n>tiny\nGA\n"
    )
    (folder / "test_neg.fa").write_text(
        f">Negative_1\n{_seq(rng, 'G')}\n>Negative_2\n{_seq(rng, 'G')}\n>hg19_ct_UserTrack_3545_232\n{_seq(rng, 'G')}\n"
    )
    return folder


def _args(folder, out, backbone, *extra):
    return [
        "run",
        "--train",
        f"{folder}/train_pos.fa:enhancer",
        "--train",
        f"{folder}/train_neg.fa:not_enhancer",
        "--test",
        f"{folder}/test_pos.fa:enhancer",
        "--test",
        f"{folder}/test_neg.fa:not_enhancer",
        "--backbone",
        backbone,
        "--out",
        str(out),
        "--n-boot",
        "20",
        "--baselines",
        "gc",
        *extra,
    ]


def _check_run(out, output: str):
    """The outputs every run on these files must have; ``output`` is what the command printed (stderr)."""
    predictions = pd.read_csv(out / "predictions.tsv", sep="\t", keep_default_na=False)
    assert predictions["id"].tolist() == TEST_IDS  # one row per test record, in input order
    assert predictions["label"].tolist() == ["enhancer"] * 5 + ["not_enhancer"] * 3
    audit = json.loads((out / "audit" / "audit.json").read_text())
    assert (audit["n_train"], audit["n_test"]) == (21, 8)
    assert [(r["split"], r["record"], r["original_id"], r["id"]) for r in audit["renamed_ids"]] == [
        ("test", 2, "Positive_1", "Positive_1~2"),
        ("test", 3, "hg19_ct_UserTrack_3545_232", "hg19_ct_UserTrack_3545_232~2"),
    ]
    # Reading happens before the run folder exists: its warnings go to stderr at once and into run.log once
    # it exists (each once); the audit records the renaming.
    assert output.count("renamed 2 record(s)") == 1 and "Positive_1 (" in output
    assert output.count("RNA bases U as T in 1 of 21 records") == 1
    run_log = (out / "run.log").read_text()
    assert run_log.count("WARNING enhancerlm.sequences.ids: renamed 2 record(s)") == 1 and "Positive_1 (" in run_log
    assert run_log.count("RNA bases U as T in 1 of 21 records") == 1
    assert run_log.index("renamed 2 record(s)") < run_log.index("done: ")  # replayed first, in order
    return predictions, audit


def test_kmer_lr_run_reads_published_files(published, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, _args(published, out, "kmer-lr"))
    assert result.exit_code == 0, result.output
    predictions, audit = _check_run(out, result.output)
    assert predictions["p_fine_tuned"].between(0, 1).all()
    # kmer-lr's shortest k-mer is 4 bp: the 2 bp records have none, counted as for DNABERT
    assert audit["short_records"] == {"train": 1, "test": 1} and audit["short_records_min_bp"] == 4
    assert "kept 1 record(s) shorter than 4 bp (the model's k) (e.g. 'tiny' 2 bp)" in result.output


def test_tiny_dnabert_run_keeps_records_shorter_than_k(published, tmp_path, one_torch_thread):
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        _args(
            published,
            out,
            "tiny-dnabert-6",
            *fast_training(),
            "--no-zero-shot",
            "--val-fraction",
            "0",
        ),
    )
    assert result.exit_code == 0, result.output
    predictions, audit = _check_run(out, result.output)
    assert audit["short_records"] == {"train": 1, "test": 1} and audit["short_records_min_bp"] == 6
    assert "kept 1 record(s) shorter than 6 bp (the model's k) (e.g. 'tiny' 2 bp)" in result.output
    assert "kept 1 record(s) shorter than 6 bp (the model's k) (e.g. 'Positive_11' 2 bp)" in result.output
    assert np.isfinite(predictions.loc[predictions["id"] == "tiny", "p_fine_tuned"]).all()


def test_strict_ids_refuses_before_writing(published, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, _args(published, out, "kmer-lr", "--strict-ids"))
    assert result.exit_code == 2 and not out.exists()
    assert "duplicate id 'Positive_1' (records 1 and 2)" in result.output


def test_a_test_set_that_repeats_train_is_refused_before_writing(published, tmp_path):
    out, args = tmp_path / "out", _args(published, tmp_path / "out", "kmer-lr")
    args[args.index(f"{published}/test_pos.fa:enhancer")] = f"{published}/train_pos.fa:enhancer"
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and not out.exists()
    assert "removing the 11 training records that also occur in test" in result.output
    assert "leaves no training record of class 'enhancer'" in result.output


def test_min_length_drops_and_counts(published, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, _args(published, out, "kmer-lr", "--min-length", "3"))
    assert result.exit_code == 0, result.output
    predictions = pd.read_csv(out / "predictions.tsv", sep="\t")
    assert predictions["id"].tolist() == [i for i in TEST_IDS if i != "tiny"]
    assert "dropped 1 record(s) shorter than 3 bp (min_length) (e.g. 'Positive_11' 2 bp)" in result.output
    assert "dropped 1 record(s) shorter than 3 bp (min_length) (e.g. 'tiny' 2 bp)" in result.output
    assert json.loads((out / "audit" / "audit.json").read_text())["n_train"] == 20


def _fasta_seqs(*paths) -> list[str]:
    return [line for p in paths for line in p.read_text().splitlines() if line and not line.startswith(">")]


def test_max_length_windows_training_testing_and_the_saved_model(published, tmp_path, one_torch_thread):
    from enhancerlm.models import load_classifier
    from enhancerlm.predict import predict_proba

    out = tmp_path / "out"
    result = runner.invoke(
        app,
        _args(
            published,
            out,
            "tiny-dnabert-6",
            "--max-length",
            "16",
            *fast_training(),
            "--no-zero-shot",
            "--val-fraction",
            "0",
        ),
    )
    assert result.exit_code == 0, result.output
    # 16 tokens = [CLS] + 14 6-mers + [SEP] cover 19 bp; a 60 bp record is 6 windows (starts 0, 9, ..., 36, 41).
    assert json.loads((out / "model" / "enhancerlm.json").read_text())["max_bp"] == 19
    run_log = (out / "run.log").read_text()
    assert "train: 20 sequences longer than 19 bp become 121 windows that inherit their labels" in run_log
    assert "7 sequences longer than 19 bp scored as 43 windows" in run_log
    model = load_classifier(out / "model")
    assert model.max_bp == 19
    seqs = _fasta_seqs(published / "test_pos.fa", published / "test_neg.fa")
    predictions = pd.read_csv(out / "predictions.tsv", sep="\t", keep_default_na=False)
    np.testing.assert_allclose(predictions["p_fine_tuned"], predict_proba(model, seqs)[:, 1], atol=1e-6)


@pytest.mark.parametrize(
    "backbone, max_length, message",
    [
        ("kmer-lr", "16", "max_length=16: backbone 'kmer-lr' reads whole sequences, not token windows"),
        ("tiny-dnabert-6", "0", "max_length=0 must be >= 1 (tokens)"),
    ],
)
def test_max_length_is_refused_before_writing_where_it_cannot_apply(published, tmp_path, backbone, max_length, message):
    out = tmp_path / "out"
    result = runner.invoke(app, _args(published, out, backbone, "--max-length", max_length))
    assert result.exit_code == 2 and not out.exists()
    assert message in result.output
