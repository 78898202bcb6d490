"""In-silico saturation mutagenesis: every single-base substitution scored in batched `predict_proba` calls."""

from __future__ import annotations

import logging
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from enhancerlm.models.base import SequenceClassifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.dna import ACGT, ACGT_LETTERS, ascii_bytes, base_codes

log = logging.getLogger(__name__)

BASES = ACGT  # column order of every (L, 4) array in this package; complement = reversed columns

# Mutants scored per `predict_proba` call: bounds memory (strings, token ids) while keeping batches full.
DEFAULT_MAX_MUTANTS = 16384


class ISMResult(NamedTuple):
    """Saturation mutagenesis of a batch of sequences.

    Attributes
    ----------
    ref_logit : np.ndarray, shape=(n_seqs,)
        Log-odds of the target class for each original sequence.
    deltas : list of np.ndarray, each shape=(L_i, 4)
        ``deltas[i][p, b]``: log-odds of the sequence with base ``BASES[b]`` at position ``p`` minus
        ``ref_logit[i]``; 0 at the reference base, NaN at positions whose reference is not A/C/G/T.
    """

    ref_logit: np.ndarray
    deltas: list[np.ndarray]

    @property
    def attribution(self) -> list[np.ndarray]:
        """Per-base attribution, each shape=(L_i,): original log-odds minus the mean over the 3 substitutions.

        Positive means the base supports the target class. Non-ACGT positions get 0.
        """
        return [np.nan_to_num(-d.sum(axis=1) / 3.0, nan=0.0) for d in self.deltas]


def log_odds(proba: np.ndarray, target: int) -> np.ndarray:
    """Log-odds of class ``target``, shape=(n,), from probabilities, shape=(n, n_classes).

    ``log p_t - log(sum of the other classes)``: the smaller of the two terms keeps its relative
    precision in float32, so saturated predictions (p = 1 - 1e-9) still give finite, exact-ish log-odds.
    """
    proba = np.asarray(proba, dtype=np.float64)
    other = proba.sum(axis=1) - proba[:, target]
    tiny = np.finfo(np.float64).tiny
    return np.log(np.maximum(proba[:, target], tiny)) - np.log(np.maximum(other, tiny))


