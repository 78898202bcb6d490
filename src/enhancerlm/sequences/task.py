"""What a model predicts, declared once: the task kind, its output names, and every rule that depends on it.

A task is one of

- ``binary``: one label per sequence, two classes (``names[1]`` the positive class);
- ``multiclass``: one label per sequence, three or more classes;
- ``multilabel``: each sequence carries 0..n of n labels (an enhancer active in several cell types);
- ``regression``: one or more real-valued targets per sequence (STARR-seq or MPRA activity).

Every stage asks the task instead of testing its kind: how many outputs a model has, how its outputs
are squashed, which loss trains it, which columns of a table hold the truth, how a split is stratified,
which metric chooses an epoch, what the prediction columns are called. ``Task`` is saved with every
model (``enhancerlm.json``) and run (``task.json``); the binary and multi-class tasks are the
:class:`~enhancerlm.sequences.records.LabelMap` of earlier versions, which still loads.

Truth in the canonical table: the ``label`` column for binary and multi-class tasks; for the others one
column per output, ``label:NAME`` (0/1) or ``target:NAME`` (a number), NaN where a value is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import LabelMap

TaskKind = Literal["binary", "multiclass", "multilabel", "regression"]
TASK_KINDS: tuple[str, ...] = ("binary", "multiclass", "multilabel", "regression")
# "auto": binary or multi-class from the label column, multi-label or regression from the columns named.
TASK_CHOICES: tuple[str, ...] = ("auto", *TASK_KINDS)

# Prefix of a canonical-table column that holds one output's truth, by kind.
TRUTH_PREFIX = {"multilabel": "label:", "regression": "target:"}
# Prefix of a prediction column, by kind: a probability per class or label, a predicted value per target.
PREDICTION_PREFIX = {"binary": "p_", "multiclass": "p_", "multilabel": "p_", "regression": "pred_"}
# transformers' `problem_type`, which picks the loss of its sequence-classification heads.
HF_PROBLEM_TYPE = {
    "binary": "single_label_classification",
    "multiclass": "single_label_classification",
    "multilabel": "multi_label_classification",
    "regression": "regression",
}
# The metric that chooses an epoch and ranks search trials when the backbone's entry names a binary one:
# multi-label sets are usually rare-positive per label, where AUPRC says more than AUROC; a regressor of
# measured activity is judged by rank agreement, which a monotone readout cannot fake.
DEFAULT_METRIC = {"binary": "auroc", "multiclass": "auroc_macro", "multilabel": "auprc_macro", "regression": "spearman"}
# Regression quantile strata for duplicate-aware, stratified splits.
N_REGRESSION_STRATA = 5


def truth_columns(table: pd.DataFrame) -> list[str]:
    """The ``label:NAME`` / ``target:NAME`` columns of a canonical table, in table order (none: single-label)."""
    return [c for c in table.columns if str(c).startswith(tuple(TRUTH_PREFIX.values()))]


def log_odds(proba: np.ndarray, target: int) -> np.ndarray:
    """Log-odds of class ``target``, shape=(n,), from probabilities, shape=(n, n_classes).

    ``log p_t - log(sum of the other classes)``: the smaller of the two terms keeps its relative
    precision in float32, so saturated predictions (p = 1 - 1e-9) still give finite, exact-ish log-odds.
    """
    proba = np.asarray(proba, dtype=np.float64)
    other = proba.sum(axis=1) - proba[:, target]
    tiny = np.finfo(np.float64).tiny
    return np.log(np.maximum(proba[:, target], tiny)) - np.log(np.maximum(other, tiny))


@dataclass(frozen=True)
class Task:
    """The kind of prediction and the names of its outputs, in output order.

    Parameters
    ----------
    kind : {"binary", "multiclass", "multilabel", "regression"}
    names : tuple of str
        Classes in id order (binary: ``names[1]`` positive), labels, or targets; one per model output.
    """

    kind: str
    names: tuple[str, ...]

    def __post_init__(self):
        if self.kind not in TASK_KINDS:
            raise InputError(f"task {self.kind!r}: expected one of {list(TASK_KINDS)}")
        if len(set(self.names)) != len(self.names) or any(not n for n in self.names):
            raise InputError(f"task {self.kind}: output names must be distinct and non-empty, got {list(self.names)}")
        least = {"binary": 2, "multiclass": 3}.get(self.kind, 1)
        if len(self.names) < least or (self.kind == "binary" and len(self.names) != 2):
            raise InputError(f"task {self.kind}: {len(self.names)} outputs {list(self.names)} do not fit it")

    # -- what the task is ------------------------------------------------------------------------------

    @classmethod
    def from_label_map(cls, label_map: LabelMap) -> "Task":
        """The single-label task of a label map (binary with two classes, else multi-class)."""
        return cls("binary" if label_map.n_classes == 2 else "multiclass", tuple(label_map.names))

    @classmethod
    def of(cls, task: "Task | LabelMap") -> "Task":
        """``task`` as it is, or the single-label task of a LabelMap (what callers of earlier versions pass)."""
        return task if isinstance(task, Task) else cls.from_label_map(task)

    @property
    def positive(self) -> str | None:
        """The positive class of a binary task (its probability is a sequence's score); None for the others."""
        return self.names[1] if self.kind == "binary" else None

    @property
    def single_label(self) -> bool:
        """True for binary and multi-class tasks: one class per sequence, probabilities that sum to 1."""
        return self.kind in ("binary", "multiclass")

    @property
    def n_outputs(self) -> int:
        """Columns of a model's output: classes, labels or targets."""
        return len(self.names)

    @cached_property  # one object per task: a model's label_map is the same object at every access
    def label_map(self) -> LabelMap:
        """Output names as a LabelMap (id2label of a model's config); its ``positive`` only in a binary task."""
        return LabelMap(self.names)

    @property
    def problem_type(self) -> str:
        """transformers' ``problem_type`` (cross-entropy, per-label BCE or MSE loss)."""
        return HF_PROBLEM_TYPE[self.kind]

    @property
    def default_metric(self) -> str:
        """The metric that ranks epochs and trials unless the user names another."""
        return DEFAULT_METRIC[self.kind]

    def truth_columns(self) -> list[str]:
        """Canonical-table columns holding the truth: ``["label"]``, or one ``label:``/``target:`` column per output."""
        if self.single_label:
            return ["label"]
        return [TRUTH_PREFIX[self.kind] + name for name in self.names]

    @property
    def prediction_prefix(self) -> str:
        """Prefix of an output's prediction column: ``p_`` (a probability) or ``pred_`` (a value)."""
        return PREDICTION_PREFIX[self.kind]

    def prediction_columns(self, suffix: str = "") -> list[str]:
        """Prediction column per output: ``p_<class|label>`` or ``pred_<target>`` (``suffix`` appended, e.g. ``_kmer_lr``)."""
        return [f"{PREDICTION_PREFIX[self.kind]}{name}{suffix}" for name in self.names]

    # -- outputs ---------------------------------------------------------------------------------------

    def activate(self, logits: np.ndarray) -> np.ndarray:
        """A model's raw outputs, shape=(n, n_outputs), as its predictions: softmax, sigmoid per label, or as they are."""
        logits = np.asarray(logits, dtype=np.float64)
        if self.kind == "regression":
            return logits.astype(np.float32)
        if self.kind == "multilabel":
            return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)

    def decide(self, outputs: np.ndarray) -> np.ndarray:
        """Outputs -> predictions: class names (single-label), 0/1 per label (multi-label), values (regression).

        A label is called above probability 0.5 (0.5 itself is not), the rule of a binary task's
        positive class, so that the metrics' calls (:mod:`enhancerlm.evaluate`) are these calls.
        """
        if self.single_label:
            return np.asarray(self.names, dtype=object)[np.asarray(outputs).argmax(axis=1)]
        if self.kind == "multilabel":
            return (np.asarray(outputs) > 0.5).astype(np.int8)
        return np.asarray(outputs, dtype=np.float32)

    @property
    def probabilities(self) -> bool:
        """True where outputs are probabilities in [0, 1] (classification); False for regression values."""
        return self.kind != "regression"

    @property
    def explained_unit(self) -> str:
        """Unit of :meth:`explained` (attribution, ISM and variant log-odds deltas): ``log-odds`` or ``value``."""
        return "log-odds" if self.probabilities else "value"

    def explained(self, outputs: np.ndarray, column: int) -> np.ndarray:
        """What attribution explains for output ``column``, shape=(n,), float64.

        Single-label: the class's log-odds against the other classes (:func:`log_odds`); multi-label:
        the label's own log-odds, log p - log(1 - p), since its probability is a sigmoid of its own
        logit; regression: the predicted value as it is.
        """
        outputs = np.asarray(outputs, dtype=np.float64)
        if self.single_label:
            return log_odds(outputs, column)
        if self.kind == "multilabel":
            p = outputs[:, column]
            return log_odds(np.column_stack([1.0 - p, p]), 1)
        return outputs[:, column]

    def output_index(self, name: str | None = None, what: str = "--target") -> int:
        """The one output that attribution, ISM and mutagenesis explain.

        ``name`` names a class, label or target. None: the positive class of a binary task, the last
        class of a multi-class one, the first label or target otherwise (callers say which one they took).
        """
        if self.single_label:
            index = self.label_map.score_index(name, what=what)
            return self.n_outputs - 1 if index is None else index
        return self.output_indices(name, what)[0]

    def output_indices(self, names: str | None = None, what: str = "--class") -> list[int]:
        """The outputs a genome scan or a variant run reports, as column indices.

        Single-label: the one class whose probability is the score (``LabelMap.score_index``: the
        named class, else the positive class of a binary task; with more than two classes a name is
        needed). Multi-label and regression: every output, or those named in ``names``
        (comma-separated: ``"HepG2,K562"``), in the model's order.

        Raises
        ------
        InputError
            A name that is not an output, or no name for a multi-class task (the message lists them).
        """
        if self.single_label:
            index = self.label_map.score_index(names, what=what)
            if index is None:
                raise InputError(
                    f"the model has {self.n_outputs} classes {list(self.names)}; say which one to scan for with {what}"
                )
            return [index]
        if names is None:
            return list(range(self.n_outputs))
        asked = [n.strip() for n in names.split(",") if n.strip()]
        unknown = [n for n in asked if n not in self.names]
        if unknown or not asked:
            kind = "label" if self.kind == "multilabel" else "target"
            raise InputError(f"{what} {names!r}: not a {kind} of the model; its {kind}s are {list(self.names)}")
        return sorted({self.names.index(n) for n in asked})

    # -- truth -----------------------------------------------------------------------------------------

    def encode(self, table: pd.DataFrame, allow_missing: bool = False) -> np.ndarray:
        """The truth of every row of a canonical table.

        Returns
        -------
        np.ndarray
            Single-label: class ids, shape=(n,), int64. Multi-label: 0/1, shape=(n, n_labels), float64.
            Regression: values, shape=(n, n_targets), float64. Missing values are NaN (only with
            ``allow_missing``; they are masked out of losses and metrics).

        Raises
        ------
        InputError
            A label unknown to the task, a truth column missing from the table, a value that is not
            0/1 (multi-label) or not a finite number (regression), or a missing value without
            ``allow_missing``; the message names the record and the column.
        """
        if self.single_label:
            return np.asarray(self.label_map.encode(table["label"]), dtype=np.int64)
        absent = [c for c in self.truth_columns() if c not in table.columns]
        if absent:
            raise InputError(
                f"{self.kind} task: the table has no column {absent[0]!r} (columns: {list(table.columns)})"
            )
        values = np.column_stack([_numbers(table, c, self.kind) for c in self.truth_columns()])
        _check_values(values, table, self.truth_columns(), self.kind, allow_missing)
        return values

    def strata(self, table: pd.DataFrame) -> list[str]:
        """A stratum per row for stratified, duplicate-aware splits: the class, the label set, or a quantile bin."""
        if self.single_label:
            return [str(x) for x in table["label"]]
        y = self.encode(table, allow_missing=True)
        if self.kind == "multilabel":
            return ["".join("1" if v == 1 else "0" for v in row) for row in y]
        first = y[:, 0]
        edges = np.nanquantile(first, np.linspace(0, 1, N_REGRESSION_STRATA + 1)[1:-1]) if len(first) else []
        return [f"q{int(np.searchsorted(edges, v, side='right'))}" if np.isfinite(v) else "missing" for v in first]

    # -- saving ----------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {"kind": self.kind, "names": list(self.names)}

    @classmethod
    def from_dict(cls, data: dict) -> "Task":
        """A task from ``to_dict``'s form, or from an older ``{"id2label": ...}`` label map (single-label)."""
        if "kind" in data:
            return cls(data["kind"], tuple(data["names"]))
        return cls.from_label_map(LabelMap.from_dict(data))

    def save(self, path: str | Path) -> None:
        from enhancerlm.io import write_text_atomic

        write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Task":
        return cls.from_dict(json.loads(Path(path).read_text()))


