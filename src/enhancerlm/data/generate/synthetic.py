"""Synthetic enhancer data: Markov background DNA with planted transcription-factor motifs, GC-matched negatives.

Grammar of the default task (every choice drawn from one ``numpy`` generator seeded by ``seed``):

- Background: every sequence (both classes) is drawn from one Markov chain over A/C/G/T
  (:class:`MarkovBackground`; default order 1, fitted on human GRCh38 chrY PAR1, 48.6% GC, CpG-depleted).
- Enhancer: 2 to 4 instances (``n_sites``, uniform) of distinct motifs chosen at random from the
  motif set (default: 6 JASPAR CORE vertebrate matrices, :mod:`enhancerlm.data.generate.motifs`); each
  instance is a site sampled base by base from the motif's probability matrix, on a random strand
  (``orientation="random"``), placed in random order without overlap and at least ``min_gap_bp``
  apart, positions uniform over all such layouts.
- Not-enhancer: the same number of sites (same distribution) sampled from the same motifs and then
  shuffled base by base (``kind="shuffled"``), so both classes carry the same base composition and GC
  content alone cannot separate them; with probability ``decoy_rate`` one of those sites is left
  unshuffled (``kind="decoy"``), so a single motif hit does not decide the class either.

The Bayes-optimal rule counts real motif hits (>= 2: enhancer), which a small CNN or a k-mer model
learns from a few hundred sequences per class. ``planted`` lists every site with 0-based half-open
coordinates on the forward strand.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from enhancerlm.data.generate.motifs import Motif, load_motifs
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.io import atomic_dir
from enhancerlm.sequences.dna import code_strings, kmer_ids, padded_codes
from enhancerlm.sequences.fasta import fasta_text
from enhancerlm.sequences.records import make_table

logger = logging.getLogger(__name__)

POSITIVE, NEGATIVE = "enhancer", "not_enhancer"
PLANTED_COLUMNS = ("id", "motif_name", "matrix_id", "start", "end", "strand", "kind")
PLAN_COLUMNS = ("seq", "motif", "start", "strand", "kind")  # one planned site: sequence row, motif index, ...
# P(next base | previous base), rows and columns A, C, G, T: counted on GRCh38 chrY PAR1
# (NT_167201.2, 1.8 Mbp of A/C/G/T; see shared/data/human-chrY-par). Note C->G at 0.096: CpG depletion.
CHRY_PAR1_ORDER1 = np.array(
    [
        [0.2659, 0.2017, 0.2885, 0.2438],
        [0.2983, 0.2953, 0.0961, 0.3103],
        [0.2717, 0.2204, 0.2936, 0.2143],
        [0.1824, 0.2579, 0.2866, 0.2731],
    ]
)


@dataclass(frozen=True)
class MarkovBackground:
    """A Markov chain over A/C/G/T of order ``order``.

    Parameters
    ----------
    transitions : np.ndarray, shape=(4**order, 4)
        Row ``s`` = P(next base | previous ``order`` bases), whose id ``s`` is base-4 with A=0, C=1,
        G=2, T=3, first base most significant. Rows sum to 1.
    initial : np.ndarray, shape=(4**order,)
        Probability of the first ``order`` bases.
    """

    transitions: np.ndarray
    initial: np.ndarray

    @property
    def order(self) -> int:
        return int(round(np.log(len(self.transitions)) / np.log(4)))

    @classmethod
    def default(cls) -> "MarkovBackground":
        """Order 1, fitted on human chrY PAR1 (``CHRY_PAR1_ORDER1``)."""
        transitions = CHRY_PAR1_ORDER1 / CHRY_PAR1_ORDER1.sum(axis=1, keepdims=True)
        # The chain's stationary distribution: the left eigenvector of eigenvalue 1.
        values, vectors = np.linalg.eig(transitions.T)
        stationary = np.abs(np.real(vectors[:, np.argmin(np.abs(values - 1))]))
        return cls(transitions, stationary / stationary.sum())

    @classmethod
    def fit(cls, seqs: Sequence[str], order: int = 2, pseudocount: float = 1.0) -> "MarkovBackground":
        """Count (order+1)-mers (windows with N skipped) in ``seqs``; ``order`` 1 to 3."""
        if order not in (1, 2, 3):
            raise ConfigError(f"Markov order {order!r} must be 1, 2 or 3")
        counts = np.zeros(4 ** (order + 1))
        for seq in seqs:  # one sequence at a time: a chromosome-sized record would not fit padded
            ids, valid = kmer_ids(padded_codes([seq])[0], order + 1)
            counts += np.bincount(ids[valid], minlength=len(counts))
        if counts.sum() == 0:
            raise InputError(f"Markov background: no {order + 1}-mer of A/C/G/T in the {len(seqs)} given sequences")
        counts = counts.reshape(4**order, 4) + pseudocount
        context = counts.sum(axis=1)
        return cls(counts / context[:, None], context / context.sum())

    def sample(self, n: int, length_bp: int, rng: np.random.Generator) -> np.ndarray:
        """Draw ``n`` sequences, vectorised over sequences (one step per position).

        Returns
        -------
        np.ndarray of uint8, shape=(n, length_bp)
            Base codes A=0, C=1, G=2, T=3.
        """
        order = self.order
        state = rng.choice(len(self.initial), size=n, p=self.initial)
        codes = np.zeros((n, max(length_bp, order)), dtype=np.uint8)
        for j in range(order):
            codes[:, j] = (state // 4 ** (order - 1 - j)) % 4
        cumulative = np.cumsum(self.transitions, axis=1)
        draws = rng.random((n, length_bp))
        for pos in range(order, length_bp):
            nxt = np.minimum((draws[:, pos, None] > cumulative[state]).sum(axis=1), 3)
            codes[:, pos] = nxt
            state = (state * 4 + nxt) % 4**order
        return codes[:, :length_bp]


@dataclass
class SyntheticData:
    """Output of :func:`make_synthetic`.

    Attributes
    ----------
    table : pd.DataFrame
        Canonical table, enhancers first, labels ``enhancer`` / ``not_enhancer``.
    planted : pd.DataFrame
        One row per planted site: id, motif_name, matrix_id, start, end (0-based half-open bp),
        strand (``+``/``-``; ``.`` for shuffled sites), kind (``motif`` in enhancers, ``decoy`` = an
        intact motif in a not-enhancer, ``shuffled`` = composition-matching scrambled site).
    motifs : list of Motif
    params : dict
        Every generation parameter, for ``motifs.json``.
    """

    table: pd.DataFrame
    planted: pd.DataFrame
    motifs: list
    params: dict = field(default_factory=dict)


def _sample_sites(motif: Motif, count: int, rng: np.random.Generator, mode: str) -> np.ndarray:
    """``count`` forward-strand sites, shape=(count, motif.length_bp), base codes."""
    if mode == "consensus":
        return np.tile(motif.probs.argmax(axis=1).astype(np.uint8), (count, 1))
    cumulative = np.cumsum(motif.probs, axis=1)
    draws = rng.random((count, motif.length_bp))
    return np.minimum((draws[..., None] > cumulative[None]).sum(axis=-1), 3).astype(np.uint8)


def site_starts(site_lengths: np.ndarray, length_bp: int, min_gap_bp: int, rng: np.random.Generator) -> np.ndarray:
    """Start of each site, in list order, non-overlapping and >= ``min_gap_bp`` apart; uniform over layouts."""
    m = len(site_lengths)
    free = length_bp - int(site_lengths.sum()) - (m - 1) * min_gap_bp
    # Stars and bars: m distinct draws from free + m slots, sorted, minus 0..m-1, is a uniform
    # multiset of m slack positions in 0..free.
    slack = np.sort(rng.choice(free + m, size=m, replace=False)) - np.arange(m)
    before = np.concatenate([[0], np.cumsum(site_lengths[:-1] + min_gap_bp)])
    return slack + before


def _plan(n: int, positive: bool, motifs: list[Motif], config: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Which sites go where: one row per site (seq, motif, start, strand, kind)."""
    low, high = config["n_sites"]
    n_sites = rng.integers(low, high + 1, size=n)
    choice = np.argsort(rng.random((n, len(motifs))), axis=1)  # per row: motifs in random order
    reverse = rng.random((n, high)) < (0.5 if config["orientation"] == "random" else 0.0)
    decoy = rng.random(n) < config["decoy_rate"]
    if not config["gc_matched"] and not positive:
        n_sites = decoy.astype(int)  # background only, plus the occasional intact decoy motif
    lengths = np.array([m.length_bp for m in motifs])
    rows = []
    for i in range(n):  # layout is a small integer problem per sequence
        picked = choice[i, : n_sites[i]]
        if len(picked) == 0:
            continue
        starts = site_starts(lengths[picked], config["length_bp"], config["min_gap_bp"], rng)
        for j, (motif, start) in enumerate(zip(picked, starts)):
            kind = "motif" if positive else ("decoy" if decoy[i] and j == 0 else "shuffled")
            strand = "." if kind == "shuffled" else ("-" if reverse[i, j] else "+")
            rows.append((i, motif, int(start), strand, kind))
    return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))


