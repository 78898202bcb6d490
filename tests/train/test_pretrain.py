"""MLM pre-training end to end on tiny data: learns, resumes exactly, writes a folder others can load."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
import typer
from safetensors.torch import load_file
from transformers import (
    AutoModelForMaskedLM,
    BertForMaskedLM,
    BertTokenizer,
    TrainerCallback,
)
from typer.testing import CliRunner

from enhancerlm.cli import pretrain as pretrain_cli
from enhancerlm.errors import ConfigError
from enhancerlm.models import CreateOptions, create_classifier
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.kmer import KmerTokenizer
from enhancerlm.train.pretrain import pretrain
from enhancerlm.train.pretrain_config import PretrainConfig
from enhancerlm.train.pretrain_folder import save_pretrained_mlm
from tests.helpers import tiny_bert_config

FAST = dict(batch_size=8, warmup_ratio=0.0, min_segment_bp=40)


@pytest.fixture(scope="module")
def micro_backbone(tmp_path_factory):
    """A random micro BERT saved as a tiny-dnabert-6 folder: what continued pre-training starts from."""
    folder = tmp_path_factory.mktemp("micro")
    tokenizer = KmerTokenizer(6)
    torch.manual_seed(0)
    model = BertForMaskedLM(tiny_bert_config(tokenizer.vocab_size, num_hidden_layers=1))  # 64 positions: 67 bp crops
    save_pretrained_mlm(model, tokenizer, folder, {"family": "dnabert", "backbone": "tiny-dnabert-6"})
    return str(folder)


@pytest.fixture(scope="module")
def random_fasta(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("fasta") / "random.fa"
    path.write_text("".join(f">s{i}\n{''.join(rng.choice(list('ACGT'), 700))}\n" for i in range(2)))
    return path


def weights(folder) -> dict[str, torch.Tensor]:
    return load_file(f"{folder}/model.safetensors")


class _Kill(Exception):
    pass


class KillAt(TrainerCallback):
    """Simulates a run killed after optimizer step ``step`` (the last checkpoint is older)."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise _Kill


def test_loss_falls_on_a_learnable_corpus_and_continued_pretraining_starts_from_it(micro_backbone, tmp_path):
    fasta = tmp_path / "repeat.fa"
    fasta.write_text(">a\n" + "ACGGTCAT" * 100 + "\n>b\n" + "ACGGTCAT" * 100 + "\n")
    config = PretrainConfig(max_steps=20, eval_steps=10, lr=5e-3, **FAST)
    first = pretrain([fasta], micro_backbone, tmp_path / "a", config, progress=False)
    val_loss = first.history[first.history["metric"] == "val_loss"]["value"].to_numpy()
    assert len(val_loss) == 3  # before training, step 10, step 20
    assert val_loss[0] > 8 and val_loss[-1] < val_loss[0] - 3  # ln(4101) = 8.3; 8 distinct 6-mers: ln(8) = 2.1
    assert first.final_metrics["val_masked_accuracy"] >= 0.1  # from 0 at random init
    # continued pre-training on the same data: its first evaluation is the first run's last one
    one_step = PretrainConfig.from_dict({**config.to_dict(), "max_steps": 1})
    second = pretrain([fasta], str(tmp_path / "a"), tmp_path / "b", one_step, progress=False)
    restart = second.history[second.history["metric"] == "val_loss"]["value"].iloc[0]
    assert restart == pytest.approx(val_loss[-1], rel=1e-5)


