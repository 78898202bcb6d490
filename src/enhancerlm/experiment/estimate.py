"""How long a run will take, said before the long work starts: the steps its settings imply x seconds per step.

A DNABERT-size model on a CPU takes some 17 s per step of 8 sequences, so the default search alone runs
for hours on a few hundred sequences and days on a published data set; a run that says so first lets its
user choose a GPU, a frozen-backbone probe or fewer trials instead.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Collection

import pandas as pd

from enhancerlm.experiment.config import RunConfig
from enhancerlm.formatting import duration

if TYPE_CHECKING:  # torch: imported when a run times its steps, not with this module
    from enhancerlm.models.hf import TransformerClassifier
    from enhancerlm.train.timing import StepTimes

log = logging.getLogger(__name__)

# A backbone this large (parameters) trains slowly on a CPU: BERT-base (DNABERT) has 89M, the CPU-sized
# tiny-dnabert-6 1.2M.
LARGE_ON_CPU = 20_000_000


@dataclass(frozen=True)
class Workload:
    """The work a run's settings imply, counted before anything is trained (an upper bound: early
    stopping and the search's choice of fewer epochs only shorten it).

    Attributes
    ----------
    search_steps, finetune_steps : int
        Optimiser steps of the search's trials and of the final fine-tune.
    scored : int
        Sequences (times strands) through forward passes only: zero-shot, validation after every epoch,
        test, probe embeddings.
    probe_scored : int
        What ``--mode probe`` would score instead of fine-tuning (train and test).
    """

    search_steps: int
    finetune_steps: int
    scored: int
    probe_scored: int

    @property
    def train_steps(self) -> int:
        return self.search_steps + self.finetune_steps


def run_workload(cfg: RunConfig, train: pd.DataFrame, n_test: int, chosen: Collection[str] = ()) -> Workload:
    """Steps and scored sequences of a run with the resolved ``cfg`` on ``train`` (deduplicated) and ``n_test``
    test records; ``chosen`` names the settings the user gave (a search runs unless it holds lr and epochs)."""
    assert cfg.batch_size is not None and cfg.search_epochs is not None and cfg.epochs is not None  # resolved
    strands = 2 if cfg.both_strands else 1
    search = cfg.search and not {"lr", "epochs"} <= set(chosen)
    scored = n_test * strands if cfg.zero_shot else 0
    search_steps = finetune_steps = 0
    if cfg.mode != "probe":
        if search:
            per_class = min(cfg.search_per_class, int(train["label"].value_counts().min()))
            n_subset = per_class * train["label"].nunique()
            n_val = round(n_subset * cfg.search_val_fraction)
            trials = cfg.search_trials or len(cfg.search_lrs or ())
            search_steps = trials * _steps(n_subset - n_val, cfg.search_epochs, cfg)
            scored += trials * cfg.search_epochs * n_val
        epochs = cfg.search_epochs if search and "epochs" not in chosen else cfg.epochs
        n_val = round(len(train) * cfg.val_fraction)
        finetune_steps = _steps(len(train) - n_val, epochs, cfg)
        scored += epochs * n_val + n_test * strands
    probe_scored = len(train) + n_test * strands
    if cfg.mode != "finetune":
        scored += probe_scored
    return Workload(search_steps, finetune_steps, scored, probe_scored)


def _steps(n_records: int, epochs: int, cfg: RunConfig) -> int:
    """Optimiser steps of ``epochs`` over ``n_records``: batches per epoch, gradient accumulation counted."""
    assert cfg.batch_size is not None
    return math.ceil(math.ceil(n_records / cfg.batch_size) / cfg.gradient_accumulation) * epochs


def estimate_message(work: Workload, times: "StepTimes", backbone: str) -> str:
    """One line: the whole run's time and its arithmetic (steps x seconds per step, sequences x seconds each)."""
    train_s, scored_s = work.train_steps * times.train_step_s, work.scored * times.scored_s
    timed = f"{duration(times.scored_s)} per sequence scored"
    training = ""
    if work.train_steps:
        timed = f"{duration(times.train_step_s)} per training step of {times.batch_size} sequences, {timed}"
        training = (
            f"training {work.search_steps} search + {work.finetune_steps} fine-tuning = {work.train_steps} steps x "
            f"{duration(times.train_step_s)} = {duration(train_s)}; "
        )
    return (
        f"time estimate: about {duration(train_s + scored_s)} for this run of {backbone} on the {times.device} "
        f"(timed: {timed}): {training}scoring {work.scored} sequences x {duration(times.scored_s)} = "
        f"{duration(scored_s)}"
    )


def faster_options(work: Workload, times: "StepTimes", cfg: RunConfig) -> str | None:
    """What would be faster, for a large backbone on a CPU; None otherwise."""
    if times.device != "cpu" or times.n_params < LARGE_ON_CPU:
        return None
    options = []
    if cfg.mode != "probe":
        probe_s = work.probe_scored * times.scored_s
        options.append(
            f"--mode probe (frozen embeddings + logistic regression, no training: about {duration(probe_s)})"
        )
    if cfg.quantize == "none":
        options.append("--quantize int8 (int8 scoring on the CPU)")
    options.append("a GPU (CUDA; typically 10-100x faster)")
    return (
        f"{times.n_params / 1e6:.0f}M parameters on a CPU is slow; faster: {'; '.join(options)}; "
        "or fewer steps (--no-search with --lr and --epochs, --search-lrs, --search-per-class)"
    )


def estimate_stage(
    cfg: RunConfig,
    train: pd.DataFrame,
    n_test: int,
    chosen: Collection[str],
    make_classifier: Callable[[], "TransformerClassifier"],
    clock: Callable[[], float] | None = None,
) -> Workload:
    """Time a few steps of a throwaway classifier and log the whole run's estimate (WARNING with advice for a
    large backbone on a CPU). Costs two training steps (none for ``--mode probe``) and one forward pass of one
    batch."""
    from enhancerlm.train.timing import time_steps

    work = run_workload(cfg, train, n_test, chosen)
    assert cfg.batch_size is not None  # resolved for a fine-tuned backbone
    n_steps = 2 if work.train_steps else 0  # a probe run only scores: no training step to time
    times = time_steps(make_classifier(), train, cfg.batch_size, n_steps=n_steps, clock=clock)
    log.info("%s", estimate_message(work, times, cfg.backbone))
    advice = faster_options(work, times, cfg)
    if advice:
        log.warning("%s", advice)
    return work
