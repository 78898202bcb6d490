"""Predictions as tables: a model's outputs (``SequenceClassifier.predict_outputs``) -> the CLI's columns and TSV."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from enhancerlm.io import atomic_path
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.sequences.task import TASK_CHOICES, Task

TSV_FLOAT_FORMAT = "%.6g"  # probabilities in the TSV: 6 significant digits


def predict_proba(
    classifier: SequenceClassifier,
    seqs: Sequence[str],
    *,
    batch_size: int | None = None,
    stride_bp: int | None = None,
    aggregate: str = "mean",
    both_strands: bool = False,
) -> np.ndarray:
    """The model's outputs, shape=(len(seqs), n_outputs): ``classifier.predict_outputs`` under its older name.

    Class probabilities, probabilities per label (multi-label) or values (regression). Windowing of
    long sequences and strand averaging live in
    :meth:`enhancerlm.models.base.SequenceClassifier.predict_outputs`; this function only calls it
    (kept for existing callers, which score models of every task through it).
    """
    return classifier.predict_outputs(
        seqs, batch_size, stride_bp=stride_bp, aggregate=aggregate, both_strands=both_strands
    )


def prediction_table(classifier: SequenceClassifier, ids: Sequence[str], proba: np.ndarray) -> pd.DataFrame:
    """The CLI's prediction columns, by the model's task.

    Binary and multi-class: id, probability (positive class; max class probability with >2 classes),
    prediction, then ``p_<class>``. Multi-label: id, prediction (the labels at probability >= 0.5,
    joined by ``;``, ``""`` for none), then ``p_<label>``. Regression: id, then ``pred_<target>``.
    """
    task = classifier.task
    if not task.single_label:
        table = pd.DataFrame({"id": list(ids)})
        if task.kind == "multilabel":
            calls = task.decide(proba).astype(bool)
            table["prediction"] = [";".join(n for n, on in zip(task.names, row) if on) for row in calls]
        for column, values in zip(task.prediction_columns(), np.asarray(proba).T):
            table[column] = values
        return table
    names = classifier.label_map.names
    best = proba.argmax(axis=1)
    # The score's class follows LabelMap.score_index; with >2 classes, where it names none, the top probability.
    score = classifier.label_map.score_index()
    table = pd.DataFrame(
        {
            "id": list(ids),
            "probability": proba.max(axis=1) if score is None else proba[:, score],
            "prediction": [names[i] for i in best],
        }
    )
    for j, name in enumerate(names):
        table[f"p_{name}"] = proba[:, j]
    return table


def predict_table(classifier: SequenceClassifier, table: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """The canonical table's records scored: :func:`prediction_table` of ``classifier.predict_outputs``.

    ``kwargs`` go to :meth:`~enhancerlm.models.base.SequenceClassifier.predict_outputs` (``batch_size``,
    ``stride_bp``, ``aggregate``, ``both_strands``). ``enhancerlm predict`` (per chunk) and
    :func:`enhancerlm.api.predict` both make their tables here.
    """
    seqs = table["sequence"].tolist()
    return prediction_table(classifier, table["id"], classifier.predict_outputs(seqs, **kwargs))


def predict_to_tsv(
    classifier: SequenceClassifier,
    chunks: Iterable[pd.DataFrame],
    out: str | Path,
    **kwargs,
) -> int:
    """Stream chunks of the canonical table through :func:`predict_table` into one TSV, written atomically.

    Memory stays flat: one chunk at a time is held. Returns the number of sequences written.
    """
    n = 0
    with atomic_path(out) as tmp, open(tmp, "w") as handle:
        for chunk in chunks:
            predict_table(classifier, chunk, **kwargs).to_csv(
                handle, sep="\t", index=False, header=n == 0, float_format=TSV_FLOAT_FORMAT
            )
            n += len(chunk)
    return n


def declared_task_notes(
    task: Task, kind: str = "auto", label_columns: Sequence[str] = (), target_columns: Sequence[str] = ()
) -> list[str]:
    """What ``predict`` tells a user who declared a task: the model's own task decides the columns.

    ``predict`` reads no truth, so ``--task``, ``--label-columns`` and ``--target-columns`` change
    nothing; a note says so, and says where they disagree with the model (a table for another model?).

    Raises
    ------
    InputError
        ``kind`` is not a task kind.
    """
    from enhancerlm.errors import InputError

    if kind not in TASK_CHOICES:
        raise InputError(f"--task {kind!r}: expected one of {list(TASK_CHOICES)}")
    given = [
        f
        for f, v in (
            ("--task", kind != "auto"),
            ("--label-columns", label_columns),
            ("--target-columns", target_columns),
        )
        if v
    ]
    if not given:
        return []
    notes = [
        f"{', '.join(given)} ignored: predict reads no truth; the columns follow the model's task "
        f"({task.kind}: {', '.join(task.names)})"
    ]
    declared = "multilabel" if label_columns else "regression" if target_columns else kind
    names = list(label_columns) or list(target_columns)
    if declared != "auto" and declared != task.kind:
        notes.append(f"the model is {task.kind}, not {declared}")
    elif names and names != list(task.names):
        notes.append(f"the model's outputs are {list(task.names)}, not {names}")
    return notes
