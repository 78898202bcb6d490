"""Synthetic cell-type-specific enhancers: a multi-label and an activity (regression) truth known by construction.

Grammar (every choice drawn from one ``numpy`` generator seeded by ``seed``; background DNA as in
:mod:`enhancerlm.data.generate.synthetic`):

- Cell types ``ct1 .. ct{N-1}`` each own a block of the motif set (the motifs other than the shared
  one, in order, in N-1 equal blocks; motifs left over are planted only as shuffled fillers; the
  defaults give ct1 GATA1 and GATA1::TAL1, erythroid, and ct2 Spi1 and CEBPB, myeloid); the shared motif (AP-1, ``FOS::JUN``, when present, else the
  last motif) marks ubiquitous enhancers. The last cell type, ``no_motif``, owns no motif.
- Each sequence carries each cell type's program with probability ``p_active`` and the ubiquitous
  program with probability ``p_shared``, independently; a program plants ``n_sites`` (uniform, inclusive
  range) sites of its motifs (chosen with replacement), sampled from the matrices on a random strand.
  Every sequence is then filled up to the same number of sites with base-shuffled sites of random
  motifs (``kind="shuffled"``), so the number of sites and their base composition tell nothing.
- Labels, exactly: ``label:ctC`` is 1 when the sequence holds a planted site of ctC's motifs or of the
  shared motif; ``label:no_motif`` is drawn at random with the expected prevalence of the others, so
  no sequence-based model can beat AUROC 0.5 on it.
- Activity, as MPRA/STARR-seq report it (a log2 RNA/DNA ratio per cell type, e.g. lentiMPRA's three
  cell lines, DeepSTARR's two targets): ``target:ctC = sum over planted sites s of effect[motif(s)] *
  W[C, motif(s)] + e``, ``e ~ Normal(0, activity_sigma)``, with ``W = 1`` for ctC's own motifs,
  ``shared_weight[C]`` (uniform 0.5-1) for the shared motif and 0 otherwise, ``effect`` uniform 0.5-1.5
  per motif. One target per cell type with motifs (``no_motif``'s would be noise alone, whose
  correlation with anything is undefined). The noise ceiling is the correlation of the noiseless
  activity with the measured one, what a perfect model of the grammar would score.

Labels and activity go to two tables (a table holds one task: :mod:`enhancerlm.sequences.task`), with
the same ids and sequences, split at random into train and test (the sequences are independent draws).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from enhancerlm.data.generate.motifs import Motif, load_motifs
from enhancerlm.data.generate.synthetic import MarkovBackground, plant_sites, planted_frame, site_starts
from enhancerlm.errors import ConfigError
from enhancerlm.io import atomic_dir
from enhancerlm.sequences.dna import code_strings
from enhancerlm.sequences.task import TRUTH_PREFIX

logger = logging.getLogger(__name__)

SHARED_MATRIX_ID = "MA0099.4"  # FOS::JUN (AP-1): active in most cell types, the textbook ubiquitous enhancer factor
NO_MOTIF = "no_motif"
SPLITS = ("train", "test")
N_CEILING_DRAWS = 200  # noise draws averaged for the expected ceiling (its standard error ~0.002 at n=400)


@dataclass(frozen=True)
class CellTypeGrammar:
    """Which motifs make an enhancer active in which cell type, and how strongly.

    Attributes
    ----------
    names : tuple of str
        Cell types, the no-motif one last.
    own : tuple of tuple of int
        Per cell type, indices into the motif list of the motifs it owns (empty for ``no_motif``).
    shared : int
        Index of the ubiquitous motif.
    shared_weight : np.ndarray, shape=(n_cell_types,)
        Activity of one shared site in each cell type, relative to its effect (0 for ``no_motif``).
    effect : np.ndarray, shape=(n_motifs,)
        log2 activity added by one site of each motif in a cell type that reads it.
    """

    names: tuple[str, ...]
    own: tuple[tuple[int, ...], ...]
    shared: int
    shared_weight: np.ndarray
    effect: np.ndarray

    @property
    def targets(self) -> tuple[str, ...]:
        """Cell types with motifs: those with an activity target."""
        return tuple(name for name, own in zip(self.names, self.own) if own)

    def weights(self) -> np.ndarray:
        """``W * effect``: log2 activity of one site of motif m in cell type c, shape=(n_cell_types, n_motifs)."""
        w = np.zeros((len(self.names), len(self.effect)))
        for c, own in enumerate(self.own):
            w[c, list(own)] = 1.0
        w[:, self.shared] = self.shared_weight
        return w * self.effect

    def to_dict(self, motifs: list[Motif]) -> dict:
        return {
            "cell_types": {
                name: {
                    "motifs": [motifs[m].name for m in own],
                    "shared_weight": round(float(weight), 6),
                }
                for name, own, weight in zip(self.names, self.own, self.shared_weight)
            },
            "shared_motif": motifs[self.shared].name,
            "effect_log2_per_site": {m.name: round(float(e), 6) for m, e in zip(motifs, self.effect)},
        }


def celltype_grammar(motifs: list[Motif], n_cell_types: int, rng: np.random.Generator) -> CellTypeGrammar:
    """Split the motifs among ``n_cell_types - 1`` cell types plus the shared motif; draw effects (module docstring)."""
    ids = [m.matrix_id for m in motifs]
    shared = ids.index(SHARED_MATRIX_ID) if SHARED_MATRIX_ID in ids else len(motifs) - 1
    rest = [i for i in range(len(motifs)) if i != shared]
    if not 2 <= n_cell_types <= len(rest) + 1:
        raise ConfigError(
            f"--cell-types {n_cell_types}: need 2 to {len(rest) + 1} (one motif block per cell type but the "
            f"last, from {len(motifs)} motifs with one shared); give more --motif ids for more cell types"
        )
    size = len(rest) // (n_cell_types - 1)  # equal blocks: no cell type is easier for owning more motifs
    blocks = [tuple(rest[c * size : (c + 1) * size]) for c in range(n_cell_types - 1)]
    names = tuple(f"ct{c + 1}" for c in range(n_cell_types - 1)) + (NO_MOTIF,)
    effect = rng.uniform(0.5, 1.5, len(motifs))
    shared_weight = np.append(rng.uniform(0.5, 1.0, n_cell_types - 1), 0.0)
    return CellTypeGrammar(names, (*blocks, ()), shared, shared_weight, effect)


@dataclass
class CellTypeData:
    """Output of :func:`make_celltype_synthetic`.

    Attributes
    ----------
    table : pd.DataFrame
        ``id, sequence, split``, then ``label:<cell type>`` (0/1) per cell type, then
        ``target:<cell type>`` (measured log2 activity) and ``true:<cell type>`` (noiseless) per target.
    planted : pd.DataFrame
        ``planted.tsv`` rows (:data:`enhancerlm.data.generate.synthetic.PLANTED_COLUMNS`) plus ``program``:
        the cell type whose program planted the site, ``shared``, or ``""`` for shuffled fillers.
    grammar : CellTypeGrammar
    motifs : list of Motif
    params : dict
    noise_ceiling : dict
        Per split and target: expected and observed Pearson and Spearman of noiseless vs measured activity.
    """

    table: pd.DataFrame
    planted: pd.DataFrame
    grammar: CellTypeGrammar
    motifs: list
    params: dict
    noise_ceiling: dict


def make_celltype_synthetic(
    n_sequences: int = 2000,
    length_bp: int = 200,
    seed: int = 0,
    *,
    n_cell_types: int = 3,
    motifs: list[Motif] | None = None,
    background: MarkovBackground | None = None,
    p_active: float = 0.3,
    p_shared: float = 0.15,
    n_sites: tuple[int, int] = (1, 2),
    activity_sigma: float = 0.5,
    min_gap_bp: int = 4,
    test_fraction: float = 0.2,
    site_sampling: str = "pwm",
) -> CellTypeData:
    """Generate cell-type-specific enhancers with known labels and activities (module docstring).

    Parameters
    ----------
    n_sequences : int
    length_bp : int
    seed : int
        Same seed and parameters, same output.
    n_cell_types : int
        Cell types including ``no_motif`` (2 to 6 with the 6 default motifs).
    motifs : list of Motif, optional
        Default: :func:`enhancerlm.data.generate.motifs.load_motifs`.
    background : MarkovBackground, optional
    p_active, p_shared : float
        Probability that a sequence carries one cell type's program, and the ubiquitous one.
    n_sites : (int, int)
        Inclusive range of sites a program plants.
    activity_sigma : float
        Standard deviation of the measurement noise, log2 units (> 0).
    min_gap_bp : int
    test_fraction : float
        Share of sequences in the test split (0 < share < 1).
    site_sampling : {"pwm", "consensus"}

    Cost: O(n_sequences * length_bp) time and memory; one Python loop step per sequence for its layout.
    """
    motifs = load_motifs() if motifs is None else list(motifs)
    background = MarkovBackground.default() if background is None else background
    params = {
        "kind": "cell_types",
        "n_sequences": n_sequences,
        "length_bp": length_bp,
        "seed": seed,
        "n_cell_types": n_cell_types,
        "p_active": p_active,
        "p_shared": p_shared,
        "n_sites": tuple(n_sites),
        "activity_sigma": activity_sigma,
        "min_gap_bp": min_gap_bp,
        "test_fraction": test_fraction,
        "site_sampling": site_sampling,
        "markov_order": background.order,
    }
    _check(params, motifs)
    rng = np.random.default_rng(seed)
    grammar = celltype_grammar(motifs, n_cell_types, rng)
    codes = background.sample(n_sequences, length_bp, rng)
    plan = _plan(n_sequences, grammar, motifs, params, rng)
    plant_sites(codes, plan, motifs, site_sampling, rng)
    ids = [f"seq_{i:0{len(str(n_sequences))}d}" for i in range(n_sequences)]
    table = pd.DataFrame({"id": ids, "sequence": code_strings(codes)})
    table["split"] = _splits(n_sequences, test_fraction, rng)
    table = _with_truth(table, plan, grammar, p_active, p_shared, activity_sigma, rng)
    ceiling = {s: _ceilings(table[table["split"] == s], grammar, activity_sigma, seed) for s in SPLITS}
    logger.info(
        "synthetic cell types: %d sequences, %d planted sites; test noise ceiling (Spearman) %s",
        n_sequences,
        int((plan["kind"] == "motif").sum()),
        {t: round(v["spearman_expected"], 3) for t, v in ceiling["test"].items()},
    )
    return CellTypeData(table, planted_frame(plan, ids, motifs), grammar, motifs, params, ceiling)


def _check(params: dict, motifs: list[Motif]) -> None:
    low, high = params["n_sites"]
    if not 1 <= low <= high:
        raise ConfigError(f"n_sites={params['n_sites']!r}: need 1 <= low <= high")
    slots = params["n_cell_types"] * high  # every program at its most sites; no_motif's place holds the shared one
    longest = sorted((m.length_bp for m in motifs), reverse=True)
    needed = sum(longest[m % len(longest)] for m in range(slots)) + (slots - 1) * params["min_gap_bp"]
    if params["length_bp"] < needed:
        raise ConfigError(
            f"--length-bp {params['length_bp']}: {slots} sites ({params['n_cell_types']} cell types x {high}) "
            f"need at least {needed} bp; use longer sequences or fewer cell types"
        )
    for name in ("p_active", "p_shared", "test_fraction"):
        if not 0 < params[name] < 1:
            raise ConfigError(f"{name}={params[name]!r} must lie strictly between 0 and 1")
    if params["activity_sigma"] <= 0 or params["n_sequences"] < 10:
        raise ConfigError(
            f"activity_sigma={params['activity_sigma']!r} must be > 0 and n_sequences={params['n_sequences']!r} >= 10"
        )


def _plan(n: int, grammar: CellTypeGrammar, motifs: list[Motif], params: dict, rng) -> pd.DataFrame:
    """One row per site (seq, motif, start, strand, kind, program): programs drawn, fillers added, laid out."""
    low, high = params["n_sites"]
    n_programs = len(grammar.names)  # the cell types with motifs, then the shared program in no_motif's place
    active = rng.random((n, n_programs)) < np.append(np.full(n_programs - 1, params["p_active"]), params["p_shared"])
    count = np.where(active, rng.integers(low, high + 1, size=(n, n_programs)), 0)
    pick = rng.random((n, n_programs, high))  # which of the program's motifs each site is
    filler = rng.integers(0, len(motifs), size=(n, n_programs * high))
    reverse = rng.random((n, n_programs * high)) < 0.5
    order = np.argsort(rng.random((n, n_programs * high)), axis=1)
    programs = [*(grammar.own[:-1]), (grammar.shared,)]
    labels = [*grammar.names[:-1], "shared"]
    lengths = np.array([m.length_bp for m in motifs])
    rows = []
    for i in range(n):  # layout is a small integer problem per sequence
        sites = [
            (programs[p][int(pick[i, p, j] * len(programs[p]))], "motif", labels[p])
            for p in range(n_programs)
            for j in range(count[i, p])
        ]
        sites += [(int(m), "shuffled", "") for m in filler[i, : n_programs * high - len(sites)]]
        sites = [sites[k] for k in order[i]]
        starts = site_starts(lengths[[s[0] for s in sites]], params["length_bp"], params["min_gap_bp"], rng)
        for j, ((motif, kind, program), start) in enumerate(zip(sites, starts)):
            strand = "." if kind == "shuffled" else ("-" if reverse[i, j] else "+")
            rows.append((i, motif, int(start), strand, kind, program))
    return pd.DataFrame(rows, columns=["seq", "motif", "start", "strand", "kind", "program"])


def _splits(n: int, test_fraction: float, rng) -> np.ndarray:
    split = np.full(n, SPLITS[0], dtype=object)
    split[rng.permutation(n)[: max(1, int(round(n * test_fraction)))]] = SPLITS[1]
    return split


def _with_truth(table, plan, grammar, p_active, p_shared, sigma, rng) -> pd.DataFrame:
    """``label:`` columns by the exact rule, ``true:`` noiseless and ``target:`` measured activities."""
    real = plan[plan["kind"] == "motif"]
    n, weights = len(table), grammar.weights()
    activity = np.zeros((n, len(grammar.names)))
    np.add.at(activity, real["seq"].to_numpy(), weights[:, real["motif"].to_numpy()].T)
    holds = np.zeros((n, weights.shape[1]), dtype=bool)
    holds[real["seq"].to_numpy(), real["motif"].to_numpy()] = True
    labelled = {}
    for c, name in enumerate(grammar.names[:-1]):
        labelled[name] = holds[:, [*grammar.own[c], grammar.shared]].any(axis=1)
    labelled[NO_MOTIF] = rng.random(n) < 1 - (1 - p_active) * (1 - p_shared)  # the others' expected prevalence
    noise = rng.normal(0.0, sigma, size=(n, len(grammar.targets)))
    columns = {TRUTH_PREFIX["multilabel"] + k: v.astype(np.int8) for k, v in labelled.items()}
    for t, name in enumerate(grammar.targets):
        c = grammar.names.index(name)
        columns[TRUTH_PREFIX["regression"] + name] = activity[:, c] + noise[:, t]
        columns[f"true:{name}"] = activity[:, c]
    return table.assign(**columns)


def noise_ceiling(truth: np.ndarray, sigma: float, rng: np.random.Generator, n_draws: int = N_CEILING_DRAWS) -> dict:
    """Expected Pearson and Spearman of ``truth`` with ``truth + Normal(0, sigma)``: a perfect model's score.

    Parameters
    ----------
    truth : np.ndarray, shape=(n,)
        Noiseless activity.
    sigma : float
        Noise standard deviation, in the units of ``truth``.
    rng : np.random.Generator
    n_draws : int
        Noise draws averaged (Monte Carlo: Spearman has no closed form under ties).

    Returns
    -------
    dict
        ``pearson``, ``spearman`` (means over draws); None where ``truth`` is constant.
    """
    if len(truth) < 3 or np.ptp(truth) == 0:
        return {"pearson": None, "spearman": None}
    measured = truth[None, :] + rng.normal(0.0, sigma, size=(n_draws, len(truth)))
    pearson = _row_correlation(truth, measured)
    spearman = _row_correlation(rankdata(truth), rankdata(measured, axis=1))
    return {"pearson": float(pearson.mean()), "spearman": float(spearman.mean())}


def _row_correlation(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``x`` (n,) with each row of ``rows`` (d, n)."""
    xc = x - x.mean()
    rc = rows - rows.mean(axis=1, keepdims=True)
    return (rc @ xc) / (np.linalg.norm(rc, axis=1) * np.linalg.norm(xc))


