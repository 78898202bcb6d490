"""A self-contained HTML page (images inlined as base64) summarising one `explain` run, one sequence at a time."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from enhancerlm.html_page import html_page, png_img
from enhancerlm.io import write_text_atomic

# Per sequence, the page lists its strongest mutations and seqlets; mutations.tsv and seqlets.tsv have them all.
MUTATIONS_SHOWN = 5
SEQLETS_SHOWN = 5


def _img(path: Path, css_class: str = "") -> str:
    return png_img(Path(path).read_bytes(), Path(path).name, css_class)


def _table(header: list[str], rows: list[list], caption: str = "") -> str:
    """A small HTML table of text cells (escaped here)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    caption = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
    return f'<table class="kv">{body}</table>'


def _motifs_html(report, logos: list[Path]) -> str:
    if report is None:
        return "<p>Motif discovery was not run.</p>"
    if report.table.empty:
        return "<p>No motif had enough seqlets above the threshold.</p>"
    table = report.table.drop(columns=["logo"], errors="ignore").copy()
    table.insert(1, "logo", [_img(p) for p in logos])
    return f'<div class="scroll">{table.to_html(index=False, escape=False, float_format=lambda x: f"{x:.3g}")}</div>'


def _mutations_html(mutations: pd.DataFrame) -> str:
    """The strongest substitutions of one sequence, positions 1-based."""
    if mutations.empty:
        return ""
    rows = [
        [int(m.position) + 1, f"{m.ref}>{m.alt}", f"{m.delta:+.3f}"]
        for m in mutations.sort_values("rank").head(MUTATIONS_SHOWN).itertuples()
    ]
    return _table(["position", "change", "delta"], rows, "strongest single-base changes (ISM)")


def _seqlets_html(seqlets: pd.DataFrame, motif_names: dict[str, str]) -> str:
    """The highest-scoring seqlets of one sequence, bases 1-based, with the motif each joined."""
    if seqlets.empty:
        return '<p class="meta">No window of this sequence rose above the seqlet threshold.</p>'
    rows = [
        [f"{s.start + 1}-{s.end}", f"{s.score:.3g}", s.sequence, motif_names.get(s.motif, "-") if s.motif else "-"]
        for s in seqlets.sort_values("score", ascending=False).head(SEQLETS_SHOWN).itertuples()
    ]
    return _table(["bases", "attribution", "sequence", "motif (best JASPAR match)"], rows, "motif matches (seqlets)")


def _sequence_html(i: int, row, png: Path, mutations: pd.DataFrame, seqlets: pd.DataFrame, names: dict) -> str:
    """One sequence: its heading, its attribution track, and beside it (below on a narrow page) its strongest
    mutations and motif matches."""
    label = f" ({html.escape(row.label)})" if isinstance(row.label, str) and row.label else ""
    return (
        f'<section class="seq"><h3>{i + 1}. {html.escape(str(row.id))}{label}, {len(row.sequence)} bp</h3>'
        f'<div class="pair">{_img(png, "track")}{_mutations_html(mutations)}{_seqlets_html(seqlets, names)}'
        "</div></section>"
    )


def _sequences_html(table: pd.DataFrame, track_pngs: list[Path], mutations: pd.DataFrame, report) -> str:
    """A section per drawn sequence, in input order; a line on where the rest are."""
    seqlets, names = pd.DataFrame(columns=["seq_index", "start", "end", "score", "sequence", "motif"]), {}
    if report is not None:
        from enhancerlm.interpret.motif_table import seqlet_motifs

        seqlets = report.seqlets.table.assign(motif=seqlet_motifs(report))
        names = {r.motif: f"{r.motif} ({r.match_1_name})" for r in report.table.itertuples()}
    parts = []
    for i, (row, png) in enumerate(zip(table.itertuples(index=False), track_pngs)):
        mine = mutations[mutations["seq_index"] == i] if not mutations.empty else mutations
        parts.append(_sequence_html(i, row, png, mine, seqlets[seqlets["seq_index"] == i], names))
    if len(table) > len(track_pngs):
        parts.append(
            f'<p class="meta">The other {len(table) - len(track_pngs)} sequences are in attributions.tsv, '
            "mutations.tsv and seqlets.tsv (<code>--n-plots</code> draws more).</p>"
        )
    return "\n".join(parts)


def write_html(
    path: str | Path,
    summary: dict,
    report,
    logos: list[Path],
    mutations: pd.DataFrame,
    track_pngs: list[Path],
    table: pd.DataFrame,
) -> None:
    """Write the page: one sequence at a time (its track, then its strongest mutations and motif matches beside
    each other), then the motifs with their logos, then the run's summary.

    Positions on the page are 1-based, as a genome browser shows them (the TSV files keep 0-based ones).

    Parameters
    ----------
    path : str or Path
    summary : dict
        As in ``summary.json``.
    report : MotifReport or None
    logos : list of Path
        One PNG per motif, in table order.
    mutations : pandas.DataFrame
        Top substitutions with ``seq_index`` (empty without ISM); the page shows the strongest few.
    track_pngs : list of Path
        Attribution tracks of the first sequences of ``table``.
    table : pandas.DataFrame
        The explained sequences (id, sequence, label), in ``seq_index`` order.
    """
    units = (
        "Letter height: attribution in log-odds of the target class; above the line a base supports it. delta: "
        "log-odds of the mutant minus the original. Positions and bases are numbered from 1."
    )
    parts = [
        "<h1>Why these sequences are (not) enhancers</h1>",
        f'<p class="meta">{html.escape(units)}</p>',
        "<h2>Sequences</h2>",
        _sequences_html(table, track_pngs, mutations, report),
        "<h2>Motifs</h2><p>Seqlets (windows of high attribution) clustered into motifs and compared with "
        "JASPAR; counts split by class.</p>",
        _motifs_html(report, logos),
        "<h2>Summary</h2>",
        _summary_html(summary),
    ]
    write_text_atomic(path, html_page("enhancerlm explain", "\n".join(parts)))
