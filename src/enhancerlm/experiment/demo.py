"""The offline demo: synthetic enhancers -> pre-training -> the whole `run` experiment, on one laptop.

Everything is generated here (no downloads): a synthetic data set with planted transcription-factor
motifs, a short masked-language-model pre-training of the tiny DNABERT-6-style model on the training
sequences only (no labels, no test data), then `run_experiment` with that pre-trained model.
"""

from __future__ import annotations

import logging
from pathlib import Path

from enhancerlm.errors import ConfigError
from enhancerlm.experiment.config import DemoConfig, RunConfig
from enhancerlm.experiment.pipeline import RunResult, run_experiment
from enhancerlm.io import atomic_dir
from enhancerlm.sequences.fasta import fasta_text

log = logging.getLogger(__name__)


def write_demo_data(folder: Path, cfg: DemoConfig) -> dict[str, list[str]]:
    """Synthetic train/test FASTAs and the pre-training corpus; returns the SPECs."""
    from sklearn.model_selection import train_test_split

    from enhancerlm.data.generate.synthetic import make_synthetic

    data = make_synthetic(
        n_per_class=cfg.n_per_class, length_bp=cfg.length_bp, seed=cfg.seed, site_sampling=cfg.site_sampling
    )
    train, test = train_test_split(
        data.table, test_size=cfg.test_fraction, stratify=data.table["label"], random_state=cfg.seed
    )
    with atomic_dir(folder) as tmp:
        for split, table in (("train", train), ("test", test)):
            for label, part in table.groupby("label"):
                (tmp / f"{split}_{label}.fa").write_text(fasta_text(part["id"], part["sequence"]))
        (tmp / "pretrain.fa").write_text(_pretrain_fasta(train["sequence"].tolist()))
        data.planted.to_csv(tmp / "planted.tsv", sep="\t", index=False)
    labels = sorted(data.table["label"].unique())
    return {split: [f"{folder}/{split}_{label}.fa:{label}" for label in labels] for split in ("train", "test")}


def _pretrain_fasta(seqs: list[str], per_record: int = 50) -> str:
    """The training sequences, unlabelled, joined into records of ``per_record`` sequences.

    Pre-training never sees the test set. Joining makes records long enough that the held-out last
    10% of each (for the masked-LM evaluation) holds whole crops.
    """
    records = ["".join(seqs[i : i + per_record]) for i in range(0, len(seqs), per_record)]
    return fasta_text((f"train_block_{n}" for n in range(len(records))), records)


def run_demo(out: str | Path, cfg: DemoConfig = DemoConfig()) -> RunResult:
    """Generate data, pre-train, run the experiment; the report lands in ``out/run/report.html``."""
    from enhancerlm.train.pretrain import PretrainConfig, pretrain

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {out} exists and is not empty; pick a new folder")
    specs = write_demo_data(out / "data", cfg)
    log.info("demo: pre-training tiny-dnabert-6 for %d steps on the training sequences", cfg.pretrain_steps)
    pretrain(
        [out / "data" / "pretrain.fa"],
        "tiny-dnabert-6",
        out / "pretrained",
        PretrainConfig(
            max_steps=cfg.pretrain_steps,
            batch_size=cfg.pretrain_batch_size,
            seed=cfg.seed,
            crop_bp=cfg.pretrain_crop_bp,
            max_eval_crops=256,
        ),
    )
    run = RunConfig.from_shared(  # seed, search_epochs, search_per_class, epochs, batch_size
        cfg, train=specs["train"], test=specs["test"], backbone=str(out / "pretrained"), out=str(out / "run")
    )
    return run_experiment(run.validate())