def _ceilings(part: pd.DataFrame, grammar: CellTypeGrammar, sigma: float, seed: int) -> dict:
    """Per target: expected (over noise draws) and observed (this data set's noise) ceilings."""
    out = {}
    for t, name in enumerate(grammar.targets):
        truth = part[f"true:{name}"].to_numpy()
        measured = part[TRUTH_PREFIX["regression"] + name].to_numpy()
        expected = noise_ceiling(truth, sigma, np.random.default_rng([seed, 7, t]))  # own stream: data unchanged
        out[name] = {
            "pearson_expected": expected["pearson"],
            "spearman_expected": expected["spearman"],
            "pearson_observed": float(np.corrcoef(truth, measured)[0, 1]),
            "spearman_observed": float(np.corrcoef(rankdata(truth), rankdata(measured))[0, 1]),
            "n": len(part),
        }
    return out


def write_celltype_synthetic(data: CellTypeData, out_dir: str | Path) -> list[Path]:
    """Write the two tasks' tables per split, ``planted.tsv`` and ``motifs.json`` (all or nothing).

    - ``celltypes_<split>.tsv``: ``id, sequence, label:<cell type>...`` (0/1; a multi-label task);
    - ``activity_<split>.tsv``: ``id, sequence, target:<cell type>...`` (log2, 4 decimals; regression);
    - ``truth.tsv``: ``id, split`` and the noiseless activities ``true:<cell type>``;
    - ``motifs.json``: parameters, the grammar, the noise ceiling per split and target, the matrices.
    """
    table = data.table
    labels = [c for c in table.columns if c.startswith(TRUTH_PREFIX["multilabel"])]
    targets = [c for c in table.columns if c.startswith(TRUTH_PREFIX["regression"])]
    names = []
    with atomic_dir(out_dir) as tmp:
        for split in SPLITS:
            part = table[table["split"] == split]
            for stem, columns in (("celltypes", labels), ("activity", targets)):
                name = f"{stem}_{split}.tsv"
                part[["id", "sequence", *columns]].to_csv(tmp / name, sep="\t", index=False, float_format="%.4f")
                names.append(name)
        truth = table[["id", "split", *(c for c in table.columns if c.startswith("true:"))]]
        truth.to_csv(tmp / "truth.tsv", sep="\t", index=False, float_format="%.6f")
        data.planted.to_csv(tmp / "planted.tsv", sep="\t", index=False)
        content = {
            "params": data.params,
            "grammar": data.grammar.to_dict(data.motifs),
            "noise_ceiling": data.noise_ceiling,
            "coordinates": "0-based half-open, forward strand",
            "motifs": [m.to_dict() for m in data.motifs],
        }
        (tmp / "motifs.json").write_text(json.dumps(content, indent=2) + "\n")
        names += ["truth.tsv", "planted.tsv", "motifs.json"]
    return [Path(out_dir) / name for name in names]
