"""`run_experiment`: the reference study's protocol, corrected, from input files to a report folder.

Order: fill unset settings from the backbone's registry entry and validate inputs (before anything is
written) -> audit leakage -> drop test duplicates from train -> untrained-head baseline ->
hyperparameter search -> final fine-tune -> test every model -> flag a degenerate fine-tuned model ->
metrics, predictions, figures, report. Every step's product lands in ``cfg.out`` atomically.
With ``--mode probe`` a logistic regression on the frozen backbone's embeddings replaces search and
fine-tune; with ``--mode both`` it is tested beside the fine-tuned model (model key ``probe``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import yaml

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.experiment import checks, fitting, results, scoring
from enhancerlm.experiment.config import CHOSEN_BY_USER, RunConfig, resolve_run_config
from enhancerlm.experiment.estimate import estimate_stage
from enhancerlm.io import atomic_path, check_writable, write_text_atomic
from enhancerlm.models.registry import fits_in_closed_form
from enhancerlm.provenance import versions
from enhancerlm.sequences.task import Task, infer_task

log = logging.getLogger(__name__)

INPUTS_DIR = "inputs"  # where a run given in-memory tables keeps them (OUT/inputs/train.tsv, test.tsv)
SPLITS = ("train", "test")


@dataclass
class RunResult:
    """Where a finished run put its outputs, and its metrics (the content of ``metrics.json``)."""

    out: Path
    report: Path
    metrics: dict


@dataclass
class Inputs:
    """Validated tables of one run; ids unique within train and within test (they may be shared).

    ``k`` is the shortest input in bp with a token or k-mer feature of its own (the tokenizer's k, a
    k-mer baseline's shortest k-mer; None for models without one): records shorter than it are kept,
    counted in the audit. ``task`` is what the run predicts, read from the training table. ``dedup`` (with
    ``--dedup``): the training records kept and those removed as copies of test records, computed once, when
    the inputs are checked.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    task: Task
    k: int | None = None
    dedup: checks.Dedup | None = None


def load_inputs(cfg: RunConfig, frames: Mapping[str, pd.DataFrame] | None = None) -> Inputs:
    """Read and validate every SPEC (or in-memory table); nothing is written before this succeeds.

    Repeated ids within train (or within test) are renamed ``NAME~2``, ... (``cfg.strict_ids``: an
    error); train and test may share ids, since nothing keys records by id across them. Records
    shorter than the backbone's k are kept with a warning, unless ``cfg.min_length`` drops them.
    ``frames`` (split name -> DataFrame) replaces reading that split's SPECs; the same checks apply
    (:func:`enhancerlm.sequences.frames.table_from_frame`). The task comes from the training table
    (``cfg.task``, its label or truth columns); the truth of both splits is checked against it.
    """
    from enhancerlm.models.registry import resolve_backbone

    spec, _ = resolve_backbone(cfg.backbone)
    train, test = (_read_split(cfg, split, (frames or {}).get(split), spec.short_below_bp) for split in SPLITS)
    task = infer_task(train, cfg.task, cfg.positive_label)
    if task.single_label:
        unknown = sorted(set(test["label"]) - set(task.names))
        if unknown:
            raise InputError(f"test labels {unknown} do not occur in train (classes: {list(task.names)})")
    for table in (train, test):  # a missing column or value, or a value that is no 0/1 or number: refused now
        task.encode(table, allow_missing=cfg.mask_missing)
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)
    dedup = _dedup_keeping_classes(train, test, task) if cfg.dedup else None
    return Inputs(train, test, task, spec.short_below_bp, dedup)


def _read_split(cfg: RunConfig, split: str, frame: pd.DataFrame | None, k: int | None) -> pd.DataFrame:
    """One split's validated, labelled table: its SPECs read, or its in-memory ``frame`` checked the same way."""
    from enhancerlm.sequences.frames import table_from_frame
    from enhancerlm.sequences.spec import Genome, read_specs
    from enhancerlm.sequences.tables import Columns

    settings: dict[str, Any] = {"min_length": cfg.min_length, "warn_below": k, "strict_ids": cfg.strict_ids}
    truth: dict[str, Any] = {"label_columns": tuple(cfg.label_columns), "target_columns": tuple(cfg.target_columns)}
    if frame is not None:
        columns = Columns(cfg.sequence_column, cfg.label_column, **truth)
        return table_from_frame(frame, split=split, columns=columns, require_labels=True, **settings)
    names: dict[str, Any] = {"sequence_column": cfg.sequence_column, "label_column": cfg.label_column, **truth}
    genome = Genome(cfg.genome, cfg.map_chroms)
    return read_specs(getattr(cfg, split), split=split, require_labels=True, genome=genome, **names, **settings)


