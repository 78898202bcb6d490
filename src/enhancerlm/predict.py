"""The one batched inference primitive: sequences -> class probabilities, long ones via windows."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from enhancerlm.io import atomic_path
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.tokenization.windows import aggregate_windows, split_windows

log = logging.getLogger(__name__)


def predict_proba(
    classifier: SequenceClassifier,
    seqs: Sequence[str],
    *,
    batch_size: int | None = None,
    stride_bp: int | None = None,
    aggregate: str = "mean",
    both_strands: bool = False,
) -> np.ndarray:
    """Class probabilities, shape=(len(seqs), n_classes).

    Sequences longer than ``classifier.max_bp`` are split into overlapping windows
    (``enhancerlm.tokenization.windows``) and their window probabilities aggregated. With
    ``both_strands`` each sequence's probabilities are the mean of its own and its reverse
    complement's: an enhancer works on either strand, so a strand-blind score is the better estimate.
    """
    if len(seqs) == 0:
        return np.empty((0, classifier.label_map.n_classes), dtype=np.float32)
    if both_strands:
        seqs = list(seqs)
        proba = _one_strand(classifier, seqs + [reverse_complement(s) for s in seqs], batch_size, stride_bp, aggregate)
        return (proba[: len(seqs)] + proba[len(seqs) :]) / 2
    return _one_strand(classifier, seqs, batch_size, stride_bp, aggregate)


def _one_strand(
    classifier: SequenceClassifier, seqs: Sequence[str], batch_size: int | None, stride_bp: int | None, aggregate: str
) -> np.ndarray:
    windows = split_windows(seqs, classifier.max_bp, stride_bp)
    if len(windows.seqs) > len(seqs):
        assert classifier.max_bp is not None  # split_windows only cuts when there is a limit
        n_long = sum(len(s) > classifier.max_bp for s in seqs)
        log.info("%d sequences longer than %d bp scored as %d windows", n_long, classifier.max_bp, len(windows.seqs))
    proba = classifier.predict_proba(windows.seqs, batch_size)
    return aggregate_windows(proba, windows.seq_index, len(seqs), aggregate)


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


def predict_to_tsv(
    classifier: SequenceClassifier,
    chunks: Iterable[pd.DataFrame],
    out: str | Path,
    **kwargs,
) -> int:
    """Stream chunks of the canonical table through the model into one TSV, written atomically.

    Memory stays flat: one chunk at a time is held. Returns the number of sequences written.
    """
    n = 0
    with atomic_path(out) as tmp, open(tmp, "w") as handle:
        for chunk in chunks:
            proba = predict_proba(classifier, chunk["sequence"].tolist(), **kwargs)
            prediction_table(classifier, chunk["id"], proba).to_csv(
                handle, sep="\t", index=False, header=n == 0, float_format="%.6g"
            )
            n += len(chunk)
    return n
