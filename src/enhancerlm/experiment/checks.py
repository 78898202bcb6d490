"""The run's inputs checked before any training: leakage audit, validation-split checks, test copies removed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from enhancerlm.io import atomic_path

log = logging.getLogger(__name__)


def audit_stage(
    train: pd.DataFrame,
    test: pd.DataFrame,
    out: Path,
    seed: int,
    positive: str | None,
    val_fractions: dict | None = None,
    min_bp: int | None = None,
):
    """Leakage audit of the pair as given (before any dedup), written to ``out``.

    The audit also lists the ids renamed on reading and, with ``min_bp`` (the model's k), counts
    the records per split shorter than that (kept, scored on ``[CLS] [SEP]`` alone).

    ``val_fractions`` (split name -> validation share, e.g. ``{"fine_tuning": cfg.val_fraction,
    "search": cfg.search_val_fraction}``) adds what a plain split of ``train`` with that share and
    ``seed`` would have leaked (:func:`validation_checks`).
    """
    from enhancerlm.data.leakage.audit_report import write_audit

    checks = validation_checks(train, val_fractions or {}, seed)
    report = write_audit(train, test, out, seed=seed, positive=positive, validation_split=checks, min_bp=min_bp)
    log.info(
        "audit: %d of %d test sequences duplicate train (exact %d, reverse complement %d); novel %d",
        report.exact_duplicates + report.revcomp_duplicates,
        report.n_test,
        report.exact_duplicates,
        report.revcomp_duplicates,
        int(report.novel_mask().sum()),
    )
    return report


def validation_checks(train: pd.DataFrame, val_fractions: dict, seed: int) -> dict:
    """Per split name, :func:`enhancerlm.data.leakage.splits.split_leakage` of ``train``; shares of 0 are left out."""
    from enhancerlm.data.leakage.splits import split_leakage
    from enhancerlm.errors import InputError

    checks = {}
    for name, fraction in val_fractions.items():
        if not fraction:
            continue
        try:
            checks[name] = split_leakage(train, fraction, seed)
        except InputError as err:  # too few records to split: the split itself says so if it runs
            log.warning("audit: no %s split check: %s", name, err)
            continue
        naive = checks[name]["naive"]
        log.info(
            "audit: a plain %s split would put %d of %d validation records beside a training twin; "
            "the split used keeps copies together",
            name,
            naive["n_val_with_train_twin"],
            naive["n_val"],
        )
    return checks


class Dedup(NamedTuple):
    """Training records kept, and those removed because they also occur in test (either strand):
    :func:`enhancerlm.data.leakage.prepare.remove_test_overlap`'s two tables."""

    kept: pd.DataFrame
    removed: pd.DataFrame


def dedup_stage(dedup: Dedup, out: Path) -> pd.DataFrame:
    """Train without the sequences that also occur in test; the removed ids recorded in ``out``.

    The overlap is found once, when the run checks its inputs (a dedup that empties a class is refused
    before anything is written); this stage writes what was found.
    """
    with atomic_path(out / "removed_from_train.tsv") as tmp:
        dedup.removed.to_csv(tmp, sep="\t", index=False)
    return dedup.kept
