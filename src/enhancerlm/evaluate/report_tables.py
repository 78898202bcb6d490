"""The report's tables: one row per model (the run's own, then the baselines), intervals beside each value."""

from __future__ import annotations

from html import escape
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

MODEL_LABELS = {
    "zero_shot": "Zero-shot (untrained head)",
    "fine_tuned": "Fine-tuned",
    "probe": "Linear probe (frozen embeddings)",
    "kmer_lr": "Baseline: k-mer logistic regression",
    "gc": "Baseline: GC content only",
}
COLUMNS = {
    "binary": [
        ("accuracy", "Accuracy"),
        ("precision", "Precision"),
        ("recall", "Recall"),
        ("specificity", "Specificity"),
        ("f1", "F1"),
        ("mcc", "MCC"),
        ("auroc", "AUROC"),
        ("auprc", "AUPRC"),
    ],
    "multiclass": [
        ("accuracy", "Accuracy"),
        ("precision_macro", "Precision (macro)"),
        ("recall_macro", "Recall (macro)"),
        ("f1_macro", "F1 (macro)"),
        ("mcc", "MCC"),
        ("auroc_macro", "AUROC (macro, one-vs-rest)"),
    ],
    "multilabel": [
        ("auroc_macro", "AUROC (macro)"),
        ("auprc_macro", "AUPRC (macro)"),
        ("auroc_micro", "AUROC (micro)"),
        ("auprc_micro", "AUPRC (micro)"),
        ("f1_macro", "F1 (macro)"),
        ("f1_micro", "F1 (micro)"),
    ],
    "regression": [("pearson", "Pearson r"), ("spearman", "Spearman ρ"), ("r2", "R²"), ("mse", "MSE")],
}
# Per-output tables of a multi-output task (one per metric: a row per label or target, a column per
# model): where each output's block lives in a model block, and the metrics shown.
PER_OUTPUT = {
    "multilabel": ("per_label", "label", [("auroc", "AUROC"), ("auprc", "AUPRC"), ("f1", "F1"), ("mcc", "MCC")]),
    "regression": ("per_target", "target", COLUMNS["regression"]),
}


class ModelRow(NamedTuple):
    """One model's row: its key in ``metrics.json``, display label, evaluation block, and kind."""

    key: str
    label: str
    block: Mapping | None
    baseline: bool


def model_rows(metrics: Mapping[str, Any]) -> list[ModelRow]:
    """Rows in table order: zero-shot, fine-tuned, any other model block, then the baselines."""
    rows = []
    keys = ["zero_shot", "fine_tuned"] + [k for k in metrics if k not in ("zero_shot", "fine_tuned", "baselines")]
    for key in keys:
        if isinstance(metrics.get(key), Mapping) and "task" in metrics[key]:
            rows.append(ModelRow(key, MODEL_LABELS.get(key, key), metrics[key], False))
    baselines = metrics.get("baselines") or {}
    for key in ["kmer_lr", "gc"] + [k for k in baselines if k not in ("kmer_lr", "gc")]:
        if isinstance(baselines.get(key), Mapping):
            rows.append(ModelRow(key, MODEL_LABELS.get(key, f"Baseline: {key}"), baselines[key], True))
    return rows


def _cell(block: Mapping, key: str) -> str:
    value = block.get(key)
    if value is None:
        reason = (block.get("undefined") or {}).get(key, "not computed")
        return f'<td class="na" title="{escape(reason)}">&mdash;</td>'
    ci = (block.get("ci") or {}).get(key)
    interval = f' <span class="ci">[{ci[0]:.2f}, {ci[1]:.2f}]</span>' if ci else ""
    return f"<td>{value:.3f}{interval}</td>"


