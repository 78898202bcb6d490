"""A self-contained HTML page (images inlined as base64) summarising one `explain` run."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from enhancerlm.html_page import html_page, png_img
from enhancerlm.io import write_text_atomic

# Mutations listed on the page; mutations.tsv has them all.
MAX_MUTATION_ROWS = 100


def _img(path: Path, css_class: str = "") -> str:
    return png_img(Path(path).read_bytes(), Path(path).name, css_class)


def _summary_html(summary: dict) -> str:
    rows = [("sequences explained", summary["n_sequences"]), ("methods", ", ".join(summary["methods"]))]
    for method, value in summary["rc_pearson_mean"].items():
        rows.append(
            (f"reverse-complement consistency ({method}, mean Pearson)", "n/a" if value is None else f"{value:.3f}")
        )
    for key in ("seqlet_threshold", "n_seqlets", "n_motifs"):
        if key in summary:
            rows.append(
                (key.replace("_", " "), f"{summary[key]:.4g}" if isinstance(summary[key], float) else summary[key])
            )
    for method, value in summary.get("planted_auroc", {}).items():
        rows.append((f"planted-motif base AUROC ({method})", f"{value:.3f}"))
    body = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _motifs_html(report, logos: list[Path]) -> str:
    if report is None:
        return "<p>Motif discovery was not run.</p>"
    if report.table.empty:
        return "<p>No motif had enough seqlets above the threshold.</p>"
    table = report.table.drop(columns=["logo"], errors="ignore").copy()
    table.insert(1, "logo", [_img(p) for p in logos])
    return table.to_html(index=False, escape=False, float_format=lambda x: f"{x:.3g}")


def write_html(
    path: str | Path,
    summary: dict,
    report,
    logos: list[Path],
    mutations: pd.DataFrame,
    track_pngs: list[Path],
) -> None:
    """Write the page: summary, motif table with logos, top mutations, attribution tracks.

    Parameters
    ----------
    path : str or Path
    summary : dict
        As in ``summary.json``.
    report : MotifReport or None
    logos : list of Path
        One PNG per motif, in table order.
    mutations : pandas.DataFrame
        Top substitutions (empty without ISM).
    track_pngs : list of Path
    """
    parts = [
        "<h1>Why these sequences are (not) enhancers</h1>",
        "<h2>Summary</h2>",
        _summary_html(summary),
        "<h2>Motifs</h2><p>Seqlets (windows of high attribution) clustered into motifs and compared with "
        "JASPAR; counts split by class.</p>",
        _motifs_html(report, logos),
    ]
    if not mutations.empty:
        parts += [
            "<h2>Mutations that change the score most</h2><p>delta: target-class log-odds of the mutant "
            "minus the original.</p>",
            mutations.head(MAX_MUTATION_ROWS).to_html(index=False, float_format=lambda x: f"{x:.3g}"),
        ]
    parts += ["<h2>Attribution tracks</h2>"] + [_img(p, "track") for p in track_pngs]
    write_text_atomic(path, html_page("enhancerlm explain", "\n".join(parts)))
