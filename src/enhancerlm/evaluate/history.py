"""The per-epoch history table (long format) that training writes and the curve figures read.

Contract: a pandas DataFrame, one row per logged value, with columns

- ``epoch`` (float; fractional when logged mid-epoch),
- ``metric`` (str, ``<split>_<name>``: split ``train``, ``val`` or ``test``; e.g. ``train_loss``,
  ``val_loss``, ``val_accuracy``, ``val_auroc``),
- ``value`` (float),
- ``run`` (str, optional: model, seed or learning rate that the row belongs to).

Rows need no particular order; NaN values are dropped. ``history_to_long`` converts a wide per-epoch
table and ``history_from_trainer_log`` converts ``transformers.Trainer.state.log_history``.
"""

from __future__ import annotations

import pandas as pd

from enhancerlm.errors import InputError

SPLITS = ("train", "val", "test")
HISTORY_COLUMNS = ("epoch", "metric", "value")
# Trainer log keys that describe speed or bookkeeping, not the model.
_TRAINER_SKIP = (
    "runtime",
    "samples_per_second",
    "steps_per_second",
    "total_flos",
    "learning_rate",
    "grad_norm",
    "step",
)


def split_metric(name: str) -> tuple[str, str]:
    """``"val_accuracy" -> ("val", "accuracy")``; a name without a known split prefix is ``("", name)``."""
    head, _, tail = name.partition("_")
    return (head, tail) if head in SPLITS and tail else ("", name)


def check_history(history: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Validate a long history table; return it with NaN values dropped and numeric columns as float.

    ``extra`` names further required numeric columns (``("lr",)`` for a search table).
    """
    required = HISTORY_COLUMNS + extra
    missing = [c for c in required if c not in history.columns]
    if missing:
        raise InputError(
            f"history: missing column(s) {missing}; expected long format with columns {list(required)} "
            f"(got {list(history.columns)}; convert a wide table with history_to_long)"
        )
    out = history.dropna(subset=["value"]).copy()
    for col in ("epoch", "value") + extra:
        try:
            out[col] = out[col].astype(float)
        except (TypeError, ValueError) as err:
            raise InputError(f"history: column {col!r} must be numeric ({err})") from None
    if out.empty:
        raise InputError("history: no rows with a value")
    return out


def history_to_long(wide: pd.DataFrame, id_columns: tuple[str, ...] = ("epoch", "run")) -> pd.DataFrame:
    """Wide per-epoch table (``epoch``, optional ``run``, one column per metric) -> long history table."""
    if "epoch" not in wide.columns:
        raise InputError(f"history: wide table needs an 'epoch' column, got {list(wide.columns)}")
    ids = [c for c in id_columns if c in wide.columns]
    long = wide.melt(id_vars=ids, var_name="metric", value_name="value")
    return long.dropna(subset=["value"]).reset_index(drop=True)


def history_from_trainer_log(log_history: list[dict], run: str | None = None) -> pd.DataFrame:
    """``transformers.Trainer.state.log_history`` -> long history table.

    ``loss`` becomes ``train_loss``, ``eval_<name>`` becomes ``val_<name>``; speed and bookkeeping keys
    (runtime, throughput, learning rate, gradient norm) are left out.
    """
    rows = []
    for entry in log_history:
        if "epoch" not in entry:
            continue
        for key, value in entry.items():
            name = _trainer_key(key)
            if name is not None and isinstance(value, (int, float)):
                rows.append({"epoch": float(entry["epoch"]), "metric": name, "value": float(value)})
    out = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    if run is not None:
        out["run"] = run
    return out


def _trainer_key(key: str) -> str | None:
    # "train_loss" in the Trainer's last entry is the mean over the whole run, not an epoch's loss.
    if key in ("epoch", "train_loss") or any(key.endswith(s) for s in _TRAINER_SKIP):
        return None
    if key == "loss":
        return "train_loss"
    if key.startswith("eval_"):
        return "val_" + key[len("eval_") :]
    return None