def plant_sites(codes: np.ndarray, plan: pd.DataFrame, motifs: list[Motif], mode: str, rng) -> None:
    """Write the planned sites into ``codes`` (in place), one batch per motif."""
    for index, group in plan.groupby("motif", sort=True):
        motif = motifs[index]
        sites = _sample_sites(motif, len(group), rng, mode)
        minus = (group["strand"] == "-").to_numpy()
        sites[minus] = 3 - sites[minus, ::-1]  # reverse complement (A=0 <-> T=3, C=1 <-> G=2)
        shuffled = (group["kind"] == "shuffled").to_numpy()
        sites[shuffled] = rng.permuted(sites[shuffled], axis=1)
        cols = group["start"].to_numpy()[:, None] + np.arange(motif.length_bp)
        codes[group["seq"].to_numpy()[:, None], cols] = sites


def _check_config(config: dict, motifs: list[Motif]) -> None:
    low, high = config["n_sites"]
    if not 1 <= low <= high <= len(motifs):
        raise ConfigError(f"n_sites={config['n_sites']!r}: need 1 <= low <= high <= {len(motifs)} (number of motifs)")
    longest = sorted((m.length_bp for m in motifs), reverse=True)[:high]
    needed = sum(longest) + (high - 1) * config["min_gap_bp"]
    if config["length_bp"] < needed:
        raise ConfigError(f"length_bp={config['length_bp']}: {high} sites of these motifs need at least {needed} bp")
    if config["orientation"] not in ("random", "forward") or config["site_sampling"] not in ("pwm", "consensus"):
        raise ConfigError(
            f"orientation {config['orientation']!r} (random|forward) or site_sampling "
            f"{config['site_sampling']!r} (pwm|consensus) is not supported"
        )
    if config["n_per_class"] < 1 or not 0 <= config["decoy_rate"] <= 1:
        raise ConfigError(f"n_per_class={config['n_per_class']!r} must be >= 1, decoy_rate in [0, 1]")