def with_frame_inputs(cfg: RunConfig, frames: Mapping[str, pd.DataFrame]) -> RunConfig:
    """``cfg`` whose train/test name the files the run keeps its in-memory tables in (``OUT/inputs/<split>.tsv``).

    A run folder explains itself: its config names readable SPECs even when the tables came from memory.
    """
    unknown = sorted(set(frames) - set(SPLITS))
    if unknown:
        raise ConfigError(f"in-memory inputs {unknown}: only {list(SPLITS)} can be given as tables")
    paths: dict[str, Any] = {split: [str(Path(cfg.out) / INPUTS_DIR / f"{split}.tsv")] for split in frames}
    return dataclasses.replace(cfg, **paths)


def write_frame_inputs(inputs: Inputs, out: Path, splits: Sequence[str], cfg: RunConfig) -> None:
    """The validated tables of ``splits`` as TSVs (id, sequence, label, truth columns) under ``out/inputs``, atomically.

    Truth columns keep the names ``cfg.label_columns``/``cfg.target_columns`` give them, so that the saved
    config reads the files back; unnamed ones keep their ``label:NAME``/``target:NAME`` form.
    """
    named = {f"label:{c}": c for c in cfg.label_columns} | {f"target:{c}": c for c in cfg.target_columns}
    for split in splits:
        (out / INPUTS_DIR).mkdir(exist_ok=True)
        table = getattr(inputs, split)
        columns = ["id", "sequence", "label"] + [c for c in inputs.task.truth_columns() if c != "label"]
        with atomic_path(out / INPUTS_DIR / f"{split}.tsv") as tmp:
            table[columns].rename(columns=named).to_csv(tmp, sep="\t", index=False)


def _dedup_keeping_classes(train: pd.DataFrame, test: pd.DataFrame, task: Task) -> checks.Dedup:
    """Training records that duplicate test records, removed once (the run writes them later); refused, before
    anything is written, when that would leave a class with no training record."""
    from enhancerlm.data.leakage.prepare import remove_test_overlap

    _, removed = remove_test_overlap(train, test, mode="exact")
    # The kept rows of train as they are: remove_test_overlap's own table has the canonical columns only,
    # without a multi-output task's label:/target: truth columns (train ids are unique, see _read_split).
    kept = train[~train["id"].isin(removed["id"])].reset_index(drop=True)
    left = kept["label"].value_counts()
    empty = [name for name in task.names if left.get(name, 0) == 0] if task.single_label else []
    if empty:
        raise InputError(
            f"removing the {len(removed)} training records that also occur in test (exact or reverse "
            f"complement) leaves no training record of {'class' if len(empty) == 1 else 'classes'} "
            f"{', '.join(map(repr, empty))}: the test set "
            "repeats the training set. Give a test set of other sequences, or --no-dedup to train on them "
            "anyway (the test then measures recall of seen sequences, not generalisation)"
        )
    return checks.Dedup(kept, removed)