def infer_task(table: pd.DataFrame, kind: str = "auto", positive: str | None = None) -> Task:
    """The task a (training) table describes: its truth columns, or its label column's classes.

    Parameters
    ----------
    table : pd.DataFrame
        A canonical table (:func:`enhancerlm.sequences.spec.read_specs`).
    kind : {"auto", "binary", "multiclass", "multilabel", "regression"}
        ``"auto"``: multi-label or regression from ``label:``/``target:`` columns, else binary or
        multi-class from the label column. A named kind must agree with the table.
    positive : str, optional
        The positive class of a binary task (``LabelMap.from_labels``).

    Raises
    ------
    InputError
        ``kind`` does not fit the table (the message says what the table holds).
    """
    if kind not in TASK_CHOICES:
        raise InputError(f"--task {kind!r}: expected one of {list(TASK_CHOICES)}")
    columns = truth_columns(table)
    if columns:
        found = next(k for k, prefix in TRUTH_PREFIX.items() if columns[0].startswith(prefix))
        if kind not in ("auto", found):
            what = "label" if found == "multilabel" else "target"
            raise InputError(f"--task {kind}: the table has {what} columns {columns}, which make a {found} task")
        return Task(found, tuple(c.split(":", 1)[1] for c in columns))
    if kind in TRUTH_PREFIX:
        flag = "--label-columns A,B,C (0/1 label columns)" if kind == "multilabel" else "--target-columns X[,Y]"
        raise InputError(
            f"--task {kind} needs {'0/1 label' if kind == 'multilabel' else 'numeric target'} columns: give {flag}"
        )
    task = Task.from_label_map(LabelMap.from_labels(table["label"], positive=positive))
    if kind not in ("auto", task.kind):
        raise InputError(f"--task {kind}: the labels have {task.n_outputs} classes {list(task.names)}")
    return task


