"""In-silico saturation mutagenesis: every single-base substitution scored, only in the windows that hold it."""

from __future__ import annotations

import logging
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.interpret.progress import CancelFlag, ProgressFn, Steps
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.dna import ACGT, ACGT_LETTERS, ascii_bytes, base_codes
from enhancerlm.tokenization.windows import aggregate_windows, split_windows

log = logging.getLogger(__name__)

BASES = ACGT  # column order of every (L, 4) array in this package; complement = reversed columns

# Model inputs (mutant windows) built per chunk of sequences: bounds the memory of their strings.
DEFAULT_MAX_MUTANTS = 16384
# Model inputs per `predict_proba` call when no batch size is given: progress is reported and a cancel
# request honoured between calls, so a call should take seconds, not minutes.
SCORE_STEP = 256


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
    positions, alts = substitutions(upper)
    raw = ascii_bytes(upper)[None, :]
    return _substituted(raw, np.zeros(len(positions), dtype=np.int64), positions, alts), positions, alts


def substitutions(seq: str, span: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions and alternative base codes of the 3 substitutions of every A/C/G/T base in ``span``.

    Parameters
    ----------
    seq : str
        Upper-case sequence, L bp.
    span : (start, end) or None
        0-based, half-open range of the bases to mutate; None: the whole sequence.

    Returns
    -------
    positions, alts : np.ndarray, each shape=(3 * n_valid,)
        Position (0-based) and code (index into ``BASES``) of each substitution, by position then alt.
    """
    ref = base_codes(seq).astype(np.int64)
    valid = np.flatnonzero(ref < 4)
    if span is not None:
        valid = valid[(valid >= span[0]) & (valid < span[1])]
    positions = np.repeat(valid, 3)
    return positions, (ref[positions] + np.tile([1, 2, 3], len(valid))) % 4


def _substituted(raw: np.ndarray, rows: np.ndarray, at: np.ndarray, alts: np.ndarray) -> list[str]:
    """Copies of byte rows ``raw[rows]``, shape=(n, width), with base ``BASES[alts]`` at column ``at``; as str."""
    if len(rows) == 0:
        return []
    grid = raw[rows]
    grid[np.arange(len(rows)), at] = ACGT_LETTERS[alts]
    return grid.view(f"S{raw.shape[1]}").ravel().astype(str).tolist()


class _Plan(NamedTuple):
    """What ISM of one sequence scores: its windows, and each substitution in each window that holds it.

    A substitution changes only the windows that contain it; the other windows of its mutant are the
    original's, whose probabilities are reused. ``cells`` place each scored mutant window in the
    (n_mutants, n_windows) grid that `aggregate_windows` turns into one probability per mutant.
    """

    windows: list[str]
    starts: np.ndarray  # shape=(n_windows,), 0-based bp
    positions: np.ndarray  # shape=(n_mutants,)
    alts: np.ndarray  # shape=(n_mutants,)
    cells: tuple[np.ndarray, np.ndarray]  # (mutant row, window column), each shape=(n_scored,)

    @property
    def n_inputs(self) -> int:
        """Model inputs this sequence costs: its windows plus the mutant windows."""
        return len(self.windows) + len(self.cells[0])

    def mutant_windows(self) -> list[str]:
        """The window of each cell with the cell's substitution in it, in ``cells`` order."""
        rows, cols = self.cells
        raw = np.stack([ascii_bytes(w) for w in self.windows])  # the windows of a sequence share a length
        return _substituted(raw, cols, self.positions[rows] - self.starts[cols], self.alts[rows])


def _plan(seq: str, span: tuple[int, int] | None, max_bp: int | None, stride_bp: int | None) -> _Plan:
    split = split_windows([seq], max_bp, stride_bp)
    positions, alts = substitutions(seq, span)
    width = len(split.seqs[0])
    inside = (positions[:, None] >= split.starts[None, :]) & (positions[:, None] < split.starts[None, :] + width)
    return _Plan(split.seqs, split.starts, positions, alts, np.nonzero(inside))


def _chunks(costs: Sequence[int], max_inputs: int):
    """Consecutive index ranges whose costs fit in ``max_inputs`` (at least one sequence each)."""
    lo, total = 0, 0
    for i, cost in enumerate(costs):
        if total and total + cost > max_inputs:
            yield range(lo, i)
            lo, total = i, 0
        total += cost
    if lo < len(costs):
        yield range(lo, len(costs))


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
    spans: Sequence[tuple[int, int]] | None = None,
    stride_bp: int | None = None,
    aggregate: str = "mean",
    progress: ProgressFn | None = None,
    cancel: CancelFlag | None = None,
) -> ISMResult:
    """Score every single-base substitution of every sequence (or of a span of each).

    A sequence longer than the model's ``max_bp`` is cut into windows as `enhancerlm.predict.predict_proba`
    cuts it (`tokenization.windows.split_windows`), and a mutant's probabilities are aggregated over its
    windows as there (`aggregate_windows`, ``aggregate``). But only the windows that contain a substitution
    are scored for it; the others are the original's, scored once. The result equals scoring every
    mutant whole through ``predict_proba``, up to the float noise of batching.

    Cost: the original's windows plus, per substitution, the windows holding it: 3L + 1 model inputs for
    a sequence that fits the model, about 3L x window_bp / stride_bp (2 with the default stride) for a
    long one, instead of 3L x n_windows. Memory: at most ``max_mutants`` inputs built at a time.

    Parameters
    ----------
    classifier : SequenceClassifier
        Any model (language model or baseline).
    seqs : sequence of str
        Sequences, L_i bp each.
    target : str or None
        Class whose log-odds are reported; None: the positive (last) class.
    batch_size : int or None
        Passed to ``predict_proba``; also the model inputs scored between progress reports (default 256).
    max_mutants : int
        Model inputs built per chunk of sequences (memory bound).
    spans : sequence of (start, end) or None
        Per sequence, the 0-based half-open range of bases to mutate; None: every base.
    stride_bp, aggregate
        As in ``predict_proba``: how long sequences are windowed and their windows combined.
    progress : callable (done, total) -> None, optional
        Called after every model call with model inputs scored so far and in all.
    cancel : object with ``is_set()`` (a ``threading.Event``), optional
        Checked between model calls; when set, :class:`~enhancerlm.errors.Cancelled` is raised.

    Returns
    -------
    ISMResult
        ``deltas`` are NaN at bases not mutated (not A/C/G/T, or outside the span).
    """
    t = target_index(classifier, target)
    seqs = [s.upper() for s in seqs]
    if spans is not None and len(spans) != len(seqs):
        raise InputError(f"ISM: {len(spans)} spans for {len(seqs)} sequences")
    plans = [_plan(s, None if spans is None else spans[i], classifier.max_bp, stride_bp) for i, s in enumerate(seqs)]
    costs = [p.n_inputs for p in plans]
    naive = sum(len(p.windows) * (1 + len(p.positions)) for p in plans)
    if naive > sum(costs):
        log.info(
            "ISM: %d model inputs (windows holding each substitution); all windows of every mutant: %d",
            sum(costs),
            naive,
        )
    ref_logit = np.empty(len(seqs), dtype=np.float64)
    deltas: list[np.ndarray] = [np.empty((0, 4))] * len(seqs)
    with Steps(sum(costs), "ISM", "input", progress, cancel) as steps:
        for rows in _chunks(costs, max_mutants):
            chunk = [plans[i] for i in rows]
            proba = _score_inputs(classifier, _inputs(chunk), steps, batch_size)
            for i, (ref, delta) in enumerate(_deltas(chunk, [len(seqs[j]) for j in rows], proba, t, aggregate)):
                ref_logit[rows[i]], deltas[rows[i]] = ref, delta
    return ISMResult(ref_logit, deltas)


