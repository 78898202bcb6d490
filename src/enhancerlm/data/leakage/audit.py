"""Leakage audit of a train/test pair: duplicates across and within splits, composition, GC-only AUROC."""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field

import bioframe
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from enhancerlm.data.leakage.near_duplicates import (
    DEFAULT_K,
    DEFAULT_NUM_PERM,
    DEFAULT_THRESHOLD,
    MinHashLSH,
    best_matches,
)
from enhancerlm.errors import InputError
from enhancerlm.formatting import metric
from enhancerlm.sequences.dna import canonical_sequences, gc_fraction
from enhancerlm.sequences.ids import renamed_ids as find_renamed_ids
from enhancerlm.sequences.records import LabelMap

logger = logging.getLogger(__name__)

EXACT, REVCOMP, NEAR, NOVEL = "exact", "revcomp", "near", "novel"
GC_WARNING_AUROC = 0.7
MAX_RENAMED_LISTED = 1000  # renamed records listed in audit.json; ``n_renamed`` counts them all
GC_AUROC_SCOPE = (
    "train and test pooled. Binary: AUROC of GC fraction as the score of the positive class (LabelMap "
    "positive); below 0.5 means GC is lower in that class. Multi-class: mean over classes of the one-vs-rest "
    "AUROC taken in its better direction, max(a, 1 - a). The warning fires when max(a, 1 - a) > 0.7."
)


