"""A pre-training run's folder: the run record that guards a resume, the history, the model in hub layout."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

import pandas as pd

from enhancerlm.errors import ConfigError
from enhancerlm.evaluate.history import history_from_trainer_log
from enhancerlm.evaluate.plots import figure_png, plot_training_curves
from enhancerlm.io import atomic_path, write_text_atomic
from enhancerlm.models.base import MANIFEST
from enhancerlm.provenance import changed_settings, versions
from enhancerlm.tokenization.kmer import KmerTokenizer

log = logging.getLogger(__name__)

RUN_RECORD = "pretrain_config.json"
HISTORY_TSV, HISTORY_PNG = "history.tsv", "history.png"


def check_out_dir(out: Path, record: dict, resume: bool) -> None:
    """Refuse to write over another run's checkpoints, or to resume one with other inputs or settings.

    ``record`` is what the run is (``fasta``, ``backbone``, ``config``), as :func:`write_run_record` keeps it.
    """
    has_checkpoints = any((out / "checkpoints").glob("checkpoint-*"))
    if resume and not has_checkpoints:
        raise ConfigError(f"--resume: {out / 'checkpoints'} has no checkpoint to resume from")
    if not resume and has_checkpoints:
        raise ConfigError(
            f"{out} holds checkpoints of an earlier run; pass --resume to continue it or choose another --out"
        )
    if resume:
        saved = json.loads((out / RUN_RECORD).read_text()) if (out / RUN_RECORD).is_file() else {}
        flat = {"fasta": record["fasta"], "backbone": record["backbone"], **record["config"]}
        changed = changed_settings(
            {"fasta": saved.get("fasta"), "backbone": saved.get("backbone"), **saved.get("config", {})}, flat
        )
        if changed:
            raise ConfigError(
                f"--resume: {', '.join(changed)} differ from the run in {out}; "
                "resume with the same settings, or start a new run in another --out"
            )


def write_run_record(out: Path, record: dict) -> None:
    """``out/pretrain_config.json``: the inputs and settings of the run, and the versions that ran it."""
    write_text_atomic(out / RUN_RECORD, json.dumps({**record, "versions": versions()}, indent=2) + "\n")


def write_history(log_history: list[dict], out: Path, plot: bool = True) -> pd.DataFrame:
    """Trainer log -> long history table in ``out/history.tsv`` and (``plot``) its figure ``out/history.png``."""
    history = history_from_trainer_log(log_history)
    # Trainer's own eval_loss averages batch means; ours (eval_mlm_loss) is over all masked tokens.
    history = history[history["metric"] != "val_loss"].replace({"metric": {"val_mlm_loss": "val_loss"}})
    history = history.sort_values(["epoch", "metric"], kind="stable").reset_index(drop=True)
    write_text_atomic(out / HISTORY_TSV, history.to_csv(sep="\t", index=False))
    if plot and not history.empty:
        png = figure_png(plot_training_curves(history))
        with atomic_path(out / HISTORY_PNG) as tmp:
            tmp.write_bytes(png)
    return history


def save_pretrained_mlm(model, tokenizer: KmerTokenizer, out: Path, manifest: dict) -> None:
    """Write the model in hub layout; each file appears whole (written beside, then renamed)."""
    manifest = {
        **manifest,
        "kind": "pretrained-mlm",
        "k": tokenizer.k,
        "max_bp": tokenizer.max_bp(model.config.max_position_embeddings),
    }
    with tempfile.TemporaryDirectory(prefix=".model-", dir=out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        write_text_atomic(Path(tmp) / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        for path in Path(tmp).iterdir():
            os.replace(path, out / path.name)
    log.info("pre-trained model written to %s", out)


def last_eval(history: pd.DataFrame) -> dict:
    """The last held-out evaluation of a history table: ``{"val_loss": ..., "val_masked_accuracy": ...}``."""
    val = history[history["metric"].str.startswith("val_")]
    return {m: float(rows["value"].iloc[-1]) for m, rows in val.groupby("metric", sort=False)}