def make_synthetic(
    n_per_class: int = 500,
    length_bp: int = 200,
    seed: int = 0,
    *,
    motifs: list[Motif] | None = None,
    background: MarkovBackground | None = None,
    n_sites: tuple[int, int] = (2, 4),
    orientation: str = "random",
    min_gap_bp: int = 4,
    decoy_rate: float = 0.25,
    gc_matched: bool = True,
    site_sampling: str = "pwm",
) -> SyntheticData:
    """Generate a labelled enhancer / not-enhancer data set with known planted motifs (module docstring).

    Parameters
    ----------
    n_per_class : int
        Sequences per class.
    length_bp : int
        Length of every sequence (both classes: length carries no signal).
    seed : int
        Same seed and parameters, same output.
    motifs : list of Motif, optional
        Default: :func:`enhancerlm.data.generate.motifs.load_motifs` (6 JASPAR matrices).
    background : MarkovBackground, optional
        Default: :meth:`MarkovBackground.default`.
    n_sites : (int, int)
        Inclusive range of motif sites per enhancer (distinct motifs).
    orientation : {"random", "forward"}
    min_gap_bp : int
        Minimum spacing between sites, bp.
    decoy_rate : float
        Probability that a not-enhancer carries one intact motif.
    gc_matched : bool
        Give not-enhancers shuffled sites of the same composition (False: background only).
    site_sampling : {"pwm", "consensus"}
        Sample every site from the matrix, or plant the consensus (a test aid).
    """
    motifs = load_motifs() if motifs is None else list(motifs)
    background = MarkovBackground.default() if background is None else background
    config = {
        "n_per_class": n_per_class,
        "length_bp": length_bp,
        "seed": seed,
        "n_sites": tuple(n_sites),
        "orientation": orientation,
        "min_gap_bp": min_gap_bp,
        "decoy_rate": decoy_rate,
        "gc_matched": gc_matched,
        "site_sampling": site_sampling,
        "markov_order": background.order,
    }
    _check_config(config, motifs)
    rng = np.random.default_rng(seed)
    width = len(str(n_per_class))
    tables, planted = [], []
    for label, prefix in ((POSITIVE, "enh"), (NEGATIVE, "bg")):
        codes = background.sample(n_per_class, length_bp, rng)
        plan = _plan(n_per_class, label == POSITIVE, motifs, config, rng)
        plant_sites(codes, plan, motifs, site_sampling, rng)
        ids = [f"{prefix}_{i:0{width}d}" for i in range(n_per_class)]
        tables.append(make_table(ids, code_strings(codes), [label] * n_per_class, source=f"synthetic:seed={seed}"))
        planted.append(planted_frame(plan, ids, motifs))
    logger.info(
        "synthetic: %d enhancers, %d not-enhancers of %d bp, %d planted sites",
        n_per_class,
        n_per_class,
        length_bp,
        sum(map(len, planted)),
    )
    return SyntheticData(pd.concat(tables, ignore_index=True), pd.concat(planted, ignore_index=True), motifs, config)


