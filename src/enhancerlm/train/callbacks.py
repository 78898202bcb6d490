"""Trainer callbacks: progress bars on stderr and epoch summaries through logging, never on stdout."""

from __future__ import annotations

import contextlib
import logging

from transformers import PrinterCallback, ProgressCallback, Trainer, TrainerCallback
from transformers.utils import logging as hf_logging

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
                text = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items())
                log.info("epoch %.2f: %s", logs.get("epoch", state.epoch or 0.0), text)
        return control


def quiet_trainer(trainer: Trainer, progress: bool) -> Trainer:
    """Replace the Trainer's stdout printers by stderr bars (if ``progress``) and logging; return it."""
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    if progress:
        trainer.add_callback(BarsOnlyProgressCallback)
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
