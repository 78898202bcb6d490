import json

from typer.testing import CliRunner

runner = CliRunner()


def _fasta(path, records):
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in records))
    return str(path)


def test_synthetic_prepare_audit_chain(cli_app, tmp_path):
    syn, prep, aud = tmp_path / "syn", tmp_path / "prep", tmp_path / "audit"
    result = runner.invoke(
        cli_app, ["data", "synthetic", "--out", str(syn), "--n-per-class", "40", "--length-bp", "120", "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in syn.iterdir()) == ["background.fa", "enhancers.fa", "motifs.json", "planted.tsv"]
    result = runner.invoke(
        cli_app,
        [
            "data",
            "prepare",
            "--train",
            f"{syn}/enhancers.fa:enhancer",
            "--train",
            f"{syn}/background.fa:not_enhancer",
            "--out",
            str(prep),
            "--resplit",
            "--subsample",
            "10",
            "--val-fraction",
            "0.25",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((prep / "manifest.json").read_text())
    assert manifest["files"]["subset"]["class_counts"] == {"enhancer": 10, "not_enhancer": 10}
    result = runner.invoke(
        cli_app,
        [
            "data",
            "audit",
            "--train",
            str(prep / "train.tsv"),
            "--test",
            str(prep / "test.tsv"),
            "--out",
            str(aud),
            "--kmer",
            "6",
            "--near-threshold",
            "0.6",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((aud / "audit.json").read_text())
    assert report["near_params"]["k"] == 6 and report["near_params"]["threshold"] == 0.6
    assert report["exact_duplicates"] == 0 and report["n_test"] == manifest["files"]["test"]["n_records"]
    assert (aud / "audit.md").is_file() and (aud / "gc_histogram.png").is_file()


def test_audit_finds_the_planted_duplicate(cli_app, tmp_path, dna):
    train = _fasta(tmp_path / "train.fa", [("a", dna.A), ("b", dna.B)])
    test = _fasta(tmp_path / "test.fa", [("t1", dna.A), ("t2", dna.C)])
    result = runner.invoke(
        cli_app,
        ["data", "audit", "--train", f"{train}:enhancer", "--test", f"{test}:enhancer", "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "audit.json").read_text())["exact_duplicate_ids"] == ["t1"]


def test_audit_and_run_refuse_an_empty_label_alike(tmp_path, dna):
    # A blank label cell was a third class '' in the audit's class counts while `run` refused the file.
    from enhancerlm.cli.main import app

    train = tmp_path / "train.csv"
    train.write_text(f"id,sequence,label\na,{dna.A},enhancer\nb,{dna.B},\nc,{dna.C},not_enhancer\n")
    test = tmp_path / "test.csv"
    test.write_text(f"id,sequence,label\nt1,{dna.D},enhancer\nt2,{dna.E},not_enhancer\n")
    inputs = ["--train", str(train), "--test", str(test)]
    audit = runner.invoke(app, ["data", "audit", *inputs, "--out", str(tmp_path / "audit")])
    run = runner.invoke(app, ["run", *inputs, "--backbone", "kmer-lr", "--out", str(tmp_path / "run")])
    expected = f"error: {train}: record 'b' has no label; give the input a label as {train}:LABEL, or a label column"
    for result in (audit, run):
        assert result.exit_code == 2 and result.output.strip().splitlines()[-1] == expected, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.csv", "train.csv"]


def test_bad_input_fails_cleanly_without_output(cli_app, tmp_path, dna):
    train = _fasta(tmp_path / "train.fa", [("a", dna.A)])
    bad = tmp_path / "bad.fa"
    bad.write_text(">x\nACGT!!\n")
    for args in (
        ["audit", "--train", train, "--test", str(bad)],
        ["audit", "--train", train, "--test", str(tmp_path / "missing.fa")],
        ["audit", "--train", train, "--test", train, "--kmer", "2"],
        ["prepare", "--train", f"{train}:enhancer"],  # one class: no stratified split possible
        ["synthetic", "--length-bp", "30"],
    ):
        out = tmp_path / "out"
        result = runner.invoke(cli_app, ["data", *args, "--out", str(out)])
        assert result.exit_code != 0, (args, result.output)
        assert "error:" in result.output
        assert not out.exists() and not any(p.name.startswith(".out.") for p in tmp_path.iterdir())


def test_ensembl_like_then_audit_reports_duplicates_and_split_twins(cli_app, tmp_path):
    out, aud = tmp_path / "set", tmp_path / "audit"
    result = runner.invoke(
        cli_app, ["data", "ensembl-like", "--out", str(out), "--n-train", "400", "--n-test", "100", "--layout", "both"]
    )
    assert result.exit_code == 0, result.output
    assert {"train.csv", "test.csv", "summary.json", "train", "test"} <= {p.name for p in out.iterdir()}
    result = runner.invoke(
        cli_app,
        [
            "data",
            "audit",
            "--train",
            str(out / "train.csv"),
            "--test",
            str(out / "test.csv"),
            "--out",
            str(aud),
            "--val-fraction",
            "0.1",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((aud / "audit.json").read_text())
    assert report["exact_duplicates"] == 38 and report["within_train_duplicates"] == 80
    check = report["validation_split"]["validation"]
    assert check["naive"]["n_val_with_train_twin"] > 0 and check["duplicate_aware"]["n_val_with_train_twin"] == 0


def _published(tmp_path, dna):
    """Benchmark files as published: Positive_1 / Negative_1 in train and in test; a first word repeated
    within the test enhancers (two regions); a test id shared by both test files; a 5-bp record."""
    train_pos = _fasta(tmp_path / "train_pos.fa", [("Positive_1", dna.A), ("Positive_2", dna.B)])
    train_neg = _fasta(tmp_path / "train_neg.fa", [("Negative_1", dna.C), ("Negative_2", dna.D)])
    test_pos = tmp_path / "test_pos.fa"
    test_pos.write_text(
        f">Positive_1 range=chr13:1-40\n{dna.E}\n>Positive_1 range=chr14:1-40\n{dna.F}\n>shared_7\nACGTA\n"
    )
    test_neg = _fasta(tmp_path / "test_neg.fa", [("Negative_1", dna.D_ONE_MISMATCH), ("shared_7", dna.A[:20])])
    return (
        ["--train", f"{train_pos}:enhancer", "--train", f"{train_neg}:not_enhancer"],
        ["--test", f"{test_pos}:enhancer", "--test", f"{test_neg}:not_enhancer"],
    )


def test_audit_reads_published_files_and_lists_the_renaming(cli_app, tmp_path, dna):
    train, test = _published(tmp_path, dna)
    result = runner.invoke(cli_app, ["data", "audit", *train, *test, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert (report["n_train"], report["n_test"]) == (4, 5)  # every record kept
    assert [(r["source"], r["record"], r["original_id"], r["id"]) for r in report["renamed_ids"]] == [
        (str(tmp_path / "test_pos.fa"), 2, "Positive_1", "Positive_1~2"),
        (str(tmp_path / "test_neg.fa"), 2, "shared_7", "shared_7~2"),
    ]
    assert report["n_renamed"] == 2 and "renamed 2 record(s)" in result.output
    assert "renamed ids 2" in result.output
    assert "| test |" in (tmp_path / "out" / "audit.md").read_text()


def test_audit_strict_ids_and_min_length(cli_app, tmp_path, dna):
    train, test = _published(tmp_path, dna)
    out = tmp_path / "out"
    result = runner.invoke(cli_app, ["data", "audit", *train, *test, "--out", str(out), "--strict-ids"])
    assert result.exit_code == 2 and not out.exists()
    assert f"error: {tmp_path / 'test_pos.fa'}: duplicate id 'Positive_1' (records 1 and 2)" in result.output
    result = runner.invoke(cli_app, ["data", "audit", *train, *test, "--out", str(out), "--min-length", "6"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "audit.json").read_text())["n_test"] == 4
    assert "dropped 1 record(s) shorter than 6 bp (min_length) (e.g. 'shared_7' 5 bp)" in result.output
    # the 5-bp shared_7 is gone, so the other file's shared_7 keeps its name
    assert json.loads((out / "audit.json").read_text())["n_renamed"] == 1


def test_prepare_resplits_files_that_share_ids_and_reads_back(cli_app, tmp_path, dna):
    train, test = _published(tmp_path, dna)
    prep = tmp_path / "prep"
    result = runner.invoke(
        cli_app,
        [
            "data",
            "prepare",
            *train,
            *test,
            "--out",
            str(prep),
            "--resplit",
            "--test-fraction",
            "0.4",
            "--val-fraction",
            "0",
            "--dedup",
            "none",
        ],
    )
    assert result.exit_code == 0, result.output
    import pandas as pd

    written = pd.concat([pd.read_csv(prep / f"{name}.tsv", sep="\t") for name in ("train", "test")])
    assert len(written) == 9 and written["id"].is_unique  # 4 train + 5 test records, none lost
    assert sorted(written["id"][written["id"].str.contains("~")]) == [
        "Negative_1~2",
        "Positive_1~2",
        "Positive_1~3",
        "shared_7~2",
    ]
    assert list(written.columns) == ["id", "sequence", "label", "split", "source", "description"]
    assert set(written.loc[written["id"].str.startswith("Positive_1"), "description"]) == {
        "Positive_1",
        "Positive_1 range=chr13:1-40",
        "Positive_1 range=chr14:1-40",
    }
    result = runner.invoke(
        cli_app,
        [
            "data",
            "audit",
            "--train",
            str(prep / "train.tsv"),
            "--test",
            str(prep / "test.tsv"),
            "--out",
            str(tmp_path / "audit"),
            "--strict-ids",
        ],
    )
    assert result.exit_code == 0, result.output  # the prepared files read back as written
