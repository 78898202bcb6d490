import json

from typer.testing import CliRunner

runner = CliRunner()


def _fasta(path, records):
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in records))
    return str(path)


def test_synthetic_prepare_audit_chain(cli_app, tmp_path):
    syn, prep, aud = tmp_path / "syn", tmp_path / "prep", tmp_path / "audit"
    result = runner.invoke(cli_app, ["data", "synthetic", "--out", str(syn), "--n-per-class", "40",
                                     "--length-bp", "120", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in syn.iterdir()) == ["background.fa", "enhancers.fa", "motifs.json", "planted.tsv"]
    result = runner.invoke(cli_app, ["data", "prepare", "--train", f"{syn}/enhancers.fa:enhancer",
                                     "--train", f"{syn}/background.fa:not_enhancer", "--out", str(prep),
                                     "--resplit", "--subsample", "10", "--val-fraction", "0.25"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((prep / "manifest.json").read_text())
    assert manifest["files"]["subset"]["class_counts"] == {"enhancer": 10, "not_enhancer": 10}
    result = runner.invoke(cli_app, ["data", "audit", "--train", str(prep / "train.tsv"), "--test",
                                     str(prep / "test.tsv"), "--out", str(aud), "--kmer", "6",
                                     "--near-threshold", "0.6"])
    assert result.exit_code == 0, result.output
    report = json.loads((aud / "audit.json").read_text())
    assert report["near_params"]["k"] == 6 and report["near_params"]["threshold"] == 0.6
    assert report["exact_duplicates"] == 0 and report["n_test"] == manifest["files"]["test"]["n_records"]
    assert (aud / "audit.md").is_file() and (aud / "gc_histogram.png").is_file()


def test_audit_finds_the_planted_duplicate(cli_app, tmp_path, dna):
    train = _fasta(tmp_path / "train.fa", [("a", dna.A), ("b", dna.B)])
    test = _fasta(tmp_path / "test.fa", [("t1", dna.A), ("t2", dna.C)])
    result = runner.invoke(cli_app, ["data", "audit", "--train", f"{train}:enhancer", "--test", f"{test}:enhancer",
                                     "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "audit.json").read_text())["exact_duplicate_ids"] == ["t1"]


def test_bad_input_fails_cleanly_without_output(cli_app, tmp_path, dna):
    train = _fasta(tmp_path / "train.fa", [("a", dna.A)])
    bad = tmp_path / "bad.fa"
    bad.write_text(">x\nACGT!!\n")
    for args in (["audit", "--train", train, "--test", str(bad)],
                 ["audit", "--train", train, "--test", str(tmp_path / "missing.fa")],
                 ["audit", "--train", train, "--test", train, "--kmer", "2"],
                 ["prepare", "--train", f"{train}:enhancer"],  # one class: no stratified split possible
                 ["synthetic", "--length-bp", "30"]):
        out = tmp_path / "out"
        result = runner.invoke(cli_app, ["data", *args, "--out", str(out)])
        assert result.exit_code != 0, (args, result.output)
        assert "error:" in result.output
        assert not out.exists() and not any(p.name.startswith(".out.") for p in tmp_path.iterdir())
