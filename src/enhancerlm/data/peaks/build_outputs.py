"""What ``data build`` writes: the split tables, browser tracks, a manifest with every count, and how well it matched.

Outputs (one folder, written atomically; the same inputs and seed give the same bytes):

- ``train.tsv``, ``val.tsv``, ``test.tsv``: ``id, sequence, label, chrom, start, end, strand, gc, source``
  (coordinates 0-based half-open, as BED; ``gc`` the GC fraction of the A/C/G/T bases, 4 decimals);
  a multi-label set adds ``label:<NAME>`` (0/1) columns after ``label`` (then empty), a regression set
  ``target:<NAME>`` columns (:mod:`enhancerlm.data.peaks.build_truth`);
  every command reads them as a SPEC and carries the coordinates on (interval overlaps in the audit).
- ``regions_<split>.bed``: BED9 for a genome browser, name = id, coloured by label.
- ``manifest.json``: inputs with sha256, every setting, the task and per split its labels' or targets' counts, the seed, the hold-out and its source, counts
  at every step, the regions dropped and why, per split and GC bin the positives, candidates,
  negatives and shortfall, and the statistics below.
- ``composition.png``: GC and length of positives and negatives, per split.

Statistics per split (:func:`split_statistics`): records per label; mean GC, length, soft-masked share
and CpG observed/expected of positives and negatives; two-sample Kolmogorov-Smirnov statistic and
p-value of positives vs negatives for GC and length; and the AUROC of GC alone as the classifier
(:func:`enhancerlm.data.leakage.audit.gc_auroc`, the audit's GC baseline): about 0.5 when GC is matched.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.stats import ks_2samp

from enhancerlm.data.leakage.audit import gc_auroc
from enhancerlm.data.leakage.plots import plot_distribution
from enhancerlm.data.peaks.build import MAX_LISTED, SPLITS, TABLE_COLUMNS, Built
from enhancerlm.data.peaks.build_config import HOLDOUT_SOURCE, BuildConfig
from enhancerlm.data.peaks.build_truth import truth_summary
from enhancerlm.io import atomic_dir
from enhancerlm.provenance import versions
from enhancerlm.sequences.dna import ACGT, concat_codes, window_sums
from enhancerlm.sequences.task import Task

GC_BIN = 0.02  # bin width of the manifest's per-bin counts (the sampler's bins)
_COLOURS = {True: "200,30,30", False: "120,120,120"}  # positives red, negatives grey (BED itemRgb)


def sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes (as ``sha256sum`` prints it)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def cpg_observed_expected(seqs: list[str]) -> np.ndarray:
    """CpG observed/expected ratio of each sequence, (CG count) * L / (C count * G count); NaN without C or G.

    Returns
    -------
    np.ndarray of float64, shape=(n,)
    """
    flat, lengths = concat_codes(seqs, ACGT)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    cg = np.zeros(len(flat), dtype=bool)
    cg[:-1] = (flat[:-1] == 1) & (flat[1:] == 2)
    cg[np.maximum(ends - 1, 0)] = False  # a pair may not span two sequences
    n_cg = window_sums(cg, starts, ends)
    c, g = window_sums(flat == 1, starts, ends), window_sums(flat == 2, starts, ends)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((c > 0) & (g > 0), n_cg * lengths / (c * g), np.nan)


def split_statistics(table: pd.DataFrame, negative_label: str) -> dict:
    """Per split: counts, composition of positives vs negatives, KS statistics and the GC-only AUROC."""
    stats = {}
    for split in SPLITS:
        part = table[table["split"] == split]
        is_neg = (part["label"] == negative_label).to_numpy()  # multi-label: the all-zero rows
        entry: dict = {"n": part["label"].value_counts().sort_index().to_dict()}
        for name, values in (
            ("gc", part["gc"]),
            ("length", part["length"]),
            ("repeat_fraction", part["repeat_fraction"]),
            ("cpg_oe", pd.Series(cpg_observed_expected(part["sequence"].tolist()), index=part.index)),
        ):
            entry[name] = _compare(values.to_numpy(dtype=float), is_neg)
        entry["gc_only_auroc"] = (
            gc_auroc(part["label"].tolist(), part["gc"].to_numpy(dtype=float)) if len(part) else None
        )
        stats[split] = entry
    return stats


def _compare(values: np.ndarray, is_neg: np.ndarray) -> dict:
    pos, neg = values[~is_neg & np.isfinite(values)], values[is_neg & np.isfinite(values)]
    out = {"positives_mean": _mean(pos), "negatives_mean": _mean(neg)}
    if len(pos) and len(neg):
        test = ks_2samp(pos, neg)
        out.update(ks_statistic=float(test.statistic), ks_pvalue=float(test.pvalue))
    return out


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def gc_bin_table(built: Built, negative_label: str) -> dict:
    """Per split, one row per 2% GC bin: positives and negatives built, and (gc-matched) candidates, needed, shortfall."""
    table = built.table
    gc_bin = np.clip(np.floor(table["gc"].fillna(0).to_numpy() / GC_BIN), 0, round(1 / GC_BIN) - 1).astype(int)
    kind = np.where(table["label"] == negative_label, "negatives", "positives")
    counts = pd.crosstab([table["split"], gc_bin], kind).reindex(columns=["positives", "negatives"], fill_value=0)
    counts.index = counts.index.set_names(["split", "gc_bin"])
    if built.bins is not None:
        drawn = built.bins.assign(gc_bin=np.rint(built.bins["gc_from"] / GC_BIN).astype(int)).set_index(
            ["split", "gc_bin"]
        )
        counts = counts.join(drawn[["candidates", "needed", "shortfall"]], how="outer").fillna(0).astype(int)
    rows = counts.reset_index()
    rows.insert(2, "gc_from", (rows["gc_bin"] * GC_BIN).round(2))
    return {s: rows[rows["split"] == s].drop(columns=["split", "gc_bin"]).to_dict(orient="records") for s in SPLITS}


def manifest(built: Built, genome: Path, config: BuildConfig, outputs: dict) -> dict:
    """Everything needed to tell how the set was made (module docstring)."""
    inputs = built.inputs
    files = [
        {"path": str(p), "label": label, "format": inputs["formats"].get(str(p)), "sha256": sha256(p)}
        for p, label in inputs["positives"]
    ]
    return {
        "command": "enhancerlm data build",
        "inputs": {
            "positives": files,
            "genome": {"path": str(genome), "sha256": sha256(genome)},
            "exclude": [{"path": str(p), "sha256": sha256(p)} for p in inputs["exclude"]],
            "background": _background_input(config),
            "targets": [{"path": str(p), "sha256": sha256(p)} for p in inputs.get("targets", [])],
        },
        "settings": config.to_dict(),
        "seed": config.seed,
        "holdout": {
            "test": list(config.test_chroms),
            "val": list(config.val_chroms),
            "train": "every other chromosome",
            "source": HOLDOUT_SOURCE,
            "chromosomes": {
                s: sorted(pd.unique(built.table.loc[built.table["split"] == s, "chrom"]).tolist()) for s in SPLITS
            },
        },
        "task": built.task.to_dict(),
        "truth": truth_summary(built.table, built.task, SPLITS),
        "counts": built.counts,
        "dropped": {
            "n": len(built.dropped),
            "by_reason": built.dropped["reason"].value_counts().sort_index().to_dict(),
            "regions": built.dropped.head(MAX_LISTED).to_dict(orient="records"),
        },
        "gc_bins": gc_bin_table(built, config.negative_label),
        "statistics": split_statistics(built.table, config.negative_label),
        "outputs": outputs,
        "versions": versions(),
    }


def _background_input(config: BuildConfig) -> dict:
    if (
        ":" in config.background
        and config.background.rsplit(":", 1)[0]
        and Path(config.background.rsplit(":", 1)[0]).is_file()
    ):
        path = config.background.rsplit(":", 1)[0]
        return {"path": path, "label": config.background.rsplit(":", 1)[1], "sha256": sha256(path)}
    return {"kind": config.background}


def write_bed(table: pd.DataFrame, path: Path, split: str, negative_label: str) -> None:
    """BED9 (name = id, itemRgb by label), sorted by chrom and start, with a track line."""
    rows = table.sort_values(["chrom", "start", "end", "id"], kind="stable")
    colour = np.where(rows["label"] == negative_label, _COLOURS[False], _COLOURS[True])
    bed = pd.DataFrame(
        {
            "chrom": rows["chrom"],
            "start": rows["start"],
            "end": rows["end"],
            "name": rows["id"],
            "score": 0,
            "strand": rows["strand"],
            "thick_start": rows["start"],
            "thick_end": rows["end"],
            "rgb": colour,
        }
    )
    header = f'track name="enhancerlm_{split}" description="data build {split}: positives red, negatives grey" itemRgb="On"\n'
    path.write_text(header + bed.to_csv(sep="\t", header=False, index=False, lineterminator="\n"))


def plot_composition(table: pd.DataFrame) -> Figure:
    """GC (top) and length (bottom) of every label, one column per split."""
    figure = Figure(figsize=(15, 7), layout="constrained")
    axes = figure.subplots(2, len(SPLITS), squeeze=False)
    frame = table.rename(columns={"length": "length_bp"})
    for column, split in enumerate(SPLITS):
        part = frame[frame["split"] == split]
        for row, value in enumerate(("gc", "length_bp")):
            if len(part):
                plot_distribution(part, value, ax=axes[row, column])
            axes[row, column].set_title(f"{split}: {'GC' if value == 'gc' else 'length'}")
    return figure


def write_build(built: Built, genome: str | Path, out_dir: str | Path, config: BuildConfig) -> dict:
    """Write every output (module docstring) into ``out_dir`` atomically; returns the manifest."""
    with atomic_dir(out_dir) as tmp:
        outputs = {}
        for split in SPLITS:
            part = built.table[built.table["split"] == split]
            tsv = tmp / f"{split}.tsv"
            written_table(part, built.task).to_csv(tsv, sep="\t", index=False, float_format="%.4f", lineterminator="\n")
            write_bed(part, tmp / f"regions_{split}.bed", split, config.negative_label)
            outputs[tsv.name] = sha256(tsv)
            outputs[f"regions_{split}.bed"] = sha256(tmp / f"regions_{split}.bed")
        # No Software/date metadata: the same build gives the same bytes.
        plot_composition(built.table).savefig(
            tmp / "composition.png", format="png", dpi=90, metadata={"Software": None}
        )
        outputs["composition.png"] = sha256(tmp / "composition.png")
        data = manifest(built, Path(genome), config, outputs)
        (tmp / "manifest.json").write_text(json.dumps(_json_safe(data), indent=2) + "\n")
    return data


def written_table(part: pd.DataFrame, task: Task) -> pd.DataFrame:
    """``TABLE_COLUMNS`` with the task's truth columns after ``label`` (empty in a multi-label table, as its truth
    is in the ``label:`` columns); targets with 6 significant digits (a signal mean can be small)."""
    columns = list(TABLE_COLUMNS)
    if task.single_label:
        return part[columns]
    truth = task.truth_columns()
    out = part[[*columns[:3], *truth, *columns[3:]]].copy()
    if task.kind == "multilabel":
        out["label"] = ""
    else:
        out[truth] = out[truth].map(lambda v: f"{v:.6g}")
    return out


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
