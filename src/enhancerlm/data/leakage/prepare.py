"""Leakage-free splits: drop test duplicates from train, homology-aware re-split, subsample, validation split."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from enhancerlm.data.leakage.audit import MAX_RENAMED_LISTED
from enhancerlm.data.leakage.near_duplicate_defaults import DEDUP_MODES
from enhancerlm.data.leakage.near_duplicates import MinHashLSH, best_matches, near_duplicate_pairs
from enhancerlm.data.leakage.splits import stratified_split  # re-exported: the one validation split
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.io import atomic_dir
from enhancerlm.sequences.dna import canonical_sequences
from enhancerlm.sequences.ids import make_ids_unique, original_ids, renamed_ids
from enhancerlm.sequences.records import COLUMNS

logger = logging.getLogger(__name__)

REMOVED_COLUMNS = ("id", "label", "reason", "test_id", "jaccard")


@dataclass
class Prepared:
    """Output of :func:`prepare`.

    Attributes
    ----------
    tables : dict of str -> pd.DataFrame
        ``train``, ``val``, and when present ``test`` and ``subset`` (canonical columns).
    removed : pd.DataFrame
        Training records dropped as duplicates of test records: id, label, reason
        (exact / revcomp / near), test_id (a matching test record), jaccard (1.0 for exact/revcomp).
    info : dict
        Parameters and counts worth recording in a manifest.
    """

    tables: dict
    removed: pd.DataFrame
    info: dict = field(default_factory=dict)


def _canonical_table(table: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = {"id", "sequence", "label"} - set(table.columns)
    if missing:
        raise InputError(f"{name}: table lacks column(s) {sorted(missing)}")
    out = table.reset_index(drop=True).copy()
    if "description" not in out:  # a table built by hand: its ids are all the header there is
        out["description"] = out["id"]
    for column in COLUMNS:
        out[column] = out[column].astype(str) if column in out else ""
    out["sequence"] = out["sequence"].str.upper()
    return out[list(COLUMNS)]


def _with_canonical(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(canonical=canonical_sequences(table["sequence"].tolist()).to_numpy())


def _removed_frame(rows: pd.DataFrame, reason, test_id, jaccard) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": rows["id"].to_numpy(),
            "label": rows["label"].to_numpy(),
            "reason": reason,
            "test_id": test_id,
            "jaccard": jaccard,
        },
        columns=list(REMOVED_COLUMNS),
    )


def _exact_overlap(train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """Training rows identical to a test record on either strand: reason and one matching test id."""
    first_by_seq = test.drop_duplicates("sequence").set_index("sequence")["id"]
    first_by_canonical = test.drop_duplicates("canonical").set_index("canonical")["id"]
    exact = train["sequence"].map(first_by_seq)
    either = train["canonical"].map(first_by_canonical)
    hit = either.notna().to_numpy()
    reason = np.where(exact.notna(), "exact", "revcomp")[hit]
    test_id = exact.fillna(either).to_numpy()[hit]
    return _removed_frame(train[hit], reason, test_id, 1.0).set_index(np.flatnonzero(hit))


def _near_overlap(train: pd.DataFrame, test: pd.DataFrame, params: MinHashLSH) -> pd.DataFrame:
    """Training rows whose canonical k-mer Jaccard with some test record is >= the threshold."""
    rows = best_matches(train, test, params)
    hit = train.loc[rows["row"]]
    return _removed_frame(hit, "near", rows["match_id"].to_numpy(), rows["jaccard"].to_numpy()).set_index(
        rows["row"].to_numpy()
    )


def remove_test_overlap(
    train: pd.DataFrame, test: pd.DataFrame, mode: str = "exact", params: MinHashLSH = MinHashLSH()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop training records that duplicate a test record, and say which and why.

    Parameters
    ----------
    train, test : pd.DataFrame
        Canonical tables.
    mode : {"none", "exact", "near"}
        ``exact`` drops exact and reverse-complement duplicates; ``near`` also drops near duplicates
        (canonical k-mer Jaccard >= ``params.threshold``, see :mod:`enhancerlm.data.leakage.near_duplicates`).
    params : MinHashLSH

    Returns
    -------
    kept : pd.DataFrame
        Training records kept, in input order.
    removed : pd.DataFrame
        Columns id, label, reason, test_id, jaccard.
    """
    if mode not in DEDUP_MODES:
        raise ConfigError(f"dedup mode {mode!r} is not one of {DEDUP_MODES}")
    train, test = _canonical_table(train, "train"), _canonical_table(test, "test")
    if mode == "none" or len(test) == 0:
        return train, _removed_frame(train.iloc[:0], [], [], [])
    train, test = _with_canonical(train), _with_canonical(test)
    removed = _exact_overlap(train, test)
    if mode == "near":
        rest = train.drop(index=removed.index)
        removed = pd.concat([removed, _near_overlap(rest, test, params)]).sort_index()
    kept = train.drop(index=removed.index).drop(columns="canonical").reset_index(drop=True)
    logger.info(
        "dedup: removed %d of %d training records that duplicate test records (%s)",
        len(removed),
        len(train),
        removed["reason"].value_counts().to_dict(),
    )
    return kept, removed.reset_index(drop=True)


