"""`predict` and `explain` through the real entry point on a FASTA as published: repeated ids, a 2-bp record."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.models import create_classifier
from enhancerlm.sequences.records import LabelMap

runner = CliRunner()

# Two regions exported under one first header word, a record shorter than k=6, a third repeat.
FASTA = (
    ">hg19_ct_UserTrack_3545_54 range=chr13:20118701-20118760\nACGTTGCAACGTACGGTACCAGTACGTTGCAA\n"
    ">hg19_ct_UserTrack_3545_55 range=chr13:20119001-20119060\nTTGACGTCAGGCATGCAAAGTCATTGACGTCA\n"
    ">hg19_ct_UserTrack_3545_54 range=chr14:50102200-50102259\nGGGCCCAAATTTGGGCCCAAATTTGGGCCCAA\n"
    ">short_one\nAC\n"
    ">hg19_ct_UserTrack_3545_54 range=chr15:1-30\nCCCCGGGGAAAATTTTCCCCGGGGAAAATTTT\n"
)
IDS = [
    "hg19_ct_UserTrack_3545_54",
    "hg19_ct_UserTrack_3545_55",
    "hg19_ct_UserTrack_3545_54~2",
    "short_one",
    "hg19_ct_UserTrack_3545_54~3",
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("published")
    create_classifier("tiny-dnabert-6", LabelMap.from_labels(["enhancer", "not_enhancer"])).save(folder / "model")
    (folder / "ucsc.fa").write_text(FASTA)
    return folder


@pytest.mark.parametrize("chunk_size", ["1", "2", "10000"])
def test_predict_writes_one_row_per_record_in_input_order(files, tmp_path, chunk_size, one_torch_thread):
    out = tmp_path / "p.tsv"
    result = runner.invoke(
        app,
        [
            "predict",
            "-m",
            str(files / "model"),
            "-i",
            str(files / "ucsc.fa"),
            "-o",
            str(out),
            "--chunk-size",
            chunk_size,
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, sep="\t")
    assert table["id"].tolist() == IDS and table["probability"].between(0, 1).all()
    assert result.output.count("renamed 2 record(s)") == 1
    assert result.output.count("kept 1 record(s) shorter than 6 bp (the model's k) (e.g. 'short_one' 2 bp)") == 1


def test_predict_strict_ids_and_min_length(files, tmp_path, one_torch_thread):
    out = tmp_path / "p.tsv"
    args = ["predict", "-m", str(files / "model"), "-i", str(files / "ucsc.fa"), "-o", str(out)]
    result = runner.invoke(app, [*args, "--strict-ids"])
    assert result.exit_code == 2 and not out.exists()
    assert "duplicate id 'hg19_ct_UserTrack_3545_54' (records 1 and 3)" in result.output
    result = runner.invoke(app, [*args, "--min-length", "6"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out, sep="\t")["id"].tolist() == [i for i in IDS if i != "short_one"]
    assert "dropped 1 record(s) shorter than 6 bp (min_length) (e.g. 'short_one' 2 bp)" in result.output


def test_explain_on_repeated_ids(files, tmp_path, one_torch_thread):
    out = tmp_path / "explain"
    result = runner.invoke(
        app,
        [
            "explain",
            "-m",
            str(files / "model"),
            "-i",
            f"{files / 'ucsc.fa'}:enhancer",
            "-o",
            str(out),
            "--no-motifs",
            "--n-plots",
            "0",
            "--rc-seqs",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    attributions = pd.read_csv(out / "attributions.tsv", sep="\t")
    assert attributions.groupby("seq_index", sort=True)["id"].first().tolist() == IDS
    assert attributions.groupby("seq_index", sort=True).size().tolist() == [32, 32, 32, 2, 32]
    assert "explained 5 sequences" in result.output