def test_resume_after_a_kill_gives_the_weights_of_an_uninterrupted_run(micro_backbone, random_fasta, tmp_path):
    config = PretrainConfig(max_steps=6, eval_steps=2, rc_augment=True, **FAST)
    whole = pretrain([random_fasta], micro_backbone, tmp_path / "whole", config, progress=False)
    with pytest.raises(_Kill):
        pretrain([random_fasta], micro_backbone, tmp_path / "killed", config, progress=False, callbacks=[KillAt(5)])
    assert not (tmp_path / "killed" / "model.safetensors").exists()
    resumed = pretrain([random_fasta], micro_backbone, tmp_path / "killed", config, resume=True, progress=False)
    assert resumed.global_step == whole.global_step == 6
    a, b = weights(tmp_path / "whole"), weights(tmp_path / "killed")
    assert a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)
    pd.testing.assert_frame_equal(resumed.history, whole.history)
    assert pd.read_csv(tmp_path / "killed" / "history.tsv", sep="\t").shape == whole.history.shape
    assert (tmp_path / "killed" / "history.png").stat().st_size > 0


def test_restarts_need_resume_and_resume_needs_the_same_settings(micro_backbone, random_fasta, tmp_path):
    config = PretrainConfig(max_steps=1, eval_fraction=0.0, **FAST)
    with pytest.raises(ConfigError, match="no checkpoint"):
        pretrain([random_fasta], micro_backbone, tmp_path / "run", config, resume=True, progress=False)
    pretrain([random_fasta], micro_backbone, tmp_path / "run", config, progress=False)
    with pytest.raises(ConfigError, match="pass --resume"):
        pretrain([random_fasta], micro_backbone, tmp_path / "run", config, progress=False)
    changed = PretrainConfig.from_dict({**config.to_dict(), "lr": 1e-3})
    with pytest.raises(ConfigError, match="lr differ"):
        pretrain([random_fasta], micro_backbone, tmp_path / "run", changed, resume=True, progress=False)


def test_output_loads_with_plain_transformers_and_as_a_classifier_body(micro_backbone, random_fasta, tmp_path):
    out = tmp_path / "out"
    pretrain([random_fasta], micro_backbone, out, PretrainConfig(max_steps=2, **FAST), progress=False)
    manifest = json.loads((out / "enhancerlm.json").read_text())
    assert manifest["family"] == "dnabert" and manifest["backbone"] == "tiny-dnabert-6"
    assert manifest["kind"] == "pretrained-mlm"
    assert json.loads((out / "config.json").read_text())["model_type"] == "bert"
    saved = weights(out)
    mlm = AutoModelForMaskedLM.from_pretrained(out)
    assert isinstance(mlm, BertForMaskedLM)
    assert all(torch.equal(value, saved[key]) for key, value in mlm.state_dict().items() if key in saved)
    seq = "ACGTTGCAGGTACCATGA"
    assert (
        BertTokenizer.from_pretrained(out)(" ".join(KmerTokenizer(6).decode_kmers(seq)))["input_ids"]
        == KmerTokenizer(6).encode(seq).tolist()
    )

    classifier = create_classifier(str(out), LabelMap.from_labels(["enhancer", "not_enhancer"]), CreateOptions(seed=3))
    body = {key: value for key, value in classifier.model.state_dict().items() if key.startswith("bert.")}
    pretrained_body = {key for key in body if key in saved}
    assert pretrained_body == {key for key in body if not key.startswith("bert.pooler.")}
    assert all(torch.equal(body[key], saved[key]) for key in pretrained_body)
    assert "classifier.weight" not in saved  # the head is new
    assert classifier.predict_proba([seq, "GATTACA" * 5]).shape == (2, 2)


def test_cli_pretrains_the_registered_tiny_model(random_fasta, tmp_path):
    app = typer.Typer()
    pretrain_cli.register(app)
    app.command("other")(lambda: None)  # two commands, so the group keeps the command name
    out = tmp_path / "cli"
    args = [
        "pretrain",
        "--fasta",
        str(random_fasta),
        "--backbone",
        "tiny-dnabert-6",
        "--out",
        str(out),
        "--max-steps",
        "1",
        "--batch-size",
        "2",
        "--crop-bp",
        "60",
        "--eval-fraction",
        "0",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "model.safetensors").is_file() and (out / "vocab.txt").is_file()
    assert json.loads((out / "pretrain_config.json").read_text())["config"]["crop_bp"] == 60
