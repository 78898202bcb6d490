"""Attribution tracks -> seqlets -> motifs -> JASPAR matches and class counts: the motif table of `explain`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from enhancerlm.interpret.attribution import attribute
from enhancerlm.interpret.config import ExplainConfig
from enhancerlm.interpret.jaspar import MotifDatabase, load_jaspar
from enhancerlm.interpret.motifs import Motif, discover_motifs, sequences_with_hit
from enhancerlm.interpret.plots import plot_motif, save_figure
from enhancerlm.interpret.seqlets import Seqlets, extract_seqlets, null_threshold, shuffle_sequences

log = logging.getLogger(__name__)

# Columns of an empty motif table (a filled one also has per-class seqlets_<label> and hits_<label>).
BASE_COLUMNS = [
    "motif",
    "consensus",
    "width_bp",
    "n_seqlets",
    "match_1_name",
    "match_1_id",
    "match_1_p",
    "match_1_q",
    "matches",
]


@dataclass
class MotifReport:
    """Seqlets, motifs and the motif table of one run.

    Attributes
    ----------
    threshold : float
        Seqlet threshold (core-window attribution sum) from the shuffled-sequence null.
    seqlets : Seqlets
    motifs : list of Motif
    table : pandas.DataFrame
        One row per motif: motif, consensus, width_bp, n_seqlets, seqlets_<label>, hits_<label>
        (fraction of that class's sequences holding a PWM match), match_1_name, match_1_id,
        match_1_p, match_1_q, matches (the best ``n_matches``), logo.
    """

    threshold: float
    seqlets: Seqlets
    motifs: list[Motif]
    table: pd.DataFrame


def _groups(labels: pd.Series) -> dict[str, np.ndarray]:
    """Label -> boolean row mask; unlabelled input is one group, ``all``."""
    labels = labels.fillna("").astype(str)
    names = sorted(set(labels) - {""})
    if not names:
        return {"all": np.ones(len(labels), dtype=bool)}
    return {name: (labels == name).to_numpy() for name in names}


def motif_row(motif: Motif, seqlets: Seqlets, table: pd.DataFrame, db: MotifDatabase, n_matches: int) -> dict:
    """One motif's line in the table: class counts, PWM hits per class, best JASPAR matches."""
    groups = _groups(table["label"])
    seq_rows = seqlets.table["seq_index"].to_numpy()[motif.members]
    seqs = table["sequence"].tolist()
    hits = sequences_with_hit(motif.ppm, seqs)
    row = {
        "motif": motif.name,
        "consensus": motif.consensus,
        "width_bp": len(motif.ppm),
        "n_seqlets": len(motif.members),
    }
    for name, mask in groups.items():
        row[f"seqlets_{name}"] = int(mask[seq_rows].sum())
    for name, mask in groups.items():
        row[f"hits_{name}"] = float(hits[mask].mean())
    matches = db.match(motif.ppm).head(n_matches)
    best = matches.iloc[0]
    row.update(
        match_1_name=best["name"],
        match_1_id=best["matrix_id"],
        match_1_p=float(best["p_value"]),
        match_1_q=float(best["q_value"]),
    )
    row["matches"] = "; ".join(f"{m.name} ({m.matrix_id}, q={m.q_value:.2g})" for m in matches.itertuples())
    return row


def find_motifs(classifier, table: pd.DataFrame, track: list[np.ndarray], config: ExplainConfig) -> MotifReport:
    """Threshold from shuffled sequences, seqlets, clustering, JASPAR matching.

    Parameters
    ----------
    classifier : SequenceClassifier
    table : pandas.DataFrame
        The explained sequences (id, sequence, label).
    track : list of np.ndarray, each shape=(L_i,)
        Attribution of ``config.methods[0]`` for each row of ``table``.
    config : ExplainConfig
    """
    seqs, ids = table["sequence"].tolist(), table["id"].tolist()
    null_seqs = shuffle_sequences(seqs[: max(config.null_seqs, 1)], seed=config.seed)
    null = attribute(
        classifier,
        null_seqs,
        config.methods[0],
        target=config.target,
        batch_size=config.batch_size,
        ig_steps=config.ig_steps,
        ig_baseline=config.ig_baseline,
        seed=config.seed,
    )
    threshold = null_threshold(null, config.core_bp, config.null_quantile)
    seqlets = extract_seqlets(
        track, seqs, ids, threshold=threshold, width_bp=config.seqlet_width_bp, core_bp=config.core_bp
    )
    motifs = discover_motifs(
        seqlets, seed_bp=config.core_bp, min_seqlets=config.min_seqlets, max_motifs=config.max_motifs
    )
    log.info("%d seqlets above %.3g -> %d motifs", len(seqlets.table), threshold, len(motifs))
    if not motifs:
        return MotifReport(threshold, seqlets, motifs, pd.DataFrame(columns=BASE_COLUMNS))
    db = load_jaspar(config.jaspar_release)
    rows = [motif_row(m, seqlets, table, db, config.n_matches) for m in motifs]
    return MotifReport(threshold, seqlets, motifs, pd.DataFrame(rows))


def write_motifs(report: MotifReport, folder: Path) -> list[Path]:
    """Write ``motifs.tsv``, ``seqlets.tsv`` and ``logos/<motif>.png`` into ``folder``; return the logo paths."""
    logos = []
    for motif, row in zip(report.motifs, report.table.itertuples()):
        title = f"{motif.name}: {row.match_1_name} ({row.match_1_id}, q={row.match_1_q:.2g}), n={row.n_seqlets}"
        logos.append(save_figure(plot_motif(motif.ppm, title), folder / "logos" / f"{motif.name}.png"))
    table = report.table.assign(logo=[f"logos/{p.name}" for p in logos]) if logos else report.table
    report.table = table
    table.to_csv(folder / "motifs.tsv", sep="\t", index=False, float_format="%.4g")
    seqlet_table = report.seqlets.table.drop(columns="seq_index").assign(motif=seqlet_motifs(report))
    seqlet_table.to_csv(folder / "seqlets.tsv", sep="\t", index=False, float_format="%.6g")
    return logos


def seqlet_motifs(report: MotifReport) -> np.ndarray:
    """The motif each seqlet joined, shape=(n_seqlets,), object; "" for seqlets in no motif."""
    names = np.full(len(report.seqlets.table), "", dtype=object)
    for motif in report.motifs:
        names[motif.members] = motif.name
    return names