@dataclass
class AuditReport:
    """What a train/test pair leaks, and how far GC content alone separates its classes.

    Duplicate categories of a test record are exclusive, checked in this order: ``exact`` (identical
    to a training sequence), ``revcomp`` (identical to a training sequence's reverse complement),
    ``near`` (canonical k-mer Jaccard >= ``near_params['threshold']`` with some training sequence,
    either strand; see :mod:`enhancerlm.data.leakage.near_duplicates`), else ``novel``. The *novel subset*
    used for honest metrics is every test record that is neither exact nor revcomp
    (``novel_test_ids``, :meth:`novel_mask`); near duplicates stay in it and are reported apart.

    ``within_*_duplicates`` count records whose sequence (either strand) repeats an earlier record of
    the same split. ``label_conflicts`` counts exact/revcomp test duplicates whose label differs from
    the label of every training twin. Statistics are keyed ``[split][label][stat]``; lengths in bp,
    GC as a fraction of A/C/G/T bases.

    ``renamed_ids`` lists (up to ``MAX_RENAMED_LISTED``) records whose id was renamed on reading to be
    unique within its split (``sequences.ids``), as dicts with keys split, source, record (1-based,
    within its source), original_id, id; ``n_renamed`` counts them all. ``short_records`` counts, per
    split, the records shorter than ``short_records_min_bp`` bp (the model's k; they are kept and
    scored on ``[CLS] [SEP]`` alone); both are empty/None when no length was given.

    ``interval_overlaps`` (when both sides carry ``chrom, start, end``, e.g. ``data build``'s TSVs or
    region files read with ``--genome``): test records whose interval shares at least one base with a
    training interval, however different their sequences (:func:`interval_overlaps`); None otherwise.
    """

    n_train: int
    n_test: int
    class_counts: dict
    exact_duplicates: int
    revcomp_duplicates: int
    near_duplicates: int
    n_novel: int
    within_train_duplicates: int
    within_test_duplicates: int
    label_conflicts: int
    gc_auroc: float | None
    gc_auroc_by_split: dict
    gc_warning: bool
    length_stats: dict
    gc_stats: dict
    near_params: dict
    exact_duplicate_ids: list
    revcomp_duplicate_ids: list
    near_duplicate_ids: list
    near_duplicate_matches: list
    within_train_duplicate_ids: list
    within_test_duplicate_ids: list
    novel_test_ids: list
    renamed_ids: list = field(default_factory=list)
    n_renamed: int = 0
    short_records: dict = field(default_factory=dict)
    short_records_min_bp: int | None = None
    interval_overlaps: dict | None = None
    gc_auroc_scope: str = GC_AUROC_SCOPE
    test_category: np.ndarray = field(default=None, repr=False, compare=False)

    def novel_mask(self, include_near: bool = True) -> np.ndarray:
        """Boolean mask over the audited test rows (in their order): True for the novel subset.

        Parameters
        ----------
        include_near : bool
            False also drops near duplicates (a stricter subset).

        Returns
        -------
        np.ndarray of bool, shape=(n_test,)
        """
        keep = (NOVEL, NEAR) if include_near else (NOVEL,)
        return np.isin(self.test_category, keep)

    def to_dict(self) -> dict:
        """JSON-able dict of every field but the per-row ``test_category`` (NaN becomes None)."""
        data = {k: v for k, v in asdict(self).items() if k != "test_category"}
        return _json_safe(data)


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _check_table(table: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = {"id", "sequence", "label"} - set(table.columns)
    if missing:
        raise InputError(f"{name}: table lacks column(s) {sorted(missing)}")
    if len(table) == 0:
        raise InputError(f"{name}: no records")
    out = table.reset_index(drop=True).copy()
    out["sequence"] = out["sequence"].astype(str).str.upper()  # case is soft-masking, not a base
    out["label"] = out["label"].astype(str)
    out["id"] = out["id"].astype(str)
    return out


def _cross_duplicates(train: pd.DataFrame, test: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Category (exact/revcomp/novel) per test row and the number of label conflicts."""
    # pandas `isin` is a hash-table lookup on the canonical strand: exact, no digest collisions.
    exact = test["sequence"].isin(set(train["sequence"])).to_numpy()
    either = test["canonical"].isin(set(train["canonical"])).to_numpy()
    category = np.where(exact, EXACT, np.where(either, REVCOMP, NOVEL)).astype(object)
    twins = test.loc[either, ["canonical", "label"]].reset_index()
    labels = train[["canonical", "label"]].drop_duplicates()
    same_label = twins.merge(labels, on=["canonical", "label"], how="left", indicator=True)
    conflicts = int(len(twins) - (same_label["_merge"] == "both").sum())
    return category, conflicts


def _near_matches(train: pd.DataFrame, test: pd.DataFrame, candidate: np.ndarray, params: MinHashLSH) -> pd.DataFrame:
    """Best near-duplicate training match per test row in ``candidate``: test_row, train_id, jaccard."""
    matches = best_matches(test.loc[candidate], train, params)
    return matches.rename(columns={"row": "test_row", "match_id": "train_id"})


def gc_auroc(labels, gc: np.ndarray, positive: str | None = None) -> float | None:
    """AUROC of GC content used alone as a classifier (see ``GC_AUROC_SCOPE``); None with < 2 classes.

    Parameters
    ----------
    labels : sequence of str, length n
        Class names; "" (unlabelled) rows and rows with NaN GC are left out.
    gc : np.ndarray, shape=(n,)
        GC fraction per sequence.
    positive : str, optional
        Positive class of a binary task (default: ``LabelMap.from_labels``'s choice).
    """
    labels = np.asarray(labels, dtype=object)
    keep = (labels != "") & ~np.isnan(gc)
    if len(set(labels[keep])) < 2:
        return None
    label_map = LabelMap.from_labels(labels[keep], positive=positive)
    if label_map.positive is not None:
        return float(roc_auc_score(labels[keep] == label_map.positive, gc[keep]))
    per_class = [roc_auc_score(labels[keep] == name, gc[keep]) for name in label_map.names]
    return float(np.mean([max(a, 1 - a) for a in per_class]))


def composition(train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """Train and test stacked with ``split`` set and two columns added: ``length_bp`` and ``gc`` (fraction).

    Returns
    -------
    pd.DataFrame, n_train + n_test rows, train first
    """
    pooled = pd.concat([train.assign(split="train"), test.assign(split="test")], ignore_index=True)
    pooled["label"] = pooled["label"].astype(str)
    pooled["length_bp"] = pooled["sequence"].str.len()
    pooled["gc"] = gc_fraction(pooled["sequence"].tolist())
    return pooled


def _summary(values: pd.Series) -> dict:
    q = values.quantile([0.25, 0.5, 0.75])
    return {
        "count": int(values.count()),
        "mean": values.mean(),
        "std": values.std(),
        "min": values.min(),
        "q25": q[0.25],
        "median": q[0.5],
        "q75": q[0.75],
        "max": values.max(),
    }


def _stats(pooled: pd.DataFrame, column: str) -> dict:
    return {
        split: {label: _summary(group[column]) for label, group in by_split.groupby("label", sort=True)}
        for split, by_split in pooled.groupby("split", sort=False)
    }


def _repeated_ids(table: pd.DataFrame) -> list:
    """Ids of the records whose sequence (either strand) repeats an earlier one in the same table."""
    return table.loc[table["canonical"].duplicated(), "id"].tolist()


def audit(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    k: int = DEFAULT_K,
    near_threshold: float = DEFAULT_THRESHOLD,
    num_perm: int = DEFAULT_NUM_PERM,
    seed: int = 0,
    positive: str | None = None,
    min_bp: int | None = None,
) -> AuditReport:
    """Audit a train/test pair for leakage and composition bias.

    Parameters
    ----------
    train, test : pd.DataFrame
        Canonical tables (columns id, sequence, label; more are ignored).
    k : int
        k-mer size in bp for near duplicates (default 8).
    near_threshold : float
        Canonical k-mer Jaccard at or above which a test sequence is a near duplicate (default 0.5:
        about 95% identity under scattered substitutions, or two windows overlapping by 2/3).
    num_perm : int
        MinHash functions (default 128; LSH bands chosen for >= 0.99 recall at the threshold).
    seed : int
        Seed of the MinHash functions.
    positive : str, optional
        Positive class for the GC AUROC of a binary task.
    min_bp : int, optional
        Count the records shorter than this many bp per split (pass the model's k).

    Returns
    -------
    AuditReport
        Also lists the records renamed on reading (from the ``description`` column, see
        :func:`enhancerlm.sequences.ids.renamed_ids`).
    """
    params = MinHashLSH(k=k, threshold=near_threshold, num_perm=num_perm, seed=seed)
    renamed = pd.concat([find_renamed_ids(train), find_renamed_ids(test)], ignore_index=True)
    train, test = _check_table(train, "train"), _check_table(test, "test")
    for table in (train, test):
        table["canonical"] = canonical_sequences(table["sequence"].tolist())
    category, conflicts = _cross_duplicates(train, test)
    near = _near_matches(train, test, np.flatnonzero(category == NOVEL), params)
    category[near["test_row"].to_numpy()] = NEAR
    pooled = composition(train, test)
    by_split = {
        split: gc_auroc(group["label"], group["gc"].to_numpy(), positive)
        for split, group in pooled.groupby("split", sort=False)
    }
    auroc = gc_auroc(pooled["label"], pooled["gc"].to_numpy(), positive)
    report = _build_report(train, test, category, conflicts, near, pooled, auroc, by_split, params)
    report.n_renamed = len(renamed)
    report.renamed_ids = renamed.head(MAX_RENAMED_LISTED).to_dict(orient="records")
    report.interval_overlaps = interval_overlaps(train, test)
    if min_bp is not None:
        report.short_records_min_bp = int(min_bp)
        report.short_records = {
            name: int((table["sequence"].str.len() < min_bp).sum())
            for name, table in (("train", train), ("test", test))
        }
    logger.info(
        "audit: %d test records: %d exact, %d revcomp, %d near duplicates of train; GC AUROC %s",
        len(test),
        report.exact_duplicates,
        report.revcomp_duplicates,
        report.near_duplicates,
        metric(auroc),
    )
    if report.gc_warning:
        logger.warning(
            "audit: GC content alone separates the classes (AUROC %s); compare every model with a GC-only baseline",
            metric(auroc),
        )
    return report


def _intervals(table: pd.DataFrame) -> pd.DataFrame:
    """``chrom, start, end, id`` of the records that carry coordinates (others have no chrom or NaN bounds)."""
    if not {"chrom", "start", "end"} <= set(table.columns):
        return pd.DataFrame(columns=["chrom", "start", "end", "id"])
    has = table["chrom"].fillna("").astype(str).ne("") & table[["start", "end"]].notna().all(axis=1)
    rows = table.loc[has, ["chrom", "start", "end", "id"]].reset_index(drop=True)
    return rows.astype({"chrom": str, "start": np.int64, "end": np.int64, "id": str})


def interval_overlaps(train: pd.DataFrame, test: pd.DataFrame) -> dict | None:
    """Test records whose genomic interval overlaps a training interval (``bioframe.overlap``, >= 1 bp).

    Sequence duplicates miss these: a test window shifted by half its width from a training window
    shares half its bases, and two calls of one peak in train and test share the element itself.

    Returns
    -------
    dict or None
        None unless both tables carry coordinates; else ``n_train_with_coordinates``,
        ``n_test_with_coordinates``, ``n_test_overlapping`` (test records with >= 1 overlap),
        ``n_pairs`` and ``pairs`` (up to ``MAX_RENAMED_LISTED``: test_id, train_id, overlap_bp).
    """
    a, b = _intervals(test), _intervals(train)
    if a.empty or b.empty:
        return None
    hits = bioframe.overlap(a, b, how="inner", suffixes=("", "_train"), return_overlap=True)
    pairs = pd.DataFrame(
        {
            "test_id": hits["id"],
            "train_id": hits["id_train"],
            "overlap_bp": (hits["overlap_end"] - hits["overlap_start"]).astype(np.int64),
        }
    )
    return {
        "n_train_with_coordinates": len(b),
        "n_test_with_coordinates": len(a),
        "n_test_overlapping": int(pairs["test_id"].nunique()),
        "n_pairs": len(pairs),
        "pairs": pairs.head(MAX_RENAMED_LISTED).to_dict(orient="records"),
    }


def _build_report(train, test, category, conflicts, near, pooled, auroc, by_split, params) -> AuditReport:
    ids = test["id"].to_numpy()
    counts = {s: g["label"].value_counts().sort_index().to_dict() for s, g in pooled.groupby("split", sort=False)}
    separability = None if auroc is None else max(auroc, 1 - auroc)
    matches = [
        {"test_id": ids[r], "train_id": t, "jaccard": j}
        for r, t, j in near[["test_row", "train_id", "jaccard"]].itertuples(index=False)
    ]
    return AuditReport(
        n_train=len(train),
        n_test=len(test),
        class_counts=counts,
        exact_duplicates=int((category == EXACT).sum()),
        revcomp_duplicates=int((category == REVCOMP).sum()),
        near_duplicates=int((category == NEAR).sum()),
        n_novel=int(np.isin(category, (NOVEL, NEAR)).sum()),
        within_train_duplicates=len(_repeated_ids(train)),
        within_test_duplicates=len(_repeated_ids(test)),
        label_conflicts=conflicts,
        gc_auroc=auroc,
        gc_auroc_by_split=by_split,
        gc_warning=bool(separability is not None and separability > GC_WARNING_AUROC),
        length_stats=_stats(pooled, "length_bp"),
        gc_stats=_stats(pooled, "gc"),
        near_params=params.to_dict(),
        exact_duplicate_ids=ids[category == EXACT].tolist(),
        revcomp_duplicate_ids=ids[category == REVCOMP].tolist(),
        near_duplicate_ids=ids[category == NEAR].tolist(),
        near_duplicate_matches=matches,
        within_train_duplicate_ids=_repeated_ids(train),
        within_test_duplicate_ids=_repeated_ids(test),
        novel_test_ids=ids[np.isin(category, (NOVEL, NEAR))].tolist(),
        test_category=category,
    )
