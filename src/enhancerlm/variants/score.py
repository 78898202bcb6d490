"""REF and ALT windows -> the model's outputs in one batched ``predict_proba`` call; deltas from them."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from enhancerlm.models.base import SequenceClassifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.dna import N_CODE, base_codes
from enhancerlm.sequences.task import Task, log_odds
from enhancerlm.variants.windows import Windows

log = logging.getLogger(__name__)


def score_windows(
    classifier: SequenceClassifier, windows: Windows, *, both_strands: bool = False, batch_size: int | None = None
) -> np.ndarray:
    """Outputs (probabilities or values) of each variant's REF and ALT window, and its REF window's non-ACGT bases.

    Identical windows are scored once: the REF window that the ALTs of a multi-allelic record (or
    repeated records) share, and any ALT that equals another variant's window.

    Returns
    -------
    np.ndarray, shape=(n_variants, 2 * n_outputs + 1), float32
        Columns: REF output per class/label/target, ALT output per output, non-ACGT bases in the REF
        window. NaN rows for skipped variants (``windows.skip != ""``).
    """
    n_classes = classifier.task.n_outputs
    scored = np.flatnonzero(windows.skip == "")
    out = np.full((len(windows.skip), 2 * n_classes + 1), np.nan, dtype=np.float32)
    if len(scored) == 0:
        return out
    seqs = [w for i in scored for w in (windows.ref[i], windows.alt[i])]
    which, unique = pd.factorize(pd.Series(seqs, dtype=object))
    log.debug("%d variants: %d windows, %d distinct", len(scored), len(seqs), len(unique))
    proba = predict_proba(classifier, list(unique), batch_size=batch_size, both_strands=both_strands)
    out[scored, : 2 * n_classes] = proba[which].reshape(len(scored), 2 * n_classes)
    out[scored, -1] = [np.count_nonzero(base_codes(windows.ref[i]) == N_CODE) for i in scored]
    return out


def effects(p_ref: np.ndarray, p_alt: np.ndarray, columns: list[int], task: Task) -> pd.DataFrame:
    """Effect columns of ``variants.tsv``, from the REF and ALT outputs, each shape=(n, n_outputs).

    Binary and multi-class (``columns``: the one scored class, ``Task.output_indices``): p_ref, p_alt,
    delta (= p_alt - p_ref), log_odds_delta, and delta_<class> for >2 classes, as before tasks had kinds.
    Multi-label and regression: per chosen output ``p_ref_<label>, p_alt_<label>, delta_<label>``
    (regression: ``pred_ref_<target>, pred_alt_<target>, delta_<target>``), then ``delta``, the change
    of largest size over those outputs, and ``most_affected``, the output it belongs to.
    """
    if task.single_label:
        return _class_effects(p_ref, p_alt, columns[0], task.names)
    frame = pd.DataFrame(index=range(len(p_ref)))
    prefix = task.prediction_prefix
    for j in columns:
        name = task.names[j]
        frame[f"{prefix}ref_{name}"] = p_ref[:, j]
        frame[f"{prefix}alt_{name}"] = p_alt[:, j]
        frame[f"delta_{name}"] = p_alt[:, j] - p_ref[:, j]
    deltas = p_alt[:, columns] - p_ref[:, columns]
    scored = np.isfinite(deltas).all(axis=1)
    largest = np.argmax(np.abs(np.where(scored[:, None], deltas, 0.0)), axis=1)
    frame["delta"] = deltas[np.arange(len(deltas)), largest]
    frame["most_affected"] = np.where(scored, np.asarray(task.names, dtype=object)[np.asarray(columns)[largest]], "")
    return frame


def _class_effects(p_ref: np.ndarray, p_alt: np.ndarray, column: int, names) -> pd.DataFrame:
    """The single-label columns: p_ref, p_alt, delta, log_odds_delta of class ``column``; delta_<class> for >2."""
    frame = pd.DataFrame(
        {
            "p_ref": p_ref[:, column],
            "p_alt": p_alt[:, column],
            "delta": p_alt[:, column] - p_ref[:, column],
            "log_odds_delta": log_odds(p_alt, column) - log_odds(p_ref, column),
        }
    )
    if len(names) > 2:
        for j, name in enumerate(names):
            frame[f"delta_{name}"] = p_alt[:, j] - p_ref[:, j]
    return frame
