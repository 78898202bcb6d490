"""Seqlets: fixed-width windows around attribution peaks that stand above a null of shuffled sequences."""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.sequences.dna import one_hot


class Seqlets(NamedTuple):
    """Seqlets of a batch of sequences, all ``width_bp`` long.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns id, seq_index, start, end (0-based, half-open, in the sequence), score (attribution
        summed over the peak's core), sequence.
    onehot : np.ndarray, shape=(n_seqlets, width_bp, 4)
        One-hot bases (ACGT columns; non-ACGT rows all zero).
    contrib : np.ndarray, shape=(n_seqlets, width_bp)
        Attribution of each base of the window.
    """

    table: pd.DataFrame
    onehot: np.ndarray
    contrib: np.ndarray


def core_sums(attribution: np.ndarray, core_bp: int) -> np.ndarray:
    """Attribution summed over every window of ``core_bp`` bases, shape=(max(L - core_bp + 1, 0),)."""
    attribution = np.asarray(attribution, dtype=np.float64)
    if len(attribution) < core_bp:
        return np.empty(0)
    cumsum = np.concatenate([[0.0], np.cumsum(attribution)])
    return cumsum[core_bp:] - cumsum[:-core_bp]


def null_threshold(null_attributions: Sequence[np.ndarray], core_bp: int = 8, quantile: float = 0.999) -> float:
    """Seqlet threshold: the ``quantile`` of core-window sums over null sequences' attributions.

    Null sequences are the inputs with their bases shuffled, so the threshold is the window score that
    sequences of the same composition but no intact motif reach with probability ``1 - quantile``.
    """
    if not 0 < quantile < 1:
        raise ConfigError(f"seqlet null quantile={quantile}: must be between 0 and 1")
    sums = np.concatenate([core_sums(a, core_bp) for a in null_attributions] or [np.empty(0)])
    if sums.size == 0:
        raise InputError(f"null_threshold: no null sequence is at least core_bp={core_bp} long")
    return float(np.quantile(sums, quantile))


def extract_seqlets(
    attributions: Sequence[np.ndarray],
    seqs: Sequence[str],
    ids: Sequence[str],
    *,
    threshold: float,
    width_bp: int = 21,
    core_bp: int = 8,
) -> Seqlets:
    """Windows of ``width_bp`` centred on peaks of core-window attribution sums above ``threshold``.

    Peaks are at least ``width_bp`` apart (scipy ``find_peaks``), so seqlets of one sequence do not
    overlap; windows that would run past a sequence end are shifted inside it. Only positive
    attribution (bases that support the target class) makes seqlets.

    Parameters
    ----------
    attributions : list of np.ndarray, each shape=(L_i,)
    seqs, ids : sequences of str
    threshold : float
        Minimum core-window sum (see `null_threshold`).
    width_bp, core_bp : int
        Seqlet width and the width of the window whose attribution sum is thresholded.
    """
    if not 1 <= core_bp <= width_bp:
        raise ConfigError(f"seqlets: need 1 <= core_bp ({core_bp}) <= width_bp ({width_bp})")
    # Imported here: scipy.signal takes about a second to import, and every `enhancerlm` start
    # imports this package (the explain flags are built from ExplainConfig).
    from scipy.signal import find_peaks

    rows, onehots, contribs = [], [], []
    for i, (attr, seq, seq_id) in enumerate(zip(attributions, seqs, ids)):
        if len(seq) < width_bp:
            continue
        # -inf on both sides: find_peaks never reports the first or last sample as a peak.
        sums = np.concatenate([[-np.inf], core_sums(attr, core_bp), [-np.inf]])
        peaks, props = find_peaks(sums, height=threshold, distance=width_bp)
        peaks = peaks - 1
        for peak, score in zip(peaks, props["peak_heights"]):
            start = int(np.clip(peak + core_bp // 2 - width_bp // 2, 0, len(seq) - width_bp))
            window = seq[start : start + width_bp].upper()
            rows.append((seq_id, i, start, start + width_bp, float(score), window))
            onehots.append(one_hot(window))
            contribs.append(np.asarray(attr[start : start + width_bp], dtype=np.float64))
    table = pd.DataFrame(rows, columns=["id", "seq_index", "start", "end", "score", "sequence"])
    onehot = np.stack(onehots) if onehots else np.empty((0, width_bp, 4))
    contrib = np.stack(contribs) if contribs else np.empty((0, width_bp))
    return Seqlets(table, onehot, contrib)


def shuffle_sequences(seqs: Sequence[str], seed: int = 0) -> list[str]:
    """Each sequence with its bases permuted (same length and composition, motifs destroyed)."""
    rng = np.random.default_rng(seed)
    return ["".join(rng.permutation(list(s.upper()))) for s in seqs]