def planted_frame(plan: pd.DataFrame, ids: list[str], motifs: list[Motif]) -> pd.DataFrame:
    """The planned sites as ``planted.tsv`` rows (``PLANTED_COLUMNS``, then any extra plan column), by id and start."""
    lengths = np.array([m.length_bp for m in motifs])
    frame = pd.DataFrame(
        {
            "id": np.asarray(ids, dtype=object)[plan["seq"].to_numpy(dtype=int)],
            "motif_name": [motifs[i].name for i in plan["motif"]],
            "matrix_id": [motifs[i].matrix_id for i in plan["motif"]],
            "start": plan["start"].to_numpy(dtype=np.int64),
            "end": plan["start"].to_numpy(dtype=np.int64) + lengths[plan["motif"].to_numpy(dtype=int)],
            "strand": plan["strand"].to_numpy(),
            "kind": plan["kind"].to_numpy(),
        },
        columns=list(PLANTED_COLUMNS),
    )
    for column in plan.columns.difference(PLAN_COLUMNS, sort=False):  # e.g. the cell-type grammar's ``program``
        frame[column] = plan[column].to_numpy()
    return frame.sort_values(["id", "start"], kind="stable").reset_index(drop=True)


def write_synthetic(data: SyntheticData, out_dir: str | Path) -> list[Path]:
    """Write ``enhancers.fa``, ``background.fa``, ``planted.tsv`` and ``motifs.json`` (all or nothing).

    Use the FASTA files as ``DIR/enhancers.fa:enhancer DIR/background.fa:not_enhancer``.
    ``motifs.json`` holds the generation parameters and every motif's probability matrix.
    """
    label = data.table["label"]
    with atomic_dir(out_dir) as tmp:
        for name, part in (
            ("enhancers.fa", data.table[label == POSITIVE]),
            ("background.fa", data.table[label == NEGATIVE]),
        ):
            (tmp / name).write_text(fasta_text(part["id"], part["sequence"]))
        data.planted.to_csv(tmp / "planted.tsv", sep="\t", index=False)
        content = {
            "params": data.params,
            "coordinates": "0-based half-open, forward strand",
            "motifs": [m.to_dict() for m in data.motifs],
        }
        (tmp / "motifs.json").write_text(json.dumps(content, indent=2) + "\n")
    return [Path(out_dir) / name for name in ("enhancers.fa", "background.fa", "planted.tsv", "motifs.json")]
