"""One self-contained HTML report (inline CSS, figures as base64 PNG data URIs, no external resources)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from html import escape
from pathlib import Path
from typing import Mapping, Sequence

from matplotlib.figure import Figure

from enhancerlm import __version__
from enhancerlm.errors import InputError
from enhancerlm.evaluate.plots import figure_png
from enhancerlm.evaluate.report_tables import (  # noqa: F401 (the report's table API, importable from here)
    COLUMNS,
    MODEL_LABELS,
    ModelRow,
    all_novel,
    html_table,
    metrics_table,
    model_rows,
    novel_section,
    per_output_tables,
    reference_table,
)
from enhancerlm.html_page import html_page, png_img
from enhancerlm.io import atomic_path

log = logging.getLogger(__name__)

# The 2023 DNABERT-6 enhancer study's Table 1 (precision and recall there were averaged over batches).
PUBLISHED_DNABERT6_2023 = {
    "zero_shot": {"accuracy": 0.517},
    "fine_tuned": {"accuracy": 0.813, "precision": 0.826, "recall": 0.793, "specificity": 0.833},
}
DEFAULT_CAPTIONS = {
    "confusion": "Confusion matrices on the test set: counts and share of each true class.",
    "roc": "ROC curves on the test set; AUROC in the legend. The dotted diagonal is chance.",
    "pr": "Precision-recall curves on the test set; AUPRC (average precision) in the legend.",
    "training": "Per-epoch training and validation curves.",
    "search": "Learning-rate search: validation metrics per epoch, one line per learning rate.",
    "roc_per_label": "ROC curves on the test set, one panel per label; AUROC in the legend. Dotted: chance.",
    "pr_per_label": "Precision-recall curves on the test set, one panel per label; AUPRC in the legend.",
    "scatter": "Predicted against measured values on the test set, one row per target, one column per model.",
}
# A GC-only baseline above this AUROC means the classes differ in composition, a shortcut for any
# model; the same threshold as the data audit's GC warning.
GC_AUROC_WARN = 0.7
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The metric the report's notes compare models by, per task kind (a multi-class block has none).
HEADLINE = {
    "binary": ("auroc", "AUROC"),
    "multilabel": ("auroc_macro", "macro AUROC"),
    "regression": ("spearman", "Spearman ρ"),
}


def findings(metrics: Mapping) -> tuple[list[str], list[str]]:
    """Warnings and notes read off the metrics: GC shortcut, novel share, LM vs k-mer baseline, small sets."""
    warnings, notes = [], []
    rows = {r.key: r for r in model_rows(metrics)}
    gc = rows["gc"].block if "gc" in rows else None
    key, name = HEADLINE.get((gc or {}).get("task", ""), ("", ""))
    if gc and key.startswith("auroc") and gc.get(key) is not None and gc[key] > GC_AUROC_WARN:
        warnings.append(
            f"GC content alone reaches {name} {_with_ci(gc, key)}: the classes differ in base composition, "
            "so a model can score well without learning enhancer sequence features. Judge the language "
            "model by its margin over this baseline."
        )
    tuned, kmer = (rows[k].block if k in rows else None for k in ("fine_tuned", "kmer_lr"))
    key, name = HEADLINE.get((tuned or {}).get("task", ""), ("", ""))
    if tuned and kmer and _overlap(tuned, kmer, key):
        notes.append(
            f"The fine-tuned model's {name} {_with_ci(tuned, key)} and the k-mer logistic "
            f"regression's {_with_ci(kmer, key)} have overlapping 95% intervals."
        )
    for row in rows.values():
        novel = (row.block or {}).get("novel")
        if novel and "n" in novel and row.key in ("fine_tuned", "zero_shot") and all_novel(rows.values()) is None:
            assert row.block is not None  # novel came from it
            notes.append(
                f"Novel subset: {novel['n']} of {row.block['n']} test sequences have no duplicate "
                "in the training set (see the data audit); Table 2 repeats the evaluation on them alone."
            )
            break
    for row in rows.values():
        novel = (row.block or {}).get("novel") or {}
        warnings += [f"{row.label}: {w}" for w in (row.block or {}).get("warnings", [])]
        warnings += [f"{row.label}, novel subset: {w}" for w in novel.get("warnings", [])]
    return warnings, notes


def _with_ci(block: Mapping, key: str) -> str:
    ci = (block.get("ci") or {}).get(key)
    return f"{block[key]:.3f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")


def _overlap(a: Mapping, b: Mapping, key: str) -> bool:
    ci_a, ci_b = ((x.get("ci") or {}).get(key) for x in (a, b))
    return bool(ci_a and ci_b and ci_a[0] <= ci_b[1] and ci_b[0] <= ci_a[1])


def _flatten(data, prefix: str = "") -> list[tuple[str, str]]:
    """Nested dict -> ``(dotted.key, short text)`` rows.

    A nested dict of plain values becomes one row (``count 30, mean 0.59``); a list shows its length
    and first 5 items, so that id lists of thousands stay one line.
    """
    nested = (Mapping, list, tuple)
    if isinstance(data, Mapping) and prefix and not any(isinstance(v, nested) for v in data.values()):
        return [(prefix, ", ".join(f"{k} {_flatten(v)[0][1]}" for k, v in data.items()))]
    if isinstance(data, Mapping):
        return [row for k, v in data.items() for row in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(data, (list, tuple)):
        shown = ", ".join(str(x) for x in data[:5])
        return [(prefix, f"{len(data)} items" + (f": {shown}" if data else "") + (", ..." if len(data) > 5 else ""))]
    return [(prefix, f"{data:.4g}" if isinstance(data, float) else str(data))]


def audit_warnings(audit: Mapping) -> list[str]:
    """Plain-language warnings from an audit dict (``enhancerlm.data.leakage.audit.AuditReport.to_dict()``).

    Reads the fields it knows (duplicates, label conflicts, GC warning) when present, plus any
    ``warnings`` list; other audit formats still render in the field table.
    """
    out = [str(w) for w in audit.get("warnings", [])]
    leaked = sum(int(audit.get(k) or 0) for k in ("exact_duplicates", "revcomp_duplicates"))
    if leaked:
        out.append(
            f"{leaked} of {audit.get('n_test', '?')} test sequences duplicate a training sequence "
            f"({audit.get('exact_duplicates', 0)} exact, {audit.get('revcomp_duplicates', 0)} as reverse "
            "complement); Table 2 leaves them out."
        )
    overlaps = audit.get("interval_overlaps") or {}
    if overlaps.get("n_test_overlapping"):
        out.append(
            f"{overlaps['n_test_overlapping']} of {audit.get('n_test', '?')} test records overlap a training "
            f"record's genomic interval ({overlaps['n_pairs']} pairs; coordinates from the inputs), beside the "
            "sequence duplicates above."
        )
    if audit.get("label_conflicts"):
        out.append(
            f"{audit['label_conflicts']} duplicated test sequences carry a different label than their training twin."
        )
    if audit.get("gc_warning"):
        auroc = audit.get("gc_auroc")
        shown = f" (GC AUROC {auroc:.3f}, train and test pooled)" if isinstance(auroc, (int, float)) else ""
        out.append(f"Data audit: GC content alone separates the classes{shown}.")
    return out


def audit_section(audit: Mapping | None) -> str:
    """The data audit: its warnings first, then every field as a key/value table."""
    if not audit:
        return "<p>No data audit was run.</p>"
    rows = _flatten({k: v for k, v in audit.items() if k != "warnings"})
    table = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    return _paragraphs(audit_warnings(audit), "warn") + html_table(
        "Every audit field.", "<th>Audit field</th><th>Value</th>", table, css=' class="kv"'
    )


def _png_bytes(name: str, figure) -> bytes:
    if isinstance(figure, Figure):
        return figure_png(figure)
    if isinstance(figure, (str, Path)):
        try:
            data = Path(figure).read_bytes()
        except OSError as err:
            raise InputError(f"figures[{name!r}]: cannot read {figure}: {err.strerror}") from None
    elif isinstance(figure, bytes):
        data = figure
    else:
        raise InputError(
            f"figures[{name!r}]: expected a matplotlib Figure, PNG path or PNG bytes, got {type(figure).__name__}"
        )
    if not data.startswith(_PNG_SIGNATURE):
        raise InputError(f"figures[{name!r}]: {figure if not isinstance(figure, bytes) else 'bytes'} is not a PNG")
    return data


def figures_section(figures: Mapping | None, captions: Mapping[str, str] | None) -> str:
    """Each figure as an ``<img>`` with a base64 PNG data URI and a caption."""
    if not figures:
        return "<p>No figures.</p>"
    parts = []
    for name, figure in figures.items():
        caption = (captions or {}).get(name) or DEFAULT_CAPTIONS.get(name, name)
        parts.append(
            f'<figure id="fig-{escape(name)}">{png_img(_png_bytes(name, figure), caption)}'
            f"<figcaption><b>{escape(name)}.</b> {escape(caption)}</figcaption></figure>"
        )
    return "".join(parts)


def _paragraphs(items, css: str) -> str:
    return "".join(f'<div class="{css}">{escape(str(x))}</div>' for x in items)


def alert_box(warnings: Sequence[str]) -> str:
    """The box at the top of the report for results that must not be read as they stand; "" when none."""
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(str(w))}</li>" for w in warnings)
    return f'<div class="alert" id="result-warnings"><b>Check this result before using it.</b><ul>{items}</ul></div>'


def render_report(
    *,
    title: str,
    metrics: Mapping,
    figures: Mapping | None = None,
    captions: Mapping[str, str] | None = None,
    audit: Mapping | None = None,
    config: Mapping | None = None,
    notes: Sequence[str] | str | None = None,
    reference: Mapping[str, Mapping[str, float]] | None = None,
    warnings: Sequence[str] | None = None,
) -> str:
    """The report as one HTML string; arguments as :func:`write_report`."""
    rows = model_rows(metrics)
    if not rows:
        raise InputError("metrics: no model block (expected keys such as 'fine_tuned' or 'baselines')")
    alerts = list(metrics.get("warnings") or []) if warnings is None else list(warnings)
    warnings, derived_notes = findings(metrics)
    notes = [notes] if isinstance(notes, str) else list(notes or [])
    if audit is None and isinstance(metrics.get("audit"), Mapping):
        audit = metrics["audit"]  # the audit summary that metrics.json carries
    level = next((r.block["bootstrap"]["level"] for r in rows if r.block and r.block.get("bootstrap")), 0.95)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        f'<h1>{escape(title)}</h1>{alert_box(alerts)}<p class="meta">enhancerlm {escape(__version__)}, {stamp}. '
        "Every metric is computed over the whole set (not averaged over batches); brackets hold "
        f"percentile-bootstrap {level:.0%} intervals.</p>",
        _paragraphs(warnings, "warn") + _paragraphs(derived_notes + notes, "note"),
        "<h2>Test set</h2>" + metrics_table(rows, "Table 1. All test sequences."),
        "<h2>Novel test sequences</h2>" + novel_section(rows),
    ]
    per_output = per_output_tables(rows)
    if per_output:
        what = "label" if rows[0].block and rows[0].block.get("task") == "multilabel" else "target"
        sections.append(f"<h2>Per {what}</h2>" + per_output)
    if reference:
        sections.append(
            "<h2>Published reference</h2>"
            + reference_table(
                reference,
                "Numbers reported by the original study, for comparison (no intervals; "
                "precision and recall there were averaged over batches).",
            )
        )
    sections += ["<h2>Data audit</h2>" + audit_section(audit), "<h2>Figures</h2>" + figures_section(figures, captions)]
    if config is not None:
        sections.append("<h2>Configuration</h2><pre>" + escape(json.dumps(config, indent=2, default=str)) + "</pre>")
    return html_page(title, "\n".join(sections))


def write_report(
    path: str | Path,
    *,
    title: str,
    metrics: Mapping,
    figures: Mapping | None = None,
    captions: Mapping[str, str] | None = None,
    audit: Mapping | None = None,
    config: Mapping | None = None,
    notes: Sequence[str] | str | None = None,
    reference: Mapping[str, Mapping[str, float]] | None = None,
    warnings: Sequence[str] | None = None,
) -> Path:
    """Write one self-contained HTML report, atomically.

    Parameters
    ----------
    path : str or Path
        Output file, e.g. ``run/report.html``.
    title : str
    metrics : mapping
        The ``metrics.json`` content: model blocks from :func:`enhancerlm.evaluate.evaluate` under
        ``zero_shot``, ``fine_tuned`` (and any other model key) and ``baselines.<name>`` (``kmer_lr``, ``gc``).
    figures : mapping of str to Figure, PNG path or PNG bytes, optional
        Embedded as base64 data URIs. Names ``confusion``, ``roc``, ``pr``, ``training``, ``search``
        get default captions.
    captions : mapping of str to str, optional
        Caption per figure name, overriding the default.
    audit : mapping, optional
        Data audit summary (``AuditReport.to_dict()`` or any dict; a ``warnings`` list is shown first).
        Default: ``metrics["audit"]`` when present.
    config : mapping, optional
        The resolved run configuration, shown as JSON.
    notes : str or sequence of str, optional
        Free-text notes shown under the title.
    reference : mapping, optional
        Published numbers per model, e.g. :data:`PUBLISHED_DNABERT6_2023`.
    warnings : sequence of str, optional
        Reasons the result must not be read as it stands (e.g. a degenerate fine-tuned model, from
        :func:`enhancerlm.evaluate.sanity.degenerate_warnings`), shown first, in a box under the title.
        Default: ``metrics["warnings"]`` when present.

    Returns
    -------
    Path
        ``path``. All user text is HTML-escaped; the file loads nothing from outside itself.
    """
    html_text = render_report(
        title=title,
        metrics=metrics,
        figures=figures,
        captions=captions,
        audit=audit,
        config=config,
        notes=notes,
        reference=reference,
        warnings=warnings,
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(html_text, encoding="utf-8")
    log.info("wrote report %s (%d kB)", path, len(html_text) // 1024)
    return path
