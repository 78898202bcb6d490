"""The command line: every command has --help; user errors are one line and exit status 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app

runner = CliRunner()


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_bad_input_is_one_clear_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.fa"
    bad.write_text(">chr1_5\nACGTX\n")
    result = runner.invoke(app, ["tokenize", str(bad)])
    assert result.exit_code == 2
    assert "record 'chr1_5' position 5" in result.output
    assert "Traceback" not in result.output


def test_a_hint_names_a_flag_only_where_the_command_has_it(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,dna,label\na,ACGTACGT,x\nb,GGGGCCCC,y\n")
    missing = f"error: {table}: no sequence column 'sequence'; the columns are ['id', 'dna', 'label']; "
    inputs = ["--train", str(table), "--test", str(table)]
    run = runner.invoke(app, ["run", *inputs, "--backbone", "kmer-lr", "--out", str(tmp_path / "run")])
    audit = runner.invoke(app, ["data", "audit", *inputs, "--out", str(tmp_path / "audit")])
    tokenize = runner.invoke(app, ["tokenize", str(table)])
    assert run.exit_code == 2 and run.output.strip() == missing + "name the sequence column with --sequence-column"
    for other in (audit, tokenize):  # no --sequence-column there
        assert other.exit_code == 2 and other.output.strip() == missing + "name the sequence column 'sequence'"


def test_tokenize_prints_ids_and_kmers(tmp_path):
    fasta = tmp_path / "a.fa"
    fasta.write_text(">a\nAAATC\n>b\nnaat\n")
    ids = runner.invoke(app, ["tokenize", "--backbone", "dnabert-3", str(fasta)])
    assert ids.exit_code == 0 and ids.stdout.splitlines() == ["2 5 6 11 3", "2 1 6 3"]
    kmers = runner.invoke(app, ["tokenize", "--backbone", "dnabert-3", "--tokens", str(fasta)])
    assert kmers.stdout.splitlines()[0] == "[CLS] AAA AAT ATC [SEP]"


def test_run_refuses_unknown_backbone_before_writing(tmp_path):
    fasta = tmp_path / "a.fa"
    fasta.write_text(">a\nACGTACGT\n")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", "--train", f"{fasta}:x", "--test", f"{fasta}:y", "--backbone", "nope", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "is neither a registry name" in result.output
    assert not out.exists()


def test_run_help_says_which_settings_come_from_the_backbone():
    import re
    from dataclasses import fields

    from enhancerlm.experiment.config import BACKBONE_FIELDS, RunConfig

    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    text = re.sub(r"[\s│]+", " ", result.output)  # rich wraps the help text inside a box
    assert result.exit_code == 0 and text.count("default: from the backbone") == len(BACKBONE_FIELDS)
    helps = {f.name: f.metadata["help"] for f in fields(RunConfig)}
    assert all("default: from the backbone" in helps[name] for name in BACKBONE_FIELDS)
