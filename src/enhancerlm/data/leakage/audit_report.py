"""Write an audit to a folder: ``audit.json``, a readable ``audit.md`` and the distribution plots."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from enhancerlm.data.leakage.audit import GC_WARNING_AUROC, AuditReport, audit, composition
from enhancerlm.data.leakage.plots import save_distribution_plots
from enhancerlm.io import atomic_dir


def _pct(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "n/a"


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _counts_line(counts: dict) -> str:
    return ", ".join(f"{label or '(unlabelled)'} {n}" for label, n in counts.items())


def _stats_rows(stats: dict, digits: int) -> list[str]:
    rows = []
    for split, by_label in stats.items():
        for label, s in by_label.items():
            rows.append(
                f"| {split} | {label or '(unlabelled)'} | {s['count']} | {_fmt(s['mean'], digits)} | "
                f"{_fmt(s['median'], digits)} | {_fmt(s['min'], digits)} | {_fmt(s['max'], digits)} |"
            )
    return rows


def _gc_lines(report: AuditReport) -> list[str]:
    by_split = ", ".join(f"{s} {_fmt(v)}" for s, v in report.gc_auroc_by_split.items())
    lines = [f"GC-only AUROC: **{_fmt(report.gc_auroc)}** (train+test pooled; per split: {by_split}).", ""]
    if report.gc_warning:
        lines += [
            f"> **Warning:** GC content alone separates the classes (AUROC beyond {GC_WARNING_AUROC} in "
            "either direction). Compare every model with a GC-only and a k-mer baseline.",
            "",
        ]
    return lines + [f"Scope: {report.gc_auroc_scope}", ""]


_RENAMED_SHOWN = 20  # renamed records listed in audit.md (audit.json lists more)


def reading_markdown(report: AuditReport) -> list[str]:
    """Lines on how the inputs were read: ids renamed to be unique within a split, records shorter than k."""
    lines = []
    if report.short_records_min_bp is not None:
        counts = ", ".join(f"{split} {n}" for split, n in report.short_records.items())
        lines += [
            f"- records shorter than {report.short_records_min_bp} bp (the model's k; kept, scored with no "
            f"k-mer of their own): {counts}",
            "",
        ]
    if not report.n_renamed:
        return lines
    lines += [
        "## Ids renamed on reading",
        "",
        f"{report.n_renamed} record(s) repeated an earlier id of the same split and were renamed NAME~2, "
        "NAME~3, ... in input order (their full headers are kept in the `description` column; "
        "`renamed_ids` in audit.json lists them).",
        "",
        "| split | source | record | original id | id |",
        "|---|---|---:|---|---|",
    ]
    lines += [
        f"| {r['split']} | {r['source']} | {r['record']} | {r['original_id']} | {r['id']} |"
        for r in report.renamed_ids[:_RENAMED_SHOWN]
    ]
    if report.n_renamed > _RENAMED_SHOWN:
        lines.append(f"| ... | {report.n_renamed - _RENAMED_SHOWN} more | | | |")
    return lines + [""]


def _interval_row(report: AuditReport) -> list[str]:
    """The interval-overlap row of the duplicates table, when both sides carry coordinates."""
    overlaps = report.interval_overlaps
    if not overlaps:
        return []
    n = overlaps["n_test_overlapping"]
    return [
        f"| overlaps a training interval (chrom/start/end; {overlaps['n_pairs']} pairs) | {n} | "
        f"{_pct(n, report.n_test)} |"
    ]


def to_markdown(report: AuditReport) -> str:
    """A one-page readable summary: counts, renamed ids, duplicates with percentages, GC AUROC and its warning."""
    n_test, p = report.n_test, report.near_params
    lines = [
        "# Leakage audit",
        "",
        f"- train: {report.n_train} records ({_counts_line(report.class_counts.get('train', {}))})",
        f"- test: {n_test} records ({_counts_line(report.class_counts.get('test', {}))})",
        "",
        *reading_markdown(report),
        "## Test records that duplicate training records",
        "",
        "| category | test records | % of test |",
        "|---|---:|---:|",
        f"| exact duplicate | {report.exact_duplicates} | {_pct(report.exact_duplicates, n_test)} |",
        f"| reverse-complement duplicate | {report.revcomp_duplicates} | {_pct(report.revcomp_duplicates, n_test)} |",
        f"| near duplicate (Jaccard >= {p['threshold']}, k={p['k']}) | {report.near_duplicates} | "
        f"{_pct(report.near_duplicates, n_test)} |",
        f"| **novel** (no exact or reverse-complement twin) | {report.n_novel} | {_pct(report.n_novel, n_test)} |",
        *_interval_row(report),
        "",
        "Report test metrics on the novel subset (`novel_test_ids` in audit.json) next to the full test set.",
        f"Test duplicates whose training twin carries another label: {report.label_conflicts}.",
        "",
        "## Duplicates within a split (either strand)",
        "",
        f"- train: {report.within_train_duplicates} ({_pct(report.within_train_duplicates, report.n_train)})",
        f"- test: {report.within_test_duplicates} ({_pct(report.within_test_duplicates, n_test)})",
        "",
        "## GC content as a classifier",
        "",
        *_gc_lines(report),
        "## Length (bp) and GC per split and class",
        "",
        "| split | class | n | mean length | median | min | max |",
        "|---|---|---:|---:|---:|---:|---:|",
        *_stats_rows(report.length_stats, 1),
        "",
        "| split | class | n | mean GC | median | min | max |",
        "|---|---|---:|---:|---:|---:|---:|",
        *_stats_rows(report.gc_stats, 3),
        "",
        "![GC content](gc_histogram.png)",
        "",
        "![Length](length_histogram.png)",
        "",
        "## Near-duplicate search",
        "",
        f"MinHash ({p['num_perm']} functions, seed {p['seed']}) + LSH ({p['bands']} bands x {p['rows']} rows, "
        f">= 0.99 recall at the threshold), every candidate confirmed by exact {p['similarity']}.",
        "",
    ]
    return "\n".join(lines)


def validation_split_markdown(validation_split: dict) -> str:
    """A short section on validation splits: what a plain split would leak, and that the one used does not.

    Parameters
    ----------
    validation_split : dict of str -> dict
        Per split name (``fine_tuning``, ``search``...), a dict of :func:`enhancerlm.data.leakage.splits.split_leakage`.
    """
    lines = ["## Validation split (duplicates kept together)", ""]
    for name, check in validation_split.items():
        naive, aware = check["naive"], check["duplicate_aware"]
        lines.append(
            f"- {name.replace('_', ' ')} (fraction {check['val_fraction']:g}, seed {check['seed']}, "
            f"{check['n_records']} training records): a plain stratified split would have put "
            f"**{naive['n_val_with_train_twin']} of {naive['n_val']}** validation records "
            f"({_pct(naive['n_val_with_train_twin'], naive['n_val'])}) beside an exact or reverse-complement "
            f"twin in its training part; the split used keeps copies of a sequence on one side "
            f"({aware['n_val_with_train_twin']} of {aware['n_val']} validation records have a twin in training)."
        )
    lines += ["", "Measured on the training records as audited, before test duplicates are removed.", ""]
    return "\n".join(lines)


def write_audit(
    train: pd.DataFrame,
    test: pd.DataFrame,
    out_dir: str | Path,
    *,
    validation_split: dict | None = None,
    **audit_options,
) -> AuditReport:
    """Audit ``train`` against ``test`` and write ``audit.json``, ``audit.md`` and PNG plots to ``out_dir``.

    The folder appears whole or not at all (it replaces an existing ``out_dir``).

    Parameters
    ----------
    train, test : pd.DataFrame
        Canonical tables.
    out_dir : str or Path
    validation_split : dict of str -> dict, optional
        Per validation split of the run, a dict of :func:`enhancerlm.data.leakage.splits.split_leakage`; written
        as the ``validation_split`` block of ``audit.json`` and a section of ``audit.md``.
    **audit_options
        Passed to :func:`enhancerlm.data.leakage.audit.audit` (``k``, ``near_threshold``, ``num_perm``, ``seed``,
        ``positive``, ``min_bp``).
    """
    report = audit(train, test, **audit_options)
    data, markdown = report.to_dict(), to_markdown(report)
    if validation_split:
        data["validation_split"] = validation_split
        markdown += "\n" + validation_split_markdown(validation_split)
    with atomic_dir(out_dir) as tmp:
        (tmp / "audit.json").write_text(json.dumps(data, indent=2) + "\n")
        (tmp / "audit.md").write_text(markdown)
        save_distribution_plots(composition(train, test), tmp)
    return report