def single_mutants(seq: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """All single-base substitutions of ``seq`` (upper-cased) at its A/C/G/T positions.

    Returns
    -------
    mutants : list of str, length 3 * n_valid
    positions : np.ndarray, shape=(3 * n_valid,)
        0-based position mutated in each mutant.
    alts : np.ndarray, shape=(3 * n_valid,)
        Code (index into ``BASES``) of the substituted base.
    """
    upper = seq.upper()
    raw, ref = ascii_bytes(upper), base_codes(upper).astype(np.int64)
    valid = np.flatnonzero(ref < 4)
    positions = np.repeat(valid, 3)
    alts = (ref[positions] + np.tile([1, 2, 3], len(valid))) % 4
    grid = np.tile(raw, (len(positions), 1))
    grid[np.arange(len(positions)), positions] = ACGT_LETTERS[alts]
    mutants = grid.view(f"S{len(raw)}").ravel().astype(str).tolist() if len(positions) else []
    return mutants, positions, alts


def _chunks(lengths: Sequence[int], max_mutants: int):
    """Consecutive index ranges whose mutants (3 per base) fit in ``max_mutants`` (at least one sequence each)."""
    lo, total = 0, 0
    for i, length in enumerate(lengths):
        if total and total + 3 * length > max_mutants:
            yield range(lo, i)
            lo, total = i, 0
        total += 3 * length
    if lo < len(lengths):
        yield range(lo, len(lengths))


def target_index(classifier: SequenceClassifier, target: str | None) -> int:
    """Class id of ``target`` (a class name); None means the last class, the positive one in a binary task.

    The rule is :meth:`LabelMap.score_index`'s; with more than two classes and no ``target``, where that
    names no class, attribution takes the last one.
    """
    index = classifier.label_map.score_index(target, what="target class")
    return classifier.label_map.n_classes - 1 if index is None else index


def saturation_mutagenesis(
    classifier: SequenceClassifier,
    seqs: Sequence[str],
    *,
    target: str | None = None,
    batch_size: int | None = None,
    max_mutants: int = DEFAULT_MAX_MUTANTS,
) -> ISMResult:
    """Score every single-base substitution of every sequence through `enhancerlm.predict.predict_proba`.

    The 3L mutants of many sequences go through the model together (mutants of one sequence share its
    length, so length-sorted batches carry no padding); sequences longer than the model's ``max_bp`` are
    windowed by ``predict_proba`` exactly as in ordinary inference.

    Parameters
    ----------
    classifier : SequenceClassifier
        Any model (language model or baseline).
    seqs : sequence of str
        Sequences, L_i bp each.
    target : str or None
        Class whose log-odds are reported; None: the positive (last) class.
    batch_size : int or None
        Passed to ``predict_proba``.
    max_mutants : int
        Mutants scored per call (memory bound).

    Returns
    -------
    ISMResult
    """
    from tqdm import tqdm

    t = target_index(classifier, target)
    ref_logit = np.empty(len(seqs), dtype=np.float64)
    deltas: list[np.ndarray] = [np.empty((0, 4))] * len(seqs)
    # Progress on stderr, shown only on a terminal (disable=None): ISM of many sequences takes minutes.
    with tqdm(total=len(seqs), unit="seq", desc="ISM", leave=False, disable=None) as bar:
        for rows in _chunks([len(s) for s in seqs], max_mutants):
            for i, ref, delta in _score_chunk(classifier, [seqs[i] for i in rows], t, batch_size):
                ref_logit[rows[i]], deltas[rows[i]] = ref, delta
            bar.update(len(rows))
    return ISMResult(ref_logit, deltas)


def _score_chunk(classifier, seqs: list[str], target: int, batch_size: int | None):
    """Score the originals and all their mutants in one `predict_proba` call; yield (index, ref, deltas)."""
    built = [single_mutants(seq) for seq in seqs]
    batch = [seq.upper() for seq in seqs] + [m for mutants, _, _ in built for m in mutants]
    scores = log_odds(predict_proba(classifier, batch, batch_size=batch_size), target)
    at = len(seqs)
    for i, (seq, (mutants, positions, alts)) in enumerate(zip(seqs, built)):
        delta = np.full((len(seq), 4), np.nan)
        delta[positions[::3]] = 0.0
        delta[positions, alts] = scores[at : at + len(mutants)] - scores[i]
        at += len(mutants)
        yield i, scores[i], delta
    log.debug("ISM: scored %d mutants of %d sequences", len(batch) - len(seqs), len(seqs))


def top_mutations(ids: Sequence[str | int], seqs: Sequence[str], result: ISMResult, n_top: int = 10) -> pd.DataFrame:
    """The ``n_top`` substitutions per sequence that change the target log-odds most (by absolute delta).

    Returns
    -------
    pandas.DataFrame
        Columns id, position (0-based), ref, alt, delta (log-odds of mutant minus original), rank (1 = largest).
    """
    frames = []
    for seq_id, seq, delta in zip(ids, seqs, result.deltas):
        flat = np.nan_to_num(np.abs(delta), nan=0.0).ravel()
        n = min(n_top, int(np.count_nonzero(flat)))
        best = np.argsort(-flat, kind="stable")[:n]
        pos, alt = np.divmod(best, 4)
        frames.append(
            pd.DataFrame(
                {
                    "id": seq_id,
                    "position": pos,
                    "ref": [seq[p].upper() for p in pos],
                    "alt": [BASES[a] for a in alt],
                    "delta": delta[pos, alt],
                    "rank": np.arange(1, n + 1),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["id", "position", "ref", "alt", "delta", "rank"])
    return pd.concat(frames, ignore_index=True)