def prepare_out(cfg: RunConfig) -> Path:
    """Create the output folder; an existing non-empty one is only reused with --resume."""
    out = Path(cfg.out)
    if out.exists() and any(out.iterdir()) and not cfg.resume:
        raise ConfigError(
            f"--out {out} exists and is not empty; pass --resume to continue that run, or pick a new folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_config(cfg: RunConfig, out: Path, task: Task, sources: dict | None = None) -> None:
    """The resolved config, where each value came from, versions, label map and task: a run folder explains itself.

    ``sources`` maps every config key to ``default``, ``backbone``, ``file``, ``flag``, ``given`` or ``unused``
    (see :func:`enhancerlm.experiment.config.with_backbone_defaults`); the search may still replace a
    ``backbone`` lr or epochs: metrics.json's ``fine_tuning`` block holds the values used.
    """
    data = {
        "config": cfg.to_dict(),
        "sources": sources or {},
        "versions": versions(),
        "labels": task.label_map.to_dict(),
        "task": task.to_dict(),
    }
    write_text_atomic(out / "config.yaml", yaml.safe_dump(data, sort_keys=False))
    task.label_map.save(out / "label_map.json")
    task.save(out / "task.json")


class _HeldRecords(logging.Handler):
    """Keeps the records logged before ``run.log`` can exist (inputs are validated before anything is written)."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def _hold_records():
    """Collect what the ``enhancerlm`` loggers say inside the block (it still reaches stderr as usual)."""
    held = _HeldRecords()
    logging.getLogger("enhancerlm").addHandler(held)
    try:
        yield held.records
    finally:
        logging.getLogger("enhancerlm").removeHandler(held)


def _add_log_file(out: Path, held: Sequence[logging.LogRecord] = ()) -> logging.Handler:
    """Log to ``out/run.log`` from now on, starting with the ``held`` records (with their own times)."""
    handler = logging.FileHandler(out / "run.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for record in held:
        handler.handle(record)
    logging.getLogger("enhancerlm").addHandler(handler)
    return handler


def run_experiment(
    cfg: RunConfig, sources: dict | None = None, *, frames: Mapping[str, pd.DataFrame] | None = None
) -> RunResult:
    """Run the whole experiment described by ``cfg``; see the module docstring for the order.

    ``sources`` (from :func:`enhancerlm.experiment.config.read_run_config`) says which settings the user
    chose; without it, every non-default value counts as chosen. Settings left None come from the
    backbone's registry entry, resolved here before anything is read or written. ``frames`` (``"train"``
    and/or ``"test"`` -> DataFrame) are used as they are, never written and read back first; the run keeps
    a copy in ``OUT/inputs/`` and its config names those files (:func:`with_frame_inputs`).
    """
    frames = frames or {}
    cfg = with_frame_inputs(cfg, frames) if frames else cfg
    with _hold_records() as held:  # warnings about the inputs belong in run.log too
        cfg, sources = resolve_run_config(cfg, sources)
        check_writable(cfg.out, folder=True)
        inputs = load_inputs(cfg, frames)
        cfg, sources = fitting.with_task_metrics(cfg, inputs.task, sources)
    out = prepare_out(cfg)
    handler = _add_log_file(out, held)
    try:
        write_frame_inputs(inputs, out, list(frames), cfg)
        return _run(cfg, inputs, out, sources)
    finally:
        logging.getLogger("enhancerlm").removeHandler(handler)
        handler.close()


def _run(cfg: RunConfig, inputs: Inputs, out: Path, sources: dict) -> RunResult:
    task = inputs.task
    write_config(cfg, out, task, sources)
    audit = checks.audit_stage(
        inputs.train,
        inputs.test,
        out / "audit",
        cfg.seed,
        task.positive,
        {"fine_tuning": cfg.val_fraction, "search": cfg.search_val_fraction},
        min_bp=inputs.k,
    )
    novel = audit.novel_mask(include_near=True)
    train = checks.dedup_stage(inputs.dedup, out / "audit") if inputs.dedup is not None else inputs.train
    y_test = task.encode(inputs.test, allow_missing=cfg.mask_missing)
    probas: dict[scoring.ModelKey, np.ndarray] = {}
    closed_form = fits_in_closed_form(cfg.backbone)
    chosen = [k for k, v in sources.items() if v in CHOSEN_BY_USER]
    if not closed_form:  # before the long work: how long it will take, and on a CPU what would be faster
        estimate_stage(cfg, train, len(inputs.test), chosen, lambda: fitting._create(cfg, task))
    if cfg.zero_shot and not closed_form:
        probas[scoring.ZERO_SHOT] = fitting.zero_shot_stage(cfg, task, inputs.test)
    finetuned = history = search = probe = None
    setting, warnings = fitting.Setting(None, None, {}), []
    if cfg.mode != "probe":
        search = None if closed_form else fitting.search_stage(cfg, task, train, out / "search", chosen)
        setting = fitting.choose_setting(cfg, search, sources)
        finetuned, history = fitting.finetune_stage(cfg, task, train, setting.lr, setting.epochs, out)
        probas[scoring.FINE_TUNED] = scoring.test_stage(finetuned, inputs.test, cfg)
        warnings = scoring.sanity_stage(y_test, probas[scoring.FINE_TUNED], task, history)
    if cfg.mode != "finetune":
        probe = fitting.probe_stage(cfg, task, train, out)
        probas[scoring.PROBE] = scoring.test_stage(probe, inputs.test, cfg)
    for name in (b for b in cfg.baselines if b != cfg.backbone):
        probas[scoring.ModelKey(name, is_baseline=True)] = fitting.baseline_stage(
            name, task, train, inputs.test, cfg, out / "baselines"
        )
    metrics = results.metrics_stage(y_test, probas, task, novel, cfg, audit, setting, warnings)
    if probe is not None:
        metrics["probe_setting"] = json.loads((out / "probe" / "probe.json").read_text())
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    results.write_predictions(out / "predictions.tsv", inputs.test, probas, task, novel)
    if cfg.explain:
        scoring.explain_stage(finetuned if finetuned is not None else probe, inputs.test, cfg, out / "explain")
    report = results.report_stage(out, cfg, metrics, y_test, probas, task, audit, history, search)
    log.info("done: %s", report)
    return RunResult(out, report, metrics)