def metrics_table(rows: Sequence[ModelRow], caption: str) -> str:
    """An HTML table of model rows; a row whose block is missing or skipped says why."""
    task = next((r.block["task"] for r in rows if r.block and "task" in r.block), "binary")
    columns = COLUMNS[task]
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    body = []
    for _, label, block, baseline in rows:
        css = "" if baseline else ' class="lm"'
        if not block or "task" not in block:
            reason = (block or {}).get("skipped", "not computed")
            body.append(
                f"<tr{css}><td>{escape(label)}</td><td>{(block or {}).get('n', '')}</td>"
                f'<td class="na" colspan="{len(columns)}">{escape(reason)}</td></tr>'
            )
            continue
        cells = "".join(_cell(block, key_) for key_, _ in columns)
        body.append(f"<tr{css}><td>{escape(label)}</td><td>{block['n']}</td>{cells}</tr>")
    return html_table(caption, "<th>Model</th><th>n</th>" + head, "".join(body))


def per_output_tables(rows: Sequence[ModelRow], first_table: int = 3) -> str:
    """Per-label (multi-label) or per-target (regression, several targets) tables, "" for other tasks.

    One table per metric, numbered from ``first_table``: a row per label or target, a column per
    model (the run's own, then the baselines), each value with its interval.
    """
    blocks = [(r, r.block) for r in rows if r.block and r.block.get("task") in PER_OUTPUT]
    if not blocks:
        return ""
    key, what, columns = PER_OUTPUT[blocks[0][1]["task"]]
    outputs = list(next((b[key] for _, b in blocks if key in b), {}))
    if not outputs:
        return ""  # one regression target: Table 1 is its table
    head = f"<th>{what.capitalize()}</th>" + "".join(f"<th>{escape(r.label)}</th>" for r, _ in blocks)
    parts = []
    for number, (metric, label) in enumerate(columns, start=first_table):
        body = "".join(
            f"<tr><td>{escape(name)}</td>"
            + "".join(
                _cell(b[key][name], metric) if name in b.get(key, {}) else '<td class="na">&mdash;</td>'
                for _, b in blocks
            )
            + "</tr>"
            for name in outputs
        )
        parts.append(html_table(f"Table {number}. {label} per {what}, every model.", head, body))
    return "".join(parts)


def html_table(caption: str, head: str, body: str, css: str = "") -> str:
    """Table markup inside a horizontally scrolling box; ``head`` and ``body`` are already HTML."""
    return (
        f'<div class="scroll"><table{css}><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def reference_table(reference: Mapping[str, Mapping[str, float]], caption: str) -> str:
    """Published numbers (no intervals) in the same columns as the binary metrics table."""
    head = "".join(f"<th>{escape(label)}</th>" for _, label in COLUMNS["binary"])
    body = "".join(
        f"<tr><td>{escape(MODEL_LABELS.get(name, name))}</td>"
        + "".join(f"<td>{row[k]:.3f}</td>" if k in row else '<td class="na">&mdash;</td>' for k, _ in COLUMNS["binary"])
        + "</tr>"
        for name, row in reference.items()
    )
    return html_table(caption, "<th>Model</th>" + head, body)


def all_novel(rows: Iterable[ModelRow]) -> int | None:
    """The test set's size when every test sequence is novel (each row's novel subset is its whole set), else None."""
    sizes = {(r.block["n"], (r.block.get("novel") or {}).get("n")) for r in rows if r.block and "n" in r.block}
    if len(sizes) != 1:
        return None
    n, n_novel = sizes.pop()
    return n if n == n_novel else None


def novel_section(rows: Sequence[ModelRow]) -> str:
    """Table 2 on the novel test sequences; a sentence instead where they are the whole test set (Table 1 again)."""
    n = all_novel(rows)
    if n is not None:
        return (
            f'<p class="note">All {n} test sequences are novel: none duplicates a training sequence (see the '
            "data audit), so Table 1 already is the evaluation on novel sequences.</p>"
        )
    novel_rows = [r._replace(block=(r.block or {}).get("novel")) for r in rows]
    return metrics_table(novel_rows, "Table 2. Test sequences with no duplicate in the training set.")
