"""Data sets with the structure of Genomic Benchmarks ``human_enhancers_ensembl``, at any size, offline.

The reference study fine-tuned on ``human_enhancers_ensembl`` (hub columns ``seq`` and ``label`` 0/1;
124k train, 31k test, balanced). Its quirks decide what an honest evaluation must handle, so
:func:`make_ensembl_like` reproduces them in proportion (every count is a knob of :class:`EnsemblLikeShape`):

- Positives repeat inside train: ``train_twin_share`` (0.8) of the training positive rows have a
  byte-identical twin elsewhere in train (planted as pairs); the other positives are single.
- ``test_copy_share`` (0.38) of the test rows are byte-identical to a training row, and all of them
  are positives (distinct training sequences, one copy each). No other record repeats, on either strand.
- Negatives never repeat.
- Lengths: normal around ``median_bp`` (269) with ``sd_bp`` (90), clipped to ``length_bp`` (2..573);
  one training record has the maximum. ``short_share`` (0.1%) of the records, and at least one
  per split, are shorter than ``short_below_bp`` (6 bp: no 6-mer); the first of train has the
  minimum, 2 bp. Short records are single in train and novel in test, classes alternating.
- Signal a model can learn: every record of at least ``min_site_bp`` carries one motif site per
  ``bp_per_site`` (at least one), positives a site sampled from a JASPAR matrix (built-in defaults of
  :mod:`enhancerlm.data.generate.motifs`) on a random strand, negatives the same site shuffled base by base,
  on the same Markov background (:class:`enhancerlm.data.generate.synthetic.MarkovBackground`), so GC content
  alone separates the classes little.

Same sizes, seed and shape give the same tables.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from enhancerlm.data.generate.motifs import load_motifs
from enhancerlm.data.generate.synthetic import MarkovBackground
from enhancerlm.errors import ConfigError
from enhancerlm.io import atomic_dir
from enhancerlm.sequences.dna import canonical_sequences, code_strings

logger = logging.getLogger(__name__)

# Genomic Benchmarks class folder names of human_enhancers_ensembl (label 1 = positive).
CLASS_FOLDERS = {1: "positive", 0: "negative"}
LAYOUTS = ("csv", "folders", "both")
_SAMPLE_ROWS = 10_000  # background sequences drawn per batch: bounds the (rows x 573) draw matrix


@dataclass(frozen=True)
class EnsemblLikeShape:
    """The structure of a generated set; defaults follow ``human_enhancers_ensembl``.

    Parameters
    ----------
    positive_share : float
        Share of label-1 rows in each split.
    train_twin_share : float
        Share of the training positive rows that have an exact twin elsewhere in train.
    test_copy_share : float
        Share of the test rows byte-identical to a training row (all positives).
    short_share : float
        Share of rows shorter than ``short_below_bp`` (at least one per split).
    short_below_bp : int
        Short records are ``length_bp[0]`` to ``short_below_bp - 1`` bp long.
    length_bp : (int, int)
        Shortest and longest record, bp; both occur in train.
    median_bp, sd_bp : float
        Centre and spread of the normal length distribution of the other records, bp.
    bp_per_site : int
        One motif site per this many bp of a record.
    min_site_bp : int
        Records shorter than this carry no site.
    """

    positive_share: float = 0.5
    train_twin_share: float = 0.8
    test_copy_share: float = 0.38
    short_share: float = 0.001
    short_below_bp: int = 6
    length_bp: tuple[int, int] = (2, 573)
    median_bp: float = 269.0
    sd_bp: float = 90.0
    bp_per_site: int = 120
    min_site_bp: int = 30


class EnsemblLike(NamedTuple):
    """``train`` and ``test`` tables with the hub's columns: ``seq`` (str) and ``label`` (int, 0 or 1)."""

    train: pd.DataFrame
    test: pd.DataFrame