def _numbers(table: pd.DataFrame, column: str, kind: str) -> np.ndarray:
    """A truth column as float64; text that is not a number is an InputError naming the record."""
    values = pd.to_numeric(table[column].replace("", np.nan), errors="coerce").to_numpy(dtype=np.float64)
    raw = table[column]
    bad = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy())
    if len(bad):
        row = bad[0]
        raise InputError(
            f"record {table['id'].iloc[row]!r}: {column} = {raw.iloc[row]!r} is not a number ({kind} task)"
        )
    return values


def _check_values(values: np.ndarray, table: pd.DataFrame, columns: list[str], kind: str, allow_missing: bool) -> None:
    missing = np.isnan(values)
    if missing.any() and not allow_missing:
        row, col = map(int, np.argwhere(missing)[0])
        raise InputError(
            f"record {table['id'].iloc[row]!r}: no value in {columns[col]!r} ({int(missing.sum())} missing in all); "
            "fill them, or let the run mask missing values per output (--mask-missing)"
        )
    if kind == "multilabel":
        bad = ~missing & (values != 0) & (values != 1)
        if bad.any():
            row, col = map(int, np.argwhere(bad)[0])
            raise InputError(
                f"record {table['id'].iloc[row]!r}: {columns[col]} = {values[row, col]:g}; multi-label columns hold 0 or 1"
            )
    elif np.isinf(values).any():
        row, col = map(int, np.argwhere(np.isinf(values))[0])
        raise InputError(f"record {table['id'].iloc[row]!r}: {columns[col]} is infinite")
