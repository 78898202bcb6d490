"""The front door (`import enhancerlm as elm`): every verb gives what the CLI command (or library call) gives."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import typer
import yaml
from typer.testing import CliRunner

import enhancerlm as elm
from enhancerlm.cli import embed as embed_cli
from enhancerlm.cli import mutagenesis as mutagenesis_cli
from enhancerlm.cli import predict as predict_cli
from enhancerlm.cli.main import _Group
from enhancerlm.data.generate.synthetic import make_synthetic
from enhancerlm.errors import ConfigError, InputError, ModelNotFoundError
from enhancerlm.models import create_classifier, load_classifier
from enhancerlm.sequences.fasta import fasta_text
from enhancerlm.sequences.records import COLUMNS, LabelMap
from enhancerlm.sequences.spec import read_specs

VERBS = ("attribute", "embed", "explain", "fit", "load", "mutagenesis", "predict", "read_sequences")
VERBS += ("run_experiment", "scan_genome", "score_variants")


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


@pytest.fixture(scope="module")
def data():
    """80 + 80 synthetic enhancers / not-enhancers of 100 bp with consensus sites: a task 4-6-mers learn."""
    return make_synthetic(80, length_bp=100, seed=3, site_sampling="consensus", decoy_rate=0.0).table


@pytest.fixture(scope="module")
def kmer_folder(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("kmer")
    elm.fit("kmer-lr", data.iloc[::2], out=folder)
    return folder / "model"


@pytest.fixture(scope="module")
def genome(data, tmp_path_factory):
    """chr1: 8 records of the data set end to end (800 bp); chr2: 4 more (400 bp)."""
    path = tmp_path_factory.mktemp("genome") / "genome.fa"
    seqs = data["sequence"].tolist()
    path.write_text(fasta_text(["chr1", "chr2"], ["".join(seqs[:8]), "".join(seqs[8:12])]))
    return path


def cli(*args):
    """The real commands and error handling, without the logging set-up of `enhancerlm` (CliRunner closes its stream)."""
    app = typer.Typer(cls=_Group, pretty_exceptions_enable=False)
    for module in (embed_cli, mutagenesis_cli, predict_cli):
        module.register(app)
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_import_enhancerlm_names_every_verb_and_loads_them_lazily():
    code = (
        "import sys, enhancerlm as elm; print(sorted(dir(elm))); print('torch' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert set(VERBS) <= set(eval(out[0])) and out[1] == "False False"
    assert sorted(elm.__all__) == sorted(VERBS + ("__version__",))


def test_a_submodule_imported_first_does_not_replace_the_verb_of_its_name():
    # enhancerlm.predict is a module (predict_proba, prediction_table ...) and elm.predict the verb
    code = "import enhancerlm.predict\nimport enhancerlm as elm\nfrom enhancerlm.predict import predict_proba\n"
    code += "print(elm.predict.__module__, predict_proba.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["enhancerlm.api.analysis", "enhancerlm.predict"]


def test_read_sequences_gives_the_canonical_table_from_a_file_a_frame_or_a_list(data, tmp_path):
    path = tmp_path / "in.tsv"
    data[["id", "sequence", "label"]].head(5).to_csv(path, sep="\t", index=False)
    from_file = elm.read_sequences(path)
    from_frame = elm.read_sequences(data[["id", "sequence", "label"]].head(5))
    assert list(from_file.columns) == list(COLUMNS)
    pd.testing.assert_frame_equal(from_file[["id", "sequence", "label"]], from_frame[["id", "sequence", "label"]])
    listed = elm.read_sequences(["acgtn", "GGRA"], label="enhancer")
    assert listed["id"].tolist() == ["0", "1"] and listed["sequence"].tolist() == ["ACGTN", "GGNA"]
    assert elm.read_sequences(pd.DataFrame({"seq": ["ACGT", "TTTT"]}, index=[7, 9]))["id"].tolist() == ["7", "9"]


@pytest.mark.parametrize(
    "data, kwargs, message",
    [
        ("ACGTACGTTTGA", {}, "ACGTACGTTTGA: a DNA sequence, not a file; pass a list"),
        (
            pd.DataFrame({"id": ["a", "b"], "sequence": ["ACGT", "ACXT"]}),
            {},
            r"DataFrame: record 'b' position 3 \(1-based\): character 'X'",
        ),
        (["ACGT", ""], {}, r"list: record '1' is empty \(0 bp\)"),
        (pd.DataFrame({"sequence": ["ACGT"]}), {"require_labels": True}, "DataFrame: no label column 'label'"),
    ],
)
def test_bad_input_is_an_input_error_naming_the_record(data, kwargs, message):
    with pytest.raises(InputError, match=message):
        elm.read_sequences(data, **kwargs)


def test_load_takes_a_run_folder_a_model_folder_or_a_backbone(kmer_folder, tmp_path, caplog):
    run = tmp_path / "run"
    (run / "model").mkdir(parents=True)
    (run / "metrics.json").write_text("{}")
    load_classifier(kmer_folder).save(run / "model")
    assert elm.load(run).backbone == elm.load(kmer_folder).backbone == "kmer-lr"
    with caplog.at_level(logging.WARNING, logger="enhancerlm.api"):
        fresh = elm.load("kmer-lr")
    assert fresh.label_map.names == ("class_0", "class_1") and "untrained head" in caplog.text
    with pytest.raises(ModelNotFoundError, match="not an enhancerlm model folder"):
        elm.load("kmer-lr", require_trained=True)


def test_predict_returns_the_rows_enhancerlm_predict_writes(kmer_folder, data, tmp_path):
    seqs = data["sequence"].tolist()[:4] + ["".join(data["sequence"].tolist()[4:14]), "ACG"]  # 1000 bp and 3 bp
    fasta = tmp_path / "in.fa"
    fasta.write_text(fasta_text([f"s{i}" for i in range(6)], seqs))
    cli("predict", "--model", kmer_folder, "--input", fasta, "--out", tmp_path / "p.tsv", "--both-strands")
    table = elm.predict(kmer_folder, fasta, both_strands=True)
    assert (tmp_path / "p.tsv").read_text() == table.to_csv(sep="\t", index=False, float_format="%.6g")
    method = load_classifier(kmer_folder).predict_proba(seqs, both_strands=True)
    np.testing.assert_array_equal(table[["p_not_enhancer", "p_enhancer"]].to_numpy(), method)
    np.testing.assert_array_equal(elm.predict(kmer_folder, seqs, both_strands=True)["p_enhancer"], method[:, 1])


def test_fit_trains_in_closed_form_or_fine_tunes_with_the_backbone_s_recipe(data, tmp_path):
    train = data.iloc[::2]
    kmer = elm.fit("kmer-lr", train, seed=1)
    expected = create_classifier("kmer-lr", LabelMap.from_labels(train["label"])).fit(train, seed=1)
    np.testing.assert_array_equal(
        kmer.predict_proba(data["sequence"][:5]), expected.predict_proba(data["sequence"][:5])
    )
    tiny = elm.fit("tiny-dnabert-6", data.iloc[::4], out=tmp_path / "ft", epochs=1, batch_size=8)
    loaded = load_classifier(tmp_path / "ft" / "model")
    seqs = data["sequence"].tolist()[:3]
    np.testing.assert_allclose(loaded.predict_proba(seqs), tiny.predict_proba(seqs), atol=1e-6)
    assert (tmp_path / "ft" / "history.tsv").is_file()


def test_fit_refuses_an_unknown_setting_before_training(data):
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['epoch'\]"):
        elm.fit("tiny-dnabert-6", data, epoch=1)


def test_embed_gives_the_rows_enhancerlm_embed_writes(data, tmp_path):
    fasta = tmp_path / "in.fa"
    fasta.write_text(fasta_text(["a", "b", "c"], data["sequence"].tolist()[:2] + ["".join(data["sequence"][:7])]))
    cli("embed", "--backbone", "tiny-dnabert-6", "--input", fasta, "--out", tmp_path / "e.npy", "--layer", "1")
    np.testing.assert_array_equal(elm.embed("tiny-dnabert-6", fasta, layers=[1]), np.load(tmp_path / "e.npy"))


def test_mutagenesis_and_attribute_give_what_the_command_writes(kmer_folder, data, tmp_path):
    seqs = data["sequence"].tolist()[:2]
    fasta = tmp_path / "in.fa"
    fasta.write_text(fasta_text(["a", "b"], seqs))
    cli("mutagenesis", "--model", kmer_folder, "--input", fasta, "--out", tmp_path / "ism")
    in_memory = elm.mutagenesis(kmer_folder, fasta)
    written = pd.read_csv(tmp_path / "ism" / "mutagenesis.tsv", sep="\t", dtype={"id": str, "chrom": str})
    assert len(in_memory) == 3 * 200
    pd.testing.assert_frame_equal(written, in_memory, check_exact=False, atol=1e-6, check_dtype=False)
    tracks = elm.attribute(kmer_folder, seqs)
    assert [t.shape for t in tracks] == [(100,), (100,)]
    by_base = in_memory[in_memory["id"] == "a"].groupby("pos")["log_odds_delta"].mean().to_numpy()
    np.testing.assert_allclose(tracks[0], -by_base, atol=1e-9)  # original minus the mean substitution


def test_scan_and_variants_take_a_model_in_memory_as_its_folder(kmer_folder, genome, tmp_path):
    model = load_classifier(kmer_folder)
    folder = elm.scan_genome(kmer_folder, genome, tmp_path / "a", window_bp=100, stride_bp=50)
    memory = elm.scan_genome(model, genome, tmp_path / "b", window_bp=100, stride_bp=50)
    assert (tmp_path / "a" / "scores.bedgraph").read_text() == (tmp_path / "b" / "scores.bedgraph").read_text()
    # 100 bp windows every 50 bp: 15 on chr1's 800 bp, 7 on chr2's 400 bp
    assert folder.summary["n_windows_scored"] == 22 and memory.summary["model"] == "kmer-lr (in memory)"
    vcf = tmp_path / "v.tsv"
    chr1 = genome.read_text().splitlines()[1]
    vcf.write_text(
        f"chrom\tpos\tref\talt\nchr1\t150\t{chr1[149]}\tN\nchr1\t420\t{chr1[419]}\t{'A' if chr1[419] != 'A' else 'C'}\n"
    )
    by_folder = elm.score_variants(kmer_folder, vcf, genome, tmp_path / "v1", window_bp=100, top_n=0)
    by_memory = elm.score_variants(model, vcf, genome, tmp_path / "v2", window_bp=100, top_n=0)
    pd.testing.assert_frame_equal(by_folder.table, by_memory.table)


def test_run_experiment_from_dataframes_equals_the_run_from_files(data, tmp_path):
    train, test = data.iloc[::2][["id", "sequence", "label"]], data.iloc[1::2][["id", "sequence", "label"]]
    train.to_csv(tmp_path / "train.tsv", sep="\t", index=False)
    test.to_csv(tmp_path / "test.tsv", sep="\t", index=False)
    settings = dict(backbone="kmer-lr", baselines=["gc"], n_boot=50)
    from_files = elm.run_experiment(tmp_path / "train.tsv", [tmp_path / "test.tsv"], out=tmp_path / "f", **settings)
    from_frames = elm.run_experiment(train, test, out=tmp_path / "m", **settings)
    drop = ("versions", "config")
    assert {k: v for k, v in from_frames.metrics.items() if k not in drop} == {
        k: v for k, v in from_files.metrics.items() if k not in drop
    }
    config = yaml.safe_load((tmp_path / "m" / "config.yaml").read_text())["config"]
    assert config["train"] == [str(tmp_path / "m" / "inputs" / "train.tsv")]
    kept = read_specs(config["train"], split="train")
    assert kept["sequence"].tolist() == train["sequence"].tolist()
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["fine_tuned"]["auroc"] > 0.9


@pytest.fixture(scope="module")
def cell_types():
    """The multi-label/regression table of the run tests: heart GC-rich, liver a planted site, activity of both."""
    from tests.experiment.test_multi_output_run import cell_type_table

    return cell_type_table(n=200, seed=1)


def test_fit_takes_label_or_target_columns(cell_types):
    model = elm.fit("kmer-lr", cell_types, label_columns=["heart", "liver"])
    assert (model.task.kind, model.task.names) == ("multilabel", ("heart", "liver"))
    assert model.predict_proba(cell_types["sequence"].tolist()[:3]).shape == (3, 2)
    regressor = elm.fit("gc", cell_types, task="regression", target_columns=["activity"])
    assert regressor.task.kind == "regression" and regressor.predict(["GGGCCCGGCC"]).shape == (1, 1)
    with pytest.raises(InputError, match="--task multiclass: the table has label columns"):
        elm.fit("gc", cell_types, task="multiclass", label_columns=["heart"])


def test_run_experiment_from_a_multi_output_frame_keeps_its_columns_readable(cell_types, tmp_path):
    train, test = cell_types.iloc[:150], cell_types.iloc[150:]
    result = elm.run_experiment(
        train, test, backbone="gc", baselines=[], out=tmp_path / "run", target_columns=["activity"], n_boot=20
    )
    assert result.metrics["task"] == "regression" and result.metrics["fine_tuned"]["spearman"] > 0.3
    config = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())["config"]
    kept = read_specs(config["train"], split="train", target_columns=config["target_columns"])
    assert kept["target:activity"].astype(float).tolist() == train["activity"].tolist()
