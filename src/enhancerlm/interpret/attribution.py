"""One entry point for per-base attribution (ISM, integrated gradients, attention), its checks and its table."""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.interpret.config import METHODS
from enhancerlm.interpret.progress import CancelFlag, ProgressFn
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.tokenization.windows import split_windows

log = logging.getLogger(__name__)


def attribute(
    classifier,
    seqs: Sequence[str],
    method: str = "ism",
    *,
    target: str | None = None,
    batch_size: int | None = None,
    ig_steps: int = 32,
    ig_baseline: str = "pad",
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelFlag | None = None,
) -> list[np.ndarray]:
    """Per-base attribution of each sequence, each shape=(L_i,).

    ``"ism"``: original minus mean substituted log-odds (every model). ``"ig"``: integrated gradients
    on the word embeddings, in log-odds units (transformers models). ``"attention"``: [CLS] attention
    of the last layer (transformers with [CLS]). Sequences longer than the model's ``max_bp`` are
    windowed; for ``ig``/``attention`` a base's score is the mean over the windows that hold it.
    ``progress(done, total)`` and ``cancel`` (``is_set()``, checked between model calls) are passed
    to ISM (counting model inputs) and integrated gradients (counting windows); attention ignores them.
    """
    from enhancerlm.interpret.attention import cls_attention
    from enhancerlm.interpret.gradients import integrated_gradients
    from enhancerlm.interpret.ism import saturation_mutagenesis

    if method == "ism":
        return saturation_mutagenesis(
            classifier, seqs, target=target, batch_size=batch_size, progress=progress, cancel=cancel
        ).attribution
    if method == "ig":

        def run(s):
            return integrated_gradients(
                classifier,
                s,
                target=target,
                n_steps=ig_steps,
                baseline=ig_baseline,
                batch_size=batch_size or 16,
                seed=seed,
                progress=progress,
                cancel=cancel,
            ).attribution
    elif method == "attention":

        def run(s):
            return cls_attention(classifier, s, batch_size=batch_size)
    else:
        raise ConfigError(f"attribution method {method!r}: use one of {METHODS}")
    return windowed(run, seqs, classifier.max_bp)


def windowed(run, seqs: Sequence[str], max_bp: int | None) -> list[np.ndarray]:
    """Apply a per-base attribution ``run(seqs) -> list of (L,)`` to windows of at most ``max_bp``, then merge.

    Overlapping windows are averaged base by base.
    """
    if max_bp is None or all(len(s) <= max_bp for s in seqs):
        return run(list(seqs))
    windows = split_windows(seqs, max_bp)
    n_long = sum(len(s) > max_bp for s in seqs)
    log.info("%d sequences longer than %d bp attributed as %d windows", n_long, max_bp, len(windows.seqs))
    parts = run(windows.seqs)
    sums = [np.zeros(len(s)) for s in seqs]
    counts = [np.zeros(len(s)) for s in seqs]
    for part, i, start in zip(parts, windows.seq_index, windows.starts):
        sums[i][start : start + len(part)] += part
        counts[i][start : start + len(part)] += 1
    return [s / c for s, c in zip(sums, counts)]


def rc_consistency(forward: Sequence[np.ndarray], reverse: Sequence[np.ndarray]) -> np.ndarray:
    """Pearson correlation, shape=(n_seqs,), of each forward track with its reverse-complement track reversed.

    ``reverse[i]`` is the attribution of ``reverse_complement(seq_i)``; reversed, its base j lines up with
    forward base j. 1 means the model explains both strands alike. NaN where a track is constant.
    """
    out = np.full(len(forward), np.nan)
    for i, (f, r) in enumerate(zip(forward, reverse)):
        f, r = np.asarray(f, dtype=np.float64), np.asarray(r, dtype=np.float64)[::-1]
        if len(f) != len(r):
            raise InputError(f"rc_consistency: sequence {i} has {len(f)} forward and {len(r)} reverse scores")
        if len(f) > 1 and f.std() > 0 and r.std() > 0:
            out[i] = np.corrcoef(f, r)[0, 1]
    return out


def reverse_complements(seqs: Sequence[str]) -> list[str]:
    """Reverse complement of each (upper-cased) sequence."""
    return [reverse_complement(s.upper()) for s in seqs]


def planted_auroc(attributions: Sequence[np.ndarray], ids: Sequence[str], planted: pd.DataFrame) -> float:
    """AUROC of attribution for telling planted-motif bases from the other bases of the same sequences.

    Parameters
    ----------
    attributions : list of np.ndarray, each shape=(L_i,)
    ids : sequence of str
        Sequence ids, in the order of ``attributions``.
    planted : pandas.DataFrame
        Columns id, start, end (0-based, half-open); ids absent from ``ids`` are ignored.
        Only sequences with at least one planted interval are scored.
    """
    from sklearn.metrics import roc_auc_score

    index = {seq_id: i for i, seq_id in enumerate(ids)}
    truth = [np.zeros(len(a), dtype=bool) for a in attributions]
    for row in planted.itertuples(index=False):
        if row.id in index:
            truth[index[row.id]][int(row.start) : int(row.end)] = True
    keep = [i for i, t in enumerate(truth) if t.any()]
    if not keep:
        raise InputError("planted_auroc: no planted interval falls in the given sequences")
    labels = np.concatenate([truth[i] for i in keep])
    scores = np.concatenate([np.asarray(attributions[i], dtype=np.float64) for i in keep])
    return float(roc_auc_score(labels, scores))


def attribution_frame(
    ids: Sequence[str | int], seqs: Sequence[str], tracks: dict[str, Sequence[np.ndarray]]
) -> pd.DataFrame:
    """Long table of per-base scores: columns id, position (0-based), base, then one column per method."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    frame = pd.DataFrame(
        {
            "id": np.repeat(np.asarray(ids, dtype=object), lengths),
            "position": np.concatenate([np.arange(n) for n in lengths]) if len(seqs) else np.empty(0, dtype=np.int64),
            "base": list("".join(seqs).upper()),
        }
    )
    for method, track in tracks.items():
        frame[method] = np.concatenate(track) if len(track) else np.empty(0)
    return frame
