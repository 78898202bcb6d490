"""The one train/validation split: stratified by label, copies of a sequence (either strand) on one side.

Every validation split of the package goes through :func:`stratified_split` (``run``'s fine-tuning
curves and early stopping, the hyperparameter search's 80/20 split, ``data prepare``). A plain
stratified split of a set whose sequences repeat (Genomic Benchmarks ``human_enhancers_ensembl``:
about 4 in 5 training positives have an exact twin in train) puts one copy in each part, and the
validation score then measures memorisation; :func:`naive_split_twins` counts how often.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.sequences.dna import canonical_sequences
from enhancerlm.sequences.task import infer_task, truth_columns

logger = logging.getLogger(__name__)


def _check(table: pd.DataFrame, val_fraction: float) -> None:
    if not 0 < val_fraction < 1:
        raise ConfigError(f"--val-fraction {val_fraction!r} must be between 0 and 1")
    missing = {"sequence", "label"} - set(table.columns)
    if missing:
        raise InputError(f"validation split: table lacks column(s) {sorted(missing)}")


def _split_error(err: ValueError, val_fraction: float, table: pd.DataFrame) -> InputError:
    counts = table["label"].value_counts().sort_index().to_dict()
    return InputError(
        f"validation split (--val-fraction {val_fraction}) of {len(table)} records (classes {counts}): {err}"
    )


def _merge_rare(strata: pd.Series) -> pd.Series:
    """Multi-output strata (label sets, value bins) of a single distinct sequence pooled as ``"rare"``.

    A stratum needs two members to be split; a multi-label table has up to 2^L label sets, most of them
    rare. A lone ``"rare"`` joins the largest stratum.
    """
    counts = strata.value_counts()
    merged = strata.where(~strata.isin(counts[counts < 2].index), "rare")
    if (merged == "rare").sum() == 1:
        merged = merged.replace("rare", counts.idxmax())
    return merged


def duplicate_groups(seqs) -> np.ndarray:
    """Group id per record: records with the same sequence on either strand (case ignored) share one.

    Parameters
    ----------
    seqs : sequence of str, length n

    Returns
    -------
    np.ndarray of int64, shape=(n,)
        Ids 0..n_groups-1 in order of first appearance.
    """
    codes, _ = pd.factorize(canonical_sequences([str(s).upper() for s in seqs]))
    return codes.astype(np.int64)


def stratified_split(table: pd.DataFrame, val_fraction: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified train/validation split in which copies of a sequence (either strand) stay together.

    The distinct sequences (canonical strand, :func:`duplicate_groups`) are split by
    ``sklearn.model_selection.train_test_split`` stratified on their label (the first record's; for a
    multi-label or regression table its label set or value bin, :meth:`Task.strata`, rare ones pooled), and
    every record follows its sequence, so no validation record has an exact or reverse-complement
    twin in the training part. Each class keeps ``val_fraction`` of its distinct sequences in
    validation (of its records in expectation).

    Parameters
    ----------
    table : pd.DataFrame
        Columns ``sequence`` and ``label`` at least; every column is kept.
    val_fraction : float
        Validation share, in (0, 1).
    seed : int

    Returns
    -------
    train, val : pd.DataFrame
        The records of each part in input order, index reset, ``split`` set to ``train`` / ``val``.

    Raises
    ------
    InputError
        If a class has too few distinct sequences to be split (sklearn's message, with the counts).
    """
    _check(table, val_fraction)
    codes = duplicate_groups(table["sequence"].tolist())
    multi_output = bool(truth_columns(table))
    strata = infer_task(table).strata(table) if multi_output else table["label"].to_numpy()
    first = pd.Series(strata).groupby(codes).first()
    if multi_output:
        first = _merge_rare(first)
    try:
        _, val_groups = train_test_split(
            first.index.to_numpy(), test_size=val_fraction, stratify=first.to_numpy(), random_state=seed
        )
    except ValueError as err:
        if not multi_output:
            raise _split_error(err, val_fraction, table) from None
        # more label sets or bins than the validation part has places: a plain random split of the groups
        logger.info("validation split not stratified (%s); groups drawn at random", err)
        _, val_groups = train_test_split(first.index.to_numpy(), test_size=val_fraction, random_state=seed)
    is_val = np.isin(codes, val_groups)
    return (
        table[~is_val].assign(split="train").reset_index(drop=True),
        table[is_val].assign(split="val").reset_index(drop=True),
    )


def twins_across(train: pd.DataFrame, val: pd.DataFrame) -> np.ndarray:
    """Boolean mask over ``val``'s rows: True where the sequence (either strand) also occurs in ``train``.

    Returns
    -------
    np.ndarray of bool, shape=(len(val),)
    """
    in_train = set(canonical_sequences(train["sequence"].str.upper().tolist()))
    return canonical_sequences(val["sequence"].str.upper().tolist()).isin(in_train).to_numpy()


def naive_split_twins(table: pd.DataFrame, val_fraction: float, seed: int = 0) -> dict:
    """What a plain (duplicate-blind) stratified split with the same fraction and seed would have leaked.

    The plain split is ``train_test_split(table, test_size=val_fraction, stratify=label,
    random_state=seed)``, record by record, as the package's validation splits were made before
    :func:`stratified_split`.

    Parameters
    ----------
    table : pd.DataFrame
        Columns ``sequence`` and ``label``.
    val_fraction : float
        Validation share, in (0, 1).
    seed : int

    Returns
    -------
    dict
        ``n_val`` (validation records of the plain split), ``n_val_with_train_twin`` (of them, records
        whose sequence, either strand, also sits in the plain split's training part), ``share``
        (their ratio, 0.0 for an empty part).
    """
    _check(table, val_fraction)
    try:
        train, val = train_test_split(table, test_size=val_fraction, stratify=table["label"], random_state=seed)
    except ValueError as err:
        raise _split_error(err, val_fraction, table) from None
    n_twins = int(twins_across(train, val).sum())
    return {"n_val": int(len(val)), "n_val_with_train_twin": n_twins, "share": n_twins / len(val) if len(val) else 0.0}


def split_leakage(table: pd.DataFrame, val_fraction: float, seed: int = 0) -> dict:
    """The plain split's twins (:func:`naive_split_twins`) beside those of :func:`stratified_split` (always 0).

    Returns
    -------
    dict
        ``val_fraction``, ``seed``, ``n_records``, ``naive`` (the dict of :func:`naive_split_twins`) and
        ``duplicate_aware`` (the same keys for :func:`stratified_split`).
    """
    train, val = stratified_split(table, val_fraction, seed)
    n_twins = int(twins_across(train, val).sum())
    aware = {"n_val": int(len(val)), "n_val_with_train_twin": n_twins, "share": n_twins / len(val) if len(val) else 0.0}
    return {
        "val_fraction": float(val_fraction),
        "seed": int(seed),
        "n_records": int(len(table)),
        "naive": naive_split_twins(table, val_fraction, seed),
        "duplicate_aware": aware,
    }


def split_ids(train: pd.DataFrame, val: pd.DataFrame) -> pd.DataFrame:
    """Which record went where: columns ``id, label, split`` (train rows first), as ``split.tsv`` holds it."""
    return pd.concat(
        [train[["id", "label"]].assign(split="train"), val[["id", "label"]].assign(split="val")], ignore_index=True
    )
