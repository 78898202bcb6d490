"""Seqlets -> motifs: greedy, alignment-aware clustering into position probability matrices (PPMs).

TF-MoDISco (modisco-lite) does this step with affinity clustering; it pulls in numba, leiden and
h5py and its JIT compile alone outlasts our test budget, so this module does a documented simpler
thing (see docs/interpret.md): take the strongest unclustered seqlet, seed a PWM with its
highest-attribution core, collect every seqlet that matches it on either strand at any offset,
re-estimate the PWM from the aligned members a few times, widen it with flanks, trim weak edges.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.ism import BASES
from enhancerlm.interpret.seqlets import Seqlets, core_sums
from enhancerlm.sequences.dna import one_hot

log = logging.getLogger(__name__)


@dataclass
class Motif:
    """A motif found among seqlets.

    Attributes
    ----------
    name : str
        ``motif_1``, ``motif_2``, ... in order of discovery (strongest seed first).
    ppm : np.ndarray, shape=(width_bp, 4)
        Base probabilities per position (ACGT columns), edges trimmed.
    members : np.ndarray, shape=(n_members,)
        Row indices of the member seqlets.
    strands : np.ndarray, shape=(n_members,)
        ``"+"`` where the motif reads on the seqlet's strand, ``"-"`` on its reverse complement.
    """

    name: str
    ppm: np.ndarray
    members: np.ndarray
    strands: np.ndarray

    @property
    def consensus(self) -> str:
        """Most probable base per position."""
        return "".join(BASES[i] for i in self.ppm.argmax(axis=1))


def information_content(ppm: np.ndarray) -> np.ndarray:
    """Bits per position, shape=(width_bp,): 2 + sum p log2 p (uniform background)."""
    p = np.clip(np.asarray(ppm, dtype=np.float64), 1e-12, 1.0)
    return 2.0 + (p * np.log2(p)).sum(axis=1)


def log_odds_pwm(counts: np.ndarray, pseudocount: float) -> np.ndarray:
    """Counts, shape=(m, 4) -> log2 odds against a uniform background, with ``pseudocount`` spread evenly."""
    ppm = (counts + pseudocount / 4) / (counts.sum(axis=1, keepdims=True) + pseudocount)
    return np.log2(ppm / 0.25)


def scan(onehot: np.ndarray, pwm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best PWM match of each sequence on either strand.

    Parameters
    ----------
    onehot : np.ndarray, shape=(n, L, 4)
    pwm : np.ndarray, shape=(m, 4)
        Log-odds, m <= L.

    Returns
    -------
    score, strand, start : np.ndarray, each shape=(n,)
        Best score, strand (0 forward, 1 reverse complement) and start of the match in that strand's
        orientation (in the reverse complement, start counts from the sequence's end).
    """
    both = np.stack([onehot, onehot[:, ::-1, ::-1]])  # ACGT columns reversed = complement
    windows = np.lib.stride_tricks.sliding_window_view(both, pwm.shape[0], axis=2)  # (2, n, P, 4, m)
    scores = np.einsum("snpcj,jc->nsp", windows, pwm)
    flat = scores.reshape(len(onehot), -1).argmax(axis=1)
    strand, start = np.divmod(flat, scores.shape[2])
    return scores.reshape(len(onehot), -1).max(axis=1), strand, start


