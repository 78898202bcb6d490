"""`explain`: attribution tracks, strand check, top mutations, motifs vs JASPAR, and an HTML page, in one folder."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from enhancerlm import __version__
from enhancerlm.errors import InputError
from enhancerlm.interpret.attribution import (
    attribute,
    attribution_frame,
    planted_auroc,
    rc_consistency,
    reverse_complements,
)
from enhancerlm.interpret.config import ExplainConfig
from enhancerlm.interpret.ism import saturation_mutagenesis, top_mutations
from enhancerlm.interpret.motif_table import MotifReport, find_motifs, write_motifs
from enhancerlm.interpret.plots import plot_attribution, save_figure
from enhancerlm.interpret.report import write_html
from enhancerlm.io import atomic_dir
from enhancerlm.models.quantize import quantize

log = logging.getLogger(__name__)


@dataclass
class ExplainResult:
    """What `explain` computed (also written under ``out_dir``).

    Attributes
    ----------
    out_dir : Path
    table : pandas.DataFrame
        The explained sequences (canonical table rows, after ``max_seqs`` sampling).
    tracks : dict of str -> list of np.ndarray, each shape=(L_i,)
        Per-base attribution per method.
    mutations : pandas.DataFrame
        Top substitutions per sequence: id, seq_index (row in ``table``), position, ... (empty without ISM).
    rc : pandas.DataFrame
        Columns id, seq_index, method, pearson: forward vs reversed reverse-complement attribution.
    motifs : pandas.DataFrame
        One row per motif (empty without motifs).
    summary : dict
        Counts, mean strand consistency, seqlet threshold, planted AUROC where given; also summary.json.
    """

    out_dir: Path
    table: pd.DataFrame
    tracks: dict
    mutations: pd.DataFrame
    rc: pd.DataFrame
    motifs: pd.DataFrame
    summary: dict


def select_sequences(table: pd.DataFrame, config: ExplainConfig) -> pd.DataFrame:
    """Validate the canonical table and keep at most ``config.max_seqs`` rows (seeded sample, input order).

    Ids need not be unique: everything downstream goes by row (``seq_index``), the ids are carried along.
    """
    for column in ("id", "sequence"):
        if column not in table.columns:
            raise InputError(f"explain: input table has no {column!r} column (columns: {list(table.columns)})")
    if len(table) == 0:
        raise InputError("explain: the input has no sequences")
    if table["id"].duplicated().any():
        log.info("explain: some ids occur more than once; the written tables tell records apart by seq_index")
    if config.max_seqs is not None and len(table) > config.max_seqs:
        rows = np.sort(np.random.default_rng(config.seed).choice(len(table), config.max_seqs, replace=False))
        log.info("explaining %d of %d sequences (seed %d)", config.max_seqs, len(table), config.seed)
        table = table.iloc[rows]
    table = table.reset_index(drop=True).assign(sequence=table["sequence"].astype(str).str.upper().to_numpy())
    if "label" not in table.columns:
        table = table.assign(label="")
    return table


def _attributions(classifier, seqs: list[str], config: ExplainConfig):
    """Per-method tracks; ISM also returns its full result (for the mutation table)."""
    tracks, ism = {}, None
    for method in config.methods:
        log.info("attribution: %s on %d sequences", method, len(seqs))
        if method == "ism":
            ism = saturation_mutagenesis(classifier, seqs, target=config.target, batch_size=config.batch_size)
            tracks[method] = ism.attribution
        else:
            tracks[method] = _attribute(classifier, seqs, method, config)
    return tracks, ism


def _attribute(classifier, seqs, method: str, config: ExplainConfig):
    return attribute(
        classifier,
        seqs,
        method,
        target=config.target,
        batch_size=config.batch_size,
        ig_steps=config.ig_steps,
        ig_baseline=config.ig_baseline,
        seed=config.seed,
    )


def strand_table(classifier, ids, seqs, tracks: dict, config: ExplainConfig) -> pd.DataFrame:
    """Reverse-complement consistency of the first ``config.rc_seqs`` sequences, per method."""
    n = min(config.rc_seqs, len(seqs))
    frames = []
    for method, track in tracks.items():
        if n == 0:
            break
        reverse = _attribute(classifier, reverse_complements(seqs[:n]), method, config)
        frames.append(pd.DataFrame({"id": ids[:n], "method": method, "pearson": rc_consistency(track[:n], reverse)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["id", "method", "pearson"])


def _by_position(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """A table whose ``id`` column holds row numbers -> the real ids, and those numbers as ``seq_index``."""
    seq_index = frame["id"].to_numpy(dtype=np.int64)
    frame = frame.assign(id=np.asarray(ids, dtype=object)[seq_index] if len(frame) else frame["id"].astype(object))
    frame.insert(1, "seq_index", seq_index)
    return frame


def _track_pngs(folder: Path, ids, seqs, tracks: dict, n_plots: int) -> list[Path]:
    """Attribution-track PNGs of the first ``n_plots`` sequences; file names are made safe from the ids."""
    paths = []
    for i in range(min(n_plots, len(seqs))):
        name = f"{i:04d}_{re.sub(r'[^A-Za-z0-9._-]', '_', ids[i])[:80]}.png"
        fig = plot_attribution(
            seqs[i], {m: t[i] for m, t in tracks.items()}, title=ids[i], one_based=True, ylabel="{} (log-odds)"
        )
        paths.append(save_figure(fig, folder / name))
    return paths


def _summary(table, tracks, rc, motif_report: MotifReport | None, planted, config) -> dict:
    summary = {
        "enhancerlm_version": __version__,
        "n_sequences": len(table),
        "methods": list(tracks),
        "rc_pearson_mean": {m: _mean(rc.loc[rc["method"] == m, "pearson"]) for m in tracks},
        "config": config.to_dict(),
    }
    if motif_report is not None:
        summary.update(
            seqlet_threshold=motif_report.threshold,
            n_seqlets=len(motif_report.seqlets.table),
            n_motifs=len(motif_report.table),
        )
    if planted is not None:
        summary["planted_auroc"] = {m: planted_auroc(t, table["id"].tolist(), planted) for m, t in tracks.items()}
    return summary


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None


def explain(
    classifier,
    table: pd.DataFrame,
    out_dir: str | Path,
    config: ExplainConfig | None = None,
    *,
    planted: pd.DataFrame | None = None,
) -> ExplainResult:
    """Explain a model's calls on the sequences of ``table``; write everything to ``out_dir`` atomically.

    Writes ``attributions.tsv`` (id, seq_index, position, base, one column per method),
    ``mutations.tsv`` (with ISM), ``rc_consistency.tsv``, ``tracks/*.png``, ``motifs.tsv``,
    ``seqlets.tsv``, ``logos/*.png``, ``summary.json`` and a self-contained ``explain.html``.
    ``seq_index`` is the 0-based row of the explained sequence in ``ExplainResult.table``: the
    tables go by position, so they stay unambiguous even where ids repeat (the ids are kept as given).

    Parameters
    ----------
    classifier : SequenceClassifier
    table : pandas.DataFrame
        Canonical sequence table (id, sequence, label, ...); labels split the motif counts by class.
    out_dir : str or Path
        Replaced as a whole when the run succeeds.
    config : ExplainConfig or None
    planted : pandas.DataFrame or None
        Known motif positions (id, start, end; synthetic data): adds each method's planted-base AUROC.

    Returns
    -------
    ExplainResult
    """
    config = config or ExplainConfig()
    classifier = quantize(classifier, config.quantize)  # the config refused "ig" with int8
    table = select_sequences(table, config)
    ids, seqs = table["id"].astype(str).tolist(), table["sequence"].tolist()
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        tracks, ism = _attributions(classifier, seqs, config)
        # The tables are built on row numbers, then given the ids: repeated ids stay unambiguous.
        rows = list(range(len(seqs)))
        attributions = _by_position(attribution_frame(rows, seqs, tracks), ids)
        attributions.to_csv(tmp / "attributions.tsv", sep="\t", index=False, float_format="%.6g")
        mutations = pd.DataFrame()
        if ism is not None:
            mutations = _by_position(top_mutations(rows, seqs, ism, config.top_mutations), ids)
            mutations.to_csv(tmp / "mutations.tsv", sep="\t", index=False, float_format="%.6g")
        rc = _by_position(strand_table(classifier, rows, seqs, tracks, config), ids)
        rc.to_csv(tmp / "rc_consistency.tsv", sep="\t", index=False, float_format="%.6g")
        track_pngs = _track_pngs(tmp / "tracks", ids, seqs, tracks, config.n_plots)
        report, logos = None, []
        if config.motifs:
            report = find_motifs(classifier, table, tracks[config.methods[0]], config)
            logos = write_motifs(report, tmp)
        summary = _summary(table, tracks, rc, report, planted, config)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        write_html(tmp / "explain.html", summary, report, logos, mutations, track_pngs, table)
    motifs = report.table if report is not None else pd.DataFrame()
    log.info("explanations of %d sequences written to %s", len(table), out_dir)
    return ExplainResult(out_dir, table, tracks, mutations, rc, motifs, summary)
