"""Trainer callbacks: progress on stderr (a line per epoch off a terminal) and epoch summaries through logging,
never on stdout; and hooks."""

from __future__ import annotations

import contextlib
import logging
import math
import time
from typing import Callable

from tqdm import tqdm
from transformers import PrinterCallback, ProgressCallback, Trainer, TrainerCallback
from transformers.utils import logging as hf_logging

from enhancerlm.formatting import metric
from enhancerlm.progress import on_terminal

log = logging.getLogger(__name__)

# Trainer log keys that are bookkeeping, not results worth a log line.
_QUIET_KEYS = ("runtime", "per_second", "total_flos", "grad_norm", "learning_rate")


class BarsOnlyProgressCallback(ProgressCallback):
    """``ProgressCallback`` whose bars go to stderr (tqdm's default) and which prints no log dicts.

    The stock callback writes every log dict to stdout with ``tqdm.write``, which would corrupt data
    piped from the CLI; :class:`LogEpochCallback` reports them through ``logging`` instead.
    """

    def on_log(self, args, state, control, logs=None, **kwargs):
        return control


class EpochLineCallback(TrainerCallback):
    """Progress off a terminal: one INFO line per epoch (steps done, time taken), not a bar redrawn every step."""

    def on_train_begin(self, args, state, control, **kwargs):
        self.started, self.first_step = time.monotonic(), state.global_step  # a resumed run starts later
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            seconds = time.monotonic() - self.started
            per_step = seconds / max(state.global_step - self.first_step, 1)
            left = per_step * max(state.max_steps - state.global_step, 0)
            log.info(
                "epoch %d of %d done: step %d of %d, %s so far, about %s left",
                round(state.epoch or 0),
                state.num_train_epochs,
                state.global_step,
                state.max_steps,
                tqdm.format_interval(seconds),
                tqdm.format_interval(left),
            )
        return control


class LogEpochCallback(TrainerCallback):
    """One INFO line per Trainer log entry (train loss, validation metrics) on the main process."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            # The last entry's train_loss is the mean over the whole run, not an epoch's: left out.
            shown = {
                k: v
                for k, v in logs.items()
                if k not in ("epoch", "train_loss") and not any(q in k for q in _QUIET_KEYS)
            }
            if shown:
                text = " ".join(f"{k}={metric(v)}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items())
                log.info("epoch %.2f: %s", logs.get("epoch", state.epoch or 0.0), text)
        return control


class EpochCallback(TrainerCallback):
    """Calls ``set_epoch(epoch)`` as each epoch begins (the right epoch of a resumed run too), e.g. to draw its crops."""

    def __init__(self, set_epoch: Callable[[int], None]):
        self.set_epoch = set_epoch

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.set_epoch(int(math.floor(state.epoch or 0)))


class LogLastStep(TrainerCallback):
    """Logs the training loss at the last step too (Trainer evaluates and saves there, but logs only on schedule)."""

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= state.max_steps:
            control.should_log = True


class AfterEvaluate(TrainerCallback):
    """Calls ``write(log_history)`` after every evaluation, e.g. so that a killed run keeps its history table."""

    def __init__(self, write: Callable[[list[dict]], object]):
        self.write = write

    def on_evaluate(self, args, state, control, **kwargs):
        self.write(state.log_history)


def quiet_trainer(trainer: Trainer, progress: bool) -> Trainer:
    """Replace the Trainer's stdout printers by logging and, if ``progress``, stderr bars (a line per epoch
    off a terminal); return it."""
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    if progress:
        trainer.add_callback(BarsOnlyProgressCallback if on_terminal() else EpochLineCallback)
    trainer.add_callback(LogEpochCallback)
    return trainer


@contextlib.contextmanager
def no_save_bars():
    """Hide transformers' own bars (one per checkpoint written); the Trainer's bars are plain tqdm and stay."""
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
