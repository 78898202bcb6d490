"""Predictions as tables: class probabilities (``SequenceClassifier.predict_proba``) -> the CLI's columns and TSV."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from enhancerlm.io import atomic_path
from enhancerlm.models.base import SequenceClassifier

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
    """Class probabilities, shape=(len(seqs), n_classes): ``classifier.predict_proba`` under its older name.

    Windowing of long sequences and strand averaging live in
    :meth:`enhancerlm.models.base.SequenceClassifier.predict_proba`; this function only calls it
    (kept for existing callers).
    """
    return classifier.predict_proba(
        seqs, batch_size, stride_bp=stride_bp, aggregate=aggregate, both_strands=both_strands
    )


def prediction_table(classifier: SequenceClassifier, ids: Sequence[str], proba: np.ndarray) -> pd.DataFrame:
    """Columns id, probability (positive class; max class probability with >2 classes), prediction, then p_<class>."""
    names = classifier.label_map.names
    best = proba.argmax(axis=1)
    # The score's class follows LabelMap.score_index; with >2 classes, where it names none, the top probability.
    column = classifier.label_map.score_index()
    table = pd.DataFrame(
        {
            "id": list(ids),
            "probability": proba.max(axis=1) if column is None else proba[:, column],
            "prediction": [names[i] for i in best],
        }
    )
    for j, name in enumerate(names):
        table[f"p_{name}"] = proba[:, j]
    return table


def predict_table(classifier: SequenceClassifier, table: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """The canonical table's records scored: :func:`prediction_table` of ``classifier.predict_proba``.

    ``kwargs`` go to :meth:`~enhancerlm.models.base.SequenceClassifier.predict_proba` (``batch_size``,
    ``stride_bp``, ``aggregate``, ``both_strands``). ``enhancerlm predict`` (per chunk) and
    :func:`enhancerlm.api.predict` both make their tables here.
    """
    seqs = table["sequence"].tolist()
    return prediction_table(classifier, table["id"], classifier.predict_proba(seqs, **kwargs))


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