def homology_clusters(seqs, params: MinHashLSH = MinHashLSH()) -> np.ndarray:
    """Cluster ids: records linked by identity (either strand) or near-duplicate edges share a cluster.

    Connected components (single linkage) of the near-duplicate graph, as a union-find would give;
    scipy's ``connected_components`` does it in one vectorised call.

    Returns
    -------
    np.ndarray of int64, shape=(n,)
    """
    codes, uniques = pd.factorize(canonical_sequences(list(seqs)))
    pairs = near_duplicate_pairs(list(uniques), None, params)
    graph = sparse.coo_matrix(
        (np.ones(len(pairs)), (pairs["query"], pairs["reference"])), shape=(len(uniques), len(uniques))
    )
    _, component = connected_components(graph, directed=False)
    return component[codes].astype(np.int64)


def homology_split(
    table: pd.DataFrame, test_fraction: float, params: MinHashLSH = MinHashLSH(), seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split into train and test so that no homology cluster straddles the two sides.

    Clusters are shuffled with ``seed``; each goes to test while the test count of its majority class
    stays within ``test_fraction`` of that class, so classes keep roughly their proportions.

    Train and test often number their records alike (``Positive_1`` in both); pooled, the ids as read
    (:func:`enhancerlm.sequences.ids.original_ids`) are made unique again, ``NAME~2``, ``NAME~3``, ...
    in table order (:func:`enhancerlm.sequences.ids.make_ids_unique`, one WARNING), as if every input
    had been one split; so each new side holds unique ids and reads back as it was written.

    Returns
    -------
    train, test : pd.DataFrame
    """
    if not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction={test_fraction!r} must be between 0 and 1")
    table = _canonical_table(table, "re-split input")
    table = make_ids_unique(table.assign(split="train+test", id=original_ids(table)))
    cluster = homology_clusters(table["sequence"], params)
    per_cluster = pd.crosstab(cluster, table["label"])
    sizes = per_cluster.sum(axis=1)
    majority = per_cluster.idxmax(axis=1)
    order = np.random.default_rng(seed).permutation(len(per_cluster))
    shuffled = pd.DataFrame(
        {"size": sizes.to_numpy()[order], "label": majority.to_numpy()[order]}, index=per_cluster.index[order]
    )
    target = table["label"].value_counts() * test_fraction
    filled = shuffled.groupby("label")["size"].cumsum()
    to_test = filled.to_numpy() <= shuffled["label"].map(target).to_numpy()
    is_test = np.isin(cluster, shuffled.index[to_test])
    logger.info(
        "re-split: %d homology clusters (largest %d records); %d records to test",
        len(per_cluster),
        sizes.max(),
        is_test.sum(),
    )
    return (
        table[~is_test].assign(split="train").reset_index(drop=True),
        table[is_test].assign(split="test").reset_index(drop=True),
    )


def balanced_subsample(table: pd.DataFrame, n_per_class: int, seed: int = 0) -> pd.DataFrame:
    """``n_per_class`` records drawn at random from every class, kept in input order.

    Raises
    ------
    InputError
        If a class has fewer than ``n_per_class`` records.
    """
    counts = table["label"].value_counts()
    short = counts[counts < n_per_class]
    if n_per_class < 1 or len(short):
        raise InputError(
            f"--subsample {n_per_class}: need at least that many records per class, "
            f"have {counts.sort_index().to_dict()}"
        )
    picked = table.groupby("label", sort=True).sample(n=n_per_class, random_state=seed)
    return table.loc[picked.index.sort_values()].reset_index(drop=True)


def prepare(
    train: pd.DataFrame,
    test: pd.DataFrame | None = None,
    *,
    dedup: str = "exact",
    resplit: bool = False,
    test_fraction: float = 0.2,
    subsample: int | None = None,
    val_fraction: float = 0.2,
    params: MinHashLSH = MinHashLSH(),
    seed: int = 0,
) -> Prepared:
    """Turn labelled train (and test) tables into leakage-free train/val/test (and a search subset).

    Steps, in order: optional homology-aware re-split of train+test (:func:`homology_split`); removal
    of training records that duplicate test records (:func:`remove_test_overlap`, ``dedup``);
    stratified validation split of what is left (:func:`stratified_split`); balanced subsample of
    the final training table (:func:`balanced_subsample`, ``subsample`` per class).

    Parameters
    ----------
    train : pd.DataFrame
        Labelled canonical table.
    test : pd.DataFrame, optional
        Labelled canonical table; without it and without ``resplit`` there is no test table.
    dedup : {"none", "exact", "near"}
    resplit : bool
        Re-split train+test (or train alone) into train and test by homology clusters.
    test_fraction : float
        Test share of each class when re-splitting.
    subsample : int, optional
        Records per class in ``tables["subset"]``.
    val_fraction : float
        Validation share; 0 gives an empty validation table.
    params : MinHashLSH
        Near-duplicate parameters (re-split and ``dedup="near"``).
    seed : int
    """
    train = _canonical_table(train, "train")
    test = None if test is None else _canonical_table(test, "test")
    for name, table in (("train", train), ("test", test)):
        if table is not None and (table["label"] == "").any():
            raise InputError(f"{name}: every record needs a label; give one per file, e.g. enh.fa:enhancer")
    info = {
        "seed": seed,
        "dedup": dedup,
        "resplit": resplit,
        "val_fraction": val_fraction,
        "subsample_per_class": subsample,
        "near_duplicates": params.to_dict(),
    }
    if resplit:
        pooled = train if test is None else pd.concat([train, test], ignore_index=True)
        train, test = homology_split(pooled, test_fraction, params, seed)
        info["test_fraction"] = test_fraction
    removed = _removed_frame(train.iloc[:0], [], [], [])
    if test is not None:
        train, removed = remove_test_overlap(train, test, dedup, params)
    if val_fraction > 0:
        train, val = stratified_split(train, val_fraction, seed)
    else:
        val = train.iloc[:0]
    tables = {"train": train.assign(split="train"), "val": val.assign(split="val")}
    if test is not None:
        tables["test"] = test.assign(split="test")
    if subsample:
        tables["subset"] = balanced_subsample(tables["train"], subsample, seed)
    return Prepared(tables=tables, removed=removed, info=info)


def _file_entry(path: Path, table: pd.DataFrame) -> dict:
    return {
        "path": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "n_records": len(table),
        "class_counts": {str(k): int(v) for k, v in table["label"].value_counts().sort_index().items()},
    }


def manifest(prepared: Prepared, files: dict[str, Path]) -> dict:
    """Counts per output table and class, sha256 of every file, parameters and what was removed.

    Parameters
    ----------
    files : dict of str -> Path
        Written file of each table in ``prepared.tables``, and of ``"removed"``.
    """
    tables = {**prepared.tables, "removed": prepared.removed}
    removed = prepared.removed
    return {
        **prepared.info,
        "files": {name: _file_entry(path, tables[name]) for name, path in files.items()},
        "removed": {
            "n_records": len(removed),
            "by_reason": {str(k): int(v) for k, v in removed["reason"].value_counts().sort_index().items()},
            "records": removed.to_dict(orient="records"),
        },
        "renamed_ids": _renamed_entry(prepared.tables),
    }


def _renamed_entry(tables: dict) -> dict:
    """Records whose id was renamed on reading (``NAME~2``), from the tables' description column (the audit's rule)."""
    # subset.tsv repeats test records; counting it too would count them twice
    renamed = pd.concat([renamed_ids(table) for name, table in tables.items() if name != "subset"], ignore_index=True)
    return {"n_records": len(renamed), "records": renamed.head(MAX_RENAMED_LISTED).to_dict(orient="records")}


def _native(value):
    """json.dumps fallback for numpy scalars (``removed.to_dict`` may hold them)."""
    return value.item() if hasattr(value, "item") else str(value)


def write_prepared(prepared: Prepared, out_dir: str | Path) -> dict:
    """Write ``train.tsv``, ``val.tsv``, [``test.tsv``, ``subset.tsv``], ``removed.tsv``, ``manifest.json``.

    TSVs have the canonical columns (id, sequence, label, split, source, description) and a header, so
    they read back as SPECs (the description column, each record's original header, is kept for the
    reader; reading back takes the ids as written). The folder appears whole or not at all. Returns the manifest.
    """
    with atomic_dir(out_dir) as tmp:
        files = {}
        for name, table in prepared.tables.items():
            files[name] = tmp / f"{name}.tsv"
            table[list(COLUMNS)].to_csv(files[name], sep="\t", index=False)
        files["removed"] = tmp / "removed.tsv"
        prepared.removed.to_csv(files["removed"], sep="\t", index=False)
        data = manifest(prepared, files)
        (tmp / "manifest.json").write_text(json.dumps(data, indent=2, default=_native) + "\n")
    return data
