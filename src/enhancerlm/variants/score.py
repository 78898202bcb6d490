"""REF and ALT windows -> class probabilities in one batched ``predict_proba`` call; deltas from them."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from enhancerlm.interpret.ism import log_odds
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.dna import N_CODE, base_codes
from enhancerlm.variants.windows import Windows

log = logging.getLogger(__name__)


def score_windows(
    classifier: SequenceClassifier, windows: Windows, *, both_strands: bool = False, batch_size: int | None = None
) -> np.ndarray:
    """Probabilities of each variant's REF and ALT window, and its REF window's count of non-ACGT bases.

    Identical windows are scored once: the REF window that the ALTs of a multi-allelic record (or
    repeated records) share, and any ALT that equals another variant's window.

    Returns
    -------
    np.ndarray, shape=(n_variants, 2 * n_classes + 1), float32
        Columns: p_ref per class, p_alt per class, non-ACGT bases in the REF window. NaN rows for
        skipped variants (``windows.skip != ""``).
    """
    n_classes = classifier.label_map.n_classes
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


def effects(p_ref: np.ndarray, p_alt: np.ndarray, column: int, names) -> pd.DataFrame:
    """Effect columns: p_ref, p_alt, delta (= p_alt - p_ref), log_odds_delta, and delta_<class> for >2 classes.

    Parameters
    ----------
    p_ref, p_alt : np.ndarray, shape=(n, n_classes)
    column : int
        Class whose probability is the score (``LabelMap.score_index``).
    names : sequence of str
        Class names, in column order.
    """
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