class _Counts(NamedTuple):
    train_pos: int
    train_neg: int
    test_pos: int
    test_neg: int
    pairs: int  # training positive sequences present twice
    copies: int  # test rows copied from train
    train_short: int
    test_short: int


def planned_counts(n_train: int, n_test: int, shape: EnsemblLikeShape = EnsemblLikeShape()) -> dict:
    """The row counts :func:`make_ensembl_like` plants, for checking a generated set.

    Returns
    -------
    dict
        ``train_positive``, ``train_negative``, ``test_positive``, ``test_negative``,
        ``train_twin_rows`` (training positive rows with a twin), ``test_copies`` (test rows identical
        to a training row), ``train_short``, ``test_short`` (rows shorter than ``short_below_bp``).
    """
    c = _counts(n_train, n_test, shape)
    return {
        "train_positive": c.train_pos,
        "train_negative": c.train_neg,
        "test_positive": c.test_pos,
        "test_negative": c.test_neg,
        "train_twin_rows": 2 * c.pairs,
        "test_copies": c.copies,
        "train_short": c.train_short,
        "test_short": c.test_short,
    }


def _counts(n_train: int, n_test: int, shape: EnsemblLikeShape) -> _Counts:
    """Row counts of every kind, validated: all errors name the knob at fault."""
    for name in ("positive_share", "train_twin_share", "test_copy_share", "short_share"):
        if not 0 <= getattr(shape, name) <= 1:
            raise ConfigError(f"{name}={getattr(shape, name)!r} must be in [0, 1]")
    low, high = shape.length_bp
    if not 1 <= low < shape.short_below_bp <= high:
        raise ConfigError(
            f"length_bp={shape.length_bp!r}, short_below_bp={shape.short_below_bp!r}: need "
            "1 <= shortest < short_below_bp <= longest"
        )
    train_pos, test_pos = round(n_train * shape.positive_share), round(n_test * shape.positive_share)
    train_short = max(1, round(shape.short_share * n_train))
    test_short = max(1, round(shape.short_share * n_test))
    pairs = round(shape.train_twin_share * train_pos / 2)
    copies = round(shape.test_copy_share * n_test)
    # Short records alternate classes: train starts with a negative, test with a positive.
    train_short_pos, test_short_pos = train_short // 2, (test_short + 1) // 2
    singles = train_pos - 2 * pairs
    too_few = min(train_pos - train_short_pos, n_train - train_pos - (train_short - train_short_pos)) < 1
    if too_few or singles < train_short_pos:
        raise ConfigError(
            f"n_train={n_train}: too few records for both classes, {train_short} short records "
            f"and twin share {shape.train_twin_share}"
        )
    room = min(test_pos - test_short_pos, pairs + singles - train_short_pos)
    if copies > room or n_test - test_pos < test_short - test_short_pos:
        raise ConfigError(
            f"n_test={n_test}: {copies} copied test rows (test_copy_share {shape.test_copy_share}) "
            f"need as many test positives and distinct training positives"
        )
    return _Counts(train_pos, n_train - train_pos, test_pos, n_test - test_pos, pairs, copies, train_short, test_short)


def _bulk_lengths(n: int, shape: EnsemblLikeShape, rng: np.random.Generator) -> np.ndarray:
    drawn = np.rint(rng.normal(shape.median_bp, shape.sd_bp, size=n))
    return np.clip(drawn, shape.short_below_bp, shape.length_bp[1]).astype(np.int64)


