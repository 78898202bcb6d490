"""Write an audit to a folder: ``audit.json``, a readable ``audit.md`` and the distribution plots."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from enhancerlm.data.audit import GC_WARNING_AUROC, AuditReport, audit, composition
from enhancerlm.data.plots import save_distribution_plots
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
            rows.append(f"| {split} | {label or '(unlabelled)'} | {s['count']} | {_fmt(s['mean'], digits)} | "
                        f"{_fmt(s['median'], digits)} | {_fmt(s['min'], digits)} | {_fmt(s['max'], digits)} |")
    return rows


def _gc_lines(report: AuditReport) -> list[str]:
    by_split = ", ".join(f"{s} {_fmt(v)}" for s, v in report.gc_auroc_by_split.items())
    lines = [f"GC-only AUROC: **{_fmt(report.gc_auroc)}** (train+test pooled; per split: {by_split}).", ""]
    if report.gc_warning:
        lines += [f"> **Warning:** GC content alone separates the classes (AUROC beyond {GC_WARNING_AUROC} in "
                  "either direction). Compare every model with a GC-only and a k-mer baseline.", ""]
    return lines + [f"Scope: {report.gc_auroc_scope}", ""]


def to_markdown(report: AuditReport) -> str:
    """A one-page readable summary: counts, duplicates with percentages, GC AUROC and its warning."""
    n_test, p = report.n_test, report.near_params
    lines = [
        "# Leakage audit", "",
        f"- train: {report.n_train} records ({_counts_line(report.class_counts.get('train', {}))})",
        f"- test: {n_test} records ({_counts_line(report.class_counts.get('test', {}))})", "",
        "## Test records that duplicate training records", "",
        "| category | test records | % of test |", "|---|---:|---:|",
        f"| exact duplicate | {report.exact_duplicates} | {_pct(report.exact_duplicates, n_test)} |",
        f"| reverse-complement duplicate | {report.revcomp_duplicates} | {_pct(report.revcomp_duplicates, n_test)} |",
        f"| near duplicate (Jaccard >= {p['threshold']}, k={p['k']}) | {report.near_duplicates} | "
        f"{_pct(report.near_duplicates, n_test)} |",
        f"| **novel** (no exact or reverse-complement twin) | {report.n_novel} | {_pct(report.n_novel, n_test)} |",
        "",
        "Report test metrics on the novel subset (`novel_test_ids` in audit.json) next to the full test set.",
        f"Test duplicates whose training twin carries another label: {report.label_conflicts}.", "",
        "## Duplicates within a split (either strand)", "",
        f"- train: {report.within_train_duplicates} ({_pct(report.within_train_duplicates, report.n_train)})",
        f"- test: {report.within_test_duplicates} ({_pct(report.within_test_duplicates, n_test)})", "",
        "## GC content as a classifier", "", *_gc_lines(report),
        "## Length (bp) and GC per split and class", "",
        "| split | class | n | mean length | median | min | max |", "|---|---|---:|---:|---:|---:|---:|",
        *_stats_rows(report.length_stats, 1), "",
        "| split | class | n | mean GC | median | min | max |", "|---|---|---:|---:|---:|---:|---:|",
        *_stats_rows(report.gc_stats, 3), "",
        "![GC content](gc_histogram.png)", "", "![Length](length_histogram.png)", "",
        "## Near-duplicate search", "",
        f"MinHash ({p['num_perm']} functions, seed {p['seed']}) + LSH ({p['bands']} bands x {p['rows']} rows, "
        f">= 0.99 recall at the threshold), every candidate confirmed by exact {p['similarity']}.", "",
    ]
    return "\n".join(lines)


def write_audit(train: pd.DataFrame, test: pd.DataFrame, out_dir: str | Path, **audit_options) -> AuditReport:
    """Audit ``train`` against ``test`` and write ``audit.json``, ``audit.md`` and PNG plots to ``out_dir``.

    The folder appears whole or not at all (it replaces an existing ``out_dir``).

    Parameters
    ----------
    train, test : pd.DataFrame
        Canonical tables.
    out_dir : str or Path
    **audit_options
        Passed to :func:`enhancerlm.data.audit.audit` (``k``, ``near_threshold``, ``num_perm``, ``seed``,
        ``positive``).
    """
    report = audit(train, test, **audit_options)
    with atomic_dir(out_dir) as tmp:
        (tmp / "audit.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        (tmp / "audit.md").write_text(to_markdown(report))
        save_distribution_plots(composition(train, test), tmp)
    return report