def _inputs(plans: list[_Plan]) -> list[str]:
    """Every original window of the chunk, then every mutant window, sequence by sequence."""
    return [w for p in plans for w in p.windows] + [w for p in plans for w in p.mutant_windows()]


def _score_inputs(classifier, inputs: list[str], steps: Steps, batch_size: int | None) -> np.ndarray:
    """Class probabilities of each input, shape=(n_inputs, n_classes), a step of model calls at a time."""
    step = batch_size or SCORE_STEP
    parts = []
    for lo in range(0, len(inputs), step):
        steps.check()
        parts.append(predict_proba(classifier, inputs[lo : lo + step], batch_size=batch_size))
        steps.advance(len(parts[-1]))
    return np.concatenate(parts) if parts else np.empty((0, classifier.label_map.n_classes), dtype=np.float32)


def _deltas(plans: list[_Plan], lengths: list[int], proba: np.ndarray, target: int, aggregate: str):
    """Per sequence of the chunk: (original log-odds, deltas of shape (L, 4)) from the inputs' probabilities."""
    at_original = 0
    at_mutant = sum(len(p.windows) for p in plans)
    for plan, length in zip(plans, lengths):
        n_windows, n_mutants = len(plan.windows), len(plan.positions)
        original = proba[at_original : at_original + n_windows]
        grid = np.repeat(original[None], n_mutants, axis=0)  # shape=(n_mutants, n_windows, n_classes)
        grid[plan.cells] = proba[at_mutant : at_mutant + len(plan.cells[0])]
        at_original, at_mutant = at_original + n_windows, at_mutant + len(plan.cells[0])
        ref = log_odds(aggregate_windows(original, np.zeros(n_windows, dtype=np.int64), 1, aggregate), target)[0]
        rows = np.repeat(np.arange(n_mutants), n_windows)
        mutant = log_odds(aggregate_windows(grid.reshape(-1, grid.shape[2]), rows, n_mutants, aggregate), target)
        delta = np.full((length, 4), np.nan)
        delta[plan.positions[::3]] = 0.0
        delta[plan.positions, plan.alts] = mutant - ref
        yield ref, delta


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