def _background(lengths: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Markov background codes (A=0, C=1, G=2, T=3), one array of ``lengths[i]`` bp per record."""
    chain = MarkovBackground.default()
    out: list[np.ndarray] = []
    for start in range(0, len(lengths), _SAMPLE_ROWS):
        part = lengths[start : start + _SAMPLE_ROWS]
        codes = chain.sample(len(part), int(part.max()), rng)
        out.extend(row[:length].copy() for row, length in zip(codes, part))
    return out


def _plant_sites(
    codes: list[np.ndarray], positive: np.ndarray, shape: EnsemblLikeShape, rng: np.random.Generator
) -> None:
    """Write motif sites (shuffled in negatives) into ``codes``, in place; one site per segment."""
    motifs = load_motifs()
    cumulative = [np.cumsum(m.probs, axis=1) for m in motifs]
    for seq, is_pos in zip(codes, positive):  # a few sites per record; layout is per-record work
        if len(seq) < shape.min_site_bp:
            continue
        n_sites = max(1, len(seq) // shape.bp_per_site)
        bounds = np.linspace(0, len(seq), n_sites + 1).astype(int)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            index = int(rng.integers(len(motifs)))
            width = motifs[index].length_bp
            if hi - lo < width:
                continue
            site = np.minimum((rng.random((width, 1)) > cumulative[index]).sum(axis=1), 3).astype(np.uint8)
            site = 3 - site[::-1] if rng.random() < 0.5 else site  # reverse strand: A<->T, C<->G
            start = int(rng.integers(lo, hi - width + 1))
            seq[start : start + width] = site if is_pos else rng.permutation(site)


def distinct_sequences(length_bp: int) -> int:
    """How many sequences of ``length_bp`` differ on either strand: (4^L + palindromes) / 2 (Burnside).

    A sequence and its reverse complement count once; reverse-complement palindromes (4^(L/2) of them,
    even L only) are their own pair. 2 bp: 10, 3 bp: 32, 4 bp: 136, 5 bp: 512.
    """
    palindromes = 4 ** (length_bp // 2) if length_bp % 2 == 0 else 0
    return (4**length_bp + palindromes) // 2


def _short_lengths(n: int, shape: EnsemblLikeShape, rng: np.random.Generator) -> np.ndarray:
    """Lengths of the ``n`` short records: uniform below ``short_below_bp``, the first the shortest.

    A length drawn more often than it has distinct sequences passes the extra records on to the next
    length (at the hub's size, some 39 draws of 2 bp for its 10 sequences), so every short record stays
    distinct on either strand; lengths within their room keep their draw, and smaller sets are
    generated as before.
    """
    low, below = shape.length_bp[0], shape.short_below_bp
    room = sum(distinct_sequences(length) for length in range(low, below))
    if n > room:
        raise ConfigError(
            f"short_share={shape.short_share}: {n} short records, but only {room} sequences of "
            f"{low}-{below - 1} bp differ on either strand; lower short_share"
        )
    lengths = rng.integers(low, below, size=n)
    lengths[0] = low
    for step, order in ((1, range(low, below - 1)), (-1, range(below - 1, low, -1))):
        for length in order:  # up first; back down only if the longest got more than it holds (n <= room)
            extra = np.flatnonzero(lengths == length)[distinct_sequences(length) :]
            lengths[extra] = length + step
    return lengths


def _short_sequences(lengths: np.ndarray, seen: set, rng: np.random.Generator) -> list[str]:
    """Random sequences of the given (short) lengths, none equal on either strand to another or to ``seen``."""
    out = []
    for length in lengths:
        for _ in range(1000):
            seq = "".join(rng.choice(list("ACGT"), size=int(length)))
            canonical = canonical_sequences([seq])[0]
            if canonical not in seen:
                break
        else:
            raise ConfigError(f"short records: no distinct sequence of {length} bp left; lower short_share")
        seen.add(canonical)
        out.append(seq)
    return out


def _distinct_units(
    lengths: np.ndarray, positive: np.ndarray, shape: EnsemblLikeShape, rng: np.random.Generator
) -> list[str]:
    """One sequence per unit, pairwise distinct on either strand (redrawn until they are)."""
    codes = _background(lengths, rng)
    _plant_sites(codes, positive, shape, rng)
    seqs = code_strings(codes)
    canonical = canonical_sequences(seqs)
    clash = np.flatnonzero(canonical.duplicated().to_numpy())
    if len(clash):  # only a handful at 10^5 records: redraw them one by one
        seen = set(canonical[~canonical.index.isin(clash)])
        for i, seq in zip(clash, _short_sequences(lengths[clash], seen, rng)):
            seqs[i] = seq
    return seqs


def make_ensembl_like(
    n_train: int, n_test: int, seed: int = 0, shape: EnsemblLikeShape = EnsemblLikeShape()
) -> EnsemblLike:
    """Generate train and test tables with the structure of ``human_enhancers_ensembl`` (module docstring).

    Parameters
    ----------
    n_train, n_test : int
        Rows of each table.
    seed : int
        Seeds every choice.
    shape : EnsemblLikeShape
        Shares, lengths and signal.

    Returns
    -------
    EnsemblLike
        ``train`` and ``test`` DataFrames with columns ``seq`` (str) and ``label`` (int 0/1), rows shuffled.
    """
    c = _counts(n_train, n_test, shape)
    rng = np.random.default_rng(seed)
    # Units: every distinct sequence, in this order: train short, train positives (pairs, then singles),
    # train negatives, test short, test novel positives, test negatives.
    train_short_label = np.arange(c.train_short) % 2  # negative first
    test_short_label = (np.arange(c.test_short) + 1) % 2  # positive first
    n_train_units = c.train_pos - c.pairs + c.train_neg - c.train_short
    n_test_units = c.test_pos - c.copies + c.test_neg - c.test_short
    short_lengths = _short_lengths(c.train_short + c.test_short, shape, rng)
    bulk_lengths = _bulk_lengths(n_train_units + n_test_units, shape, rng)
    short = _short_sequences(short_lengths, set(), rng)
    train_pos_units = c.train_pos - c.pairs - int(train_short_label.sum())
    train_neg_units = c.train_neg - int((train_short_label == 0).sum())
    test_pos_units = c.test_pos - c.copies - int(test_short_label.sum())
    positive = np.concatenate(
        [
            np.ones(train_pos_units, bool),
            np.zeros(train_neg_units, bool),
            np.ones(test_pos_units, bool),
            np.zeros(n_test_units - test_pos_units, bool),
        ]
    )
    bulk_lengths[train_pos_units] = shape.length_bp[1]  # one training negative has the longest length
    bulk = _distinct_units(bulk_lengths, positive, shape, rng)  # >= short_below_bp: never equal to a short one

    pos_units = bulk[:train_pos_units]  # first `pairs` of them appear twice
    train_seqs = (
        short[: c.train_short]
        + pos_units
        + pos_units[: c.pairs]
        + bulk[train_pos_units : train_pos_units + train_neg_units]
    )
    train_labels = np.concatenate(
        [train_short_label, np.ones(train_pos_units + c.pairs, int), np.zeros(train_neg_units, int)]
    )
    copied = rng.choice(len(pos_units), size=c.copies, replace=False)
    test_seqs = short[c.train_short :] + [pos_units[i] for i in copied] + bulk[train_pos_units + train_neg_units :]
    test_labels = np.concatenate(
        [test_short_label, np.ones(c.copies + test_pos_units, int), np.zeros(n_test_units - test_pos_units, int)]
    )
    train, test = _shuffled(train_seqs, train_labels, rng), _shuffled(test_seqs, test_labels, rng)
    logger.info(
        "ensembl-like: %d train (%d positive rows with a twin), %d test (%d copied from train), seed %d",
        n_train,
        2 * c.pairs,
        n_test,
        c.copies,
        seed,
    )
    return EnsemblLike(train, test)


def _shuffled(seqs: list[str], labels: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    order = rng.permutation(len(seqs))
    return pd.DataFrame({"seq": np.asarray(seqs, dtype=object)[order], "label": labels[order].astype(np.int64)})


def ensembl_like_summary(train: pd.DataFrame, test: pd.DataFrame, short_below_bp: int = 6) -> dict:
    """The structure statistics of a train/test pair with ``seq``/``label`` columns, measured (not planned).

    Returns
    -------
    dict
        ``n_train``, ``n_test``; ``train_positive_twin_share`` (training positive rows whose exact
        sequence occurs in another training row); ``test_copies`` and ``test_copy_share`` (test rows
        byte-identical to a training row) and ``test_copies_positive`` (of them, label 1);
        ``negative_duplicates`` (negative rows, train and test pooled, whose sequence occurs in another
        row on either strand); ``length_bp`` (min, median, max over both splits); ``train_short``,
        ``test_short`` (rows shorter than ``short_below_bp``).
    """

    def twin_rows(seqs: pd.Series) -> np.ndarray:
        return seqs.duplicated(keep=False).to_numpy()

    positive = train["label"].to_numpy() == 1
    copied = test["seq"].isin(set(train["seq"])).to_numpy()
    pooled = pd.concat([train, test], ignore_index=True)
    canonical = canonical_sequences(pooled["seq"].tolist())
    lengths = pooled["seq"].str.len()
    return {
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "train_positive_twin_share": float(twin_rows(train["seq"])[positive].mean()),
        "test_copies": int(copied.sum()),
        "test_copy_share": float(copied.mean()),
        "test_copies_positive": int((test["label"].to_numpy()[copied] == 1).sum()),
        "negative_duplicates": int(twin_rows(canonical)[pooled["label"].to_numpy() == 0].sum()),
        "length_bp": {"min": int(lengths.min()), "median": float(lengths.median()), "max": int(lengths.max())},
        "train_short": int((train["seq"].str.len() < short_below_bp).sum()),
        "test_short": int((test["seq"].str.len() < short_below_bp).sum()),
    }


def write_ensembl_like(data: EnsemblLike, out_dir: str | Path, layout: str = "csv", params: dict | None = None) -> Path:
    """Write a generated set to ``out_dir`` (all or nothing) with a ``summary.json``.

    Parameters
    ----------
    data : EnsemblLike
    out_dir : str or Path
    layout : {"csv", "folders", "both"}
        ``csv``: ``train.csv`` and ``test.csv`` with the hub's columns ``seq,label`` (use as
        ``--train DIR/train.csv --test DIR/test.csv``). ``folders``: the Genomic Benchmarks layout
        ``DIR/{train,test}/{positive,negative}/<n>.txt``, one sequence per file (use as
        ``--train DIR --test DIR``; labels are then ``positive``/``negative``). ``both``: both.
    params : dict, optional
        Generation parameters recorded in ``summary.json`` beside the measured structure.
    """
    if layout not in LAYOUTS:
        raise ConfigError(f"layout {layout!r} is not one of {LAYOUTS}")
    summary = {"params": params or {}, "structure": ensembl_like_summary(data.train, data.test)}
    with atomic_dir(out_dir) as tmp:
        for split, table in (("train", data.train), ("test", data.test)):
            if layout in ("csv", "both"):
                table[["seq", "label"]].to_csv(tmp / f"{split}.csv", index=False)
            if layout in ("folders", "both"):
                _write_class_folders(table, tmp / split)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return Path(out_dir)


def _write_class_folders(table: pd.DataFrame, folder: Path) -> None:
    for label, name in CLASS_FOLDERS.items():
        target = folder / name
        target.mkdir(parents=True)
        for i, seq in enumerate(table.loc[table["label"] == label, "seq"]):
            (target / f"{i}.txt").write_text(seq)


def shape_params(n_train: int, n_test: int, seed: int, shape: EnsemblLikeShape) -> dict:
    """Every generation parameter, JSON-able, for ``summary.json``."""
    return {"n_train": n_train, "n_test": n_test, "seed": seed, **asdict(shape)}