def _aligned(onehot: np.ndarray, strand: np.ndarray, start: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Columns lo..hi-1 relative to each match start, in the match's orientation, shape=(n, hi-lo, 4).

    Columns outside a seqlet are all-zero (they add no counts).
    """
    n, width = onehot.shape[:2]
    oriented = np.where(strand[:, None, None] == 0, onehot, onehot[:, ::-1, ::-1])
    cols = start[:, None] + np.arange(lo, hi)[None, :]
    inside = (cols >= 0) & (cols < width)
    out = oriented[np.arange(n)[:, None], np.clip(cols, 0, width - 1)]
    return out * inside[:, :, None]


def _refine(onehot, seed_cols, match_frac: float, n_iter: int):
    """Grow one cluster from a seed core: scan, keep matches above ``match_frac`` of the best score, re-fit."""
    pwm = log_odds_pwm(seed_cols, pseudocount=0.25)  # one seqlet: 0.85 on its base, 0.05 elsewhere
    for _ in range(n_iter):
        score, strand, start = scan(onehot, pwm)
        member = score >= match_frac * pwm.max(axis=1).sum()
        if not member.any():
            break
        counts = _aligned(onehot[member], strand[member], start[member], 0, pwm.shape[0]).sum(axis=0)
        pwm = log_odds_pwm(counts, pseudocount=1.0)
    return member, strand, start


def _trimmed_ppm(aligned: np.ndarray, min_ic: float) -> np.ndarray:
    """Aligned one-hot members, shape=(n, w, 4) -> PPM over the span whose edge columns are informative.

    A column counts as informative when at least half the members cover it and its information
    content, less the small-sample bias 3 / (2 ln 2 n) a uniform column shows with n observations
    (Miller-Madow), reaches ``min_ic``: a few dozen random bases otherwise look like 0.2-0.4 bits.
    """
    counts = aligned.sum(axis=0)
    coverage = counts.sum(axis=1)
    ppm = (counts + 0.25) / (coverage[:, None] + 1.0)
    bias = 3.0 / (2.0 * np.log(2) * np.maximum(coverage, 1.0))
    keep = np.flatnonzero((coverage >= 0.5 * len(aligned)) & (information_content(ppm) - bias >= min_ic))
    if keep.size == 0:
        return ppm
    return ppm[keep[0] : keep[-1] + 1]


def discover_motifs(
    seqlets: Seqlets,
    *,
    seed_bp: int = 8,
    flank_bp: int = 6,
    min_seqlets: int = 5,
    max_motifs: int = 20,
    match_frac: float = 0.6,
    n_iter: int = 3,
    min_ic: float = 0.5,
) -> list[Motif]:
    """Cluster seqlets into motifs, strongest seeds first.

    Parameters
    ----------
    seqlets : Seqlets
    seed_bp : int
        Width of the seed core: the seed seqlet's highest-attribution window.
    flank_bp : int
        Bases added on each side of the core before trimming (motifs longer than the core).
    min_seqlets : int
        Clusters with fewer members are dropped (their seed stays unclustered).
    max_motifs : int
    match_frac : float
        A seqlet joins when its best PWM score reaches this fraction of the PWM's maximum score.
    n_iter : int
        Scan/re-fit rounds per cluster.
    min_ic : float
        Edge positions below this information content (bits, small-sample corrected) are trimmed.

    Returns
    -------
    list of Motif
    """
    width = seqlets.onehot.shape[1]
    if not 1 <= seed_bp <= width:
        raise ConfigError(f"motifs: need 1 <= seed_bp ({seed_bp}) <= seqlet width ({width})")
    pool = np.ones(len(seqlets.table), dtype=bool)
    order = np.argsort(-seqlets.table["score"].to_numpy(), kind="stable")
    motifs: list[Motif] = []
    for seed in order:
        if len(motifs) >= max_motifs:
            break
        if not pool[seed]:
            continue
        pool[seed] = False
        core = int(np.argmax(core_sums(seqlets.contrib[seed], seed_bp)))
        idx = np.flatnonzero(pool | (np.arange(len(pool)) == seed))
        member, strand, start = _refine(
            seqlets.onehot[idx], seqlets.onehot[seed, core : core + seed_bp], match_frac, n_iter
        )
        if member.sum() < min_seqlets:
            continue
        aligned = _aligned(seqlets.onehot[idx][member], strand[member], start[member], -flank_bp, seed_bp + flank_bp)
        rows = idx[member]
        pool[rows] = False
        motifs.append(
            Motif(
                f"motif_{len(motifs) + 1}", _trimmed_ppm(aligned, min_ic), rows, np.where(strand[member] == 0, "+", "-")
            )
        )
        log.debug("%s: %d seqlets, consensus %s", motifs[-1].name, len(rows), motifs[-1].consensus)
    return motifs


def sequences_with_hit(ppm: np.ndarray, seqs: Sequence[str], match_frac: float = 0.8) -> np.ndarray:
    """Whether each sequence holds a match (either strand) scoring at least ``match_frac`` of the PWM maximum.

    Returns
    -------
    np.ndarray of bool, shape=(n_seqs,)
    """
    pwm = np.log2(np.clip(ppm, 1e-3, 1.0) / 0.25)
    needed = match_frac * pwm.max(axis=1).sum()
    out = np.zeros(len(seqs), dtype=bool)
    for i, seq in enumerate(seqs):
        if len(seq) >= len(pwm):
            out[i] = scan(one_hot(seq)[None], pwm)[0][0] >= needed
    return out
