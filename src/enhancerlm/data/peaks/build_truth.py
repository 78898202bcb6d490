"""The truth columns of ``data build`` beyond one label: multi-label by an overlap rule, targets from a bigWig or a column.

Multi-label (``--multi-label``): the windows of every ``--positives`` file are pooled and merged as one
set (:func:`enhancerlm.data.peaks.windows.one_per_peak`); a window then carries label L (``label:L`` = 1)
when, for the peaks of L,

- it contains the summit of one of them (narrowPeak column 10; the midpoint of a peak without one), or
- at least half of its bases lie inside them (their union).

Why: a window centred on one cell type's summit that also holds another cell type's summit is the same
element, active in both; the half-window rule is DeepSEA's (Zhou & Troyanskaya 2015: a 200 bp bin is
positive for a feature when more than half of it lies in a peak; here "at least half") and catches
broad peaks whose summit lies outside the window. A window that touches a peak of L without either
is 0 for L and counted as ``partial`` for L in ``manifest.json``: a sliver of a peak's edge does not
say the element is active there. Negatives (gc-matched, random, shuffled, or the user's) are all-zero
rows, kept ``--flank`` bp away from every peak of every label.

Targets (``--targets FILE.bw``, repeatable): the mean signal over each window's bases, read with
pyBigWig per base (``values``, not the zoom levels, which are summaries). A window the bigWig does not
cover whole (a base without data, a chromosome it lacks) is an error unless ``--missing-targets drop``
(left out, counted) or ``zero`` (uncovered bases read as 0 signal: bigWigs written from bedGraphs often
leave zero runs out). ``--target-column N|NAME``: the kept peak's own value (its strongest call when
several were merged); the set then holds the peaks only, as a region file says nothing of other DNA.
"""

from __future__ import annotations

import logging
from pathlib import Path

import bioframe
import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from enhancerlm.data.peaks.build_config import BuildConfig
from enhancerlm.errors import InputError
from enhancerlm.sequences.chroms import chrom_mapping
from enhancerlm.sequences.regions import NUMERIC_COLUMNS, column_number
from enhancerlm.sequences.task import TRUTH_PREFIX, Task

log = logging.getLogger(__name__)

INTERVAL = ["chrom", "start", "end"]
OVERLAP_RULE = "label L when the window holds a summit (midpoint without one) of L's peaks or lies >= half inside them"
BIGWIG_SUFFIXES = (".bigwig", ".bw")


def label_names(files: list[tuple[str, str]], config: BuildConfig) -> tuple[str, ...]:
    """The multi-label names: ``--label-columns`` (which must name exactly the ``--positives`` labels), else file order."""
    found = tuple(dict.fromkeys(label for _, label in files))
    if not config.label_columns:
        return found
    if sorted(config.label_columns) != sorted(found):
        raise InputError(
            f"--label-columns {','.join(config.label_columns)}: the --positives labels are {', '.join(found)}; "
            "name each once"
        )
    return tuple(config.label_columns)


def overlap_labels(windows: pd.DataFrame, regions: pd.DataFrame, names: tuple[str, ...]) -> tuple[np.ndarray, dict]:
    """0/1 label per window and name by the module's overlap rule.

    Parameters
    ----------
    windows : pd.DataFrame
        ``chrom, start, end`` (0-based half-open).
    regions : pd.DataFrame
        Peaks as read: ``chrom, start, end, summit`` (offset, -1 = none), ``label``.
    names : tuple of str

    Returns
    -------
    labels : np.ndarray of int8, shape=(n_windows, n_labels)
    partial : dict of str -> int
        Per label, windows that touch its peaks but meet neither rule.

    Cost: O((windows + peaks) log) through bioframe's interval overlap.
    """
    labels = np.zeros((len(windows), len(names)), dtype=np.int8)
    pairs = bioframe.overlap(
        windows[INTERVAL].reset_index(drop=True),
        regions[[*INTERVAL, "summit", "label"]].reset_index(drop=True),
        how="inner",
        suffixes=("", "_peak"),
        return_index=True,
    )
    if pairs.empty:
        return labels, dict.fromkeys(names, 0)
    start, end = pairs["start"].to_numpy(np.int64), pairs["end"].to_numpy(np.int64)
    p_start, p_end = pairs["start_peak"].to_numpy(np.int64), pairs["end_peak"].to_numpy(np.int64)
    summit = pairs["summit_peak"].to_numpy(np.int64)
    centre = np.where(summit >= 0, p_start + summit, p_start + (p_end - p_start) // 2)
    pairs = pairs.assign(
        holds_summit=(start <= centre) & (centre < end),
        chrom=pairs["index"].astype(str) + "|" + pairs["label_peak"].astype(str),  # one "chromosome" per window x label
        start=np.maximum(start, p_start),
        end=np.minimum(end, p_end),
    )
    covered = bioframe.merge(pairs[INTERVAL]).assign(bp=lambda m: m["end"] - m["start"]).groupby("chrom")["bp"].sum()
    group = pairs.groupby("chrom").agg(
        index=("index", "first"), label=("label_peak", "first"), summit=("holds_summit", "any")
    )
    length = (windows["end"] - windows["start"]).to_numpy()[group["index"].to_numpy(np.int64)]
    on = group["summit"].to_numpy() | (2 * covered.reindex(group.index).to_numpy() >= length)
    column = group["label"].map({name: i for i, name in enumerate(names)}).to_numpy(np.int64)
    labels[group["index"].to_numpy(np.int64)[on], column[on]] = 1
    partial = pd.Series(column[~on]).value_counts()
    return labels, {name: int(partial.get(i, 0)) for i, name in enumerate(names)}


def target_names(config: BuildConfig) -> tuple[str, ...]:
    """``--target-columns``, else each bigWig's file name without its suffix, else the column's name."""
    if config.targets:
        default = tuple(_bigwig_stem(path) for path in config.targets)
    else:
        number = column_number(config.target_column)
        named = {n: name for name, n in NUMERIC_COLUMNS.items() if "_" in name or name == "score"}
        default = (named.get(number, f"column{number}"),)
    names = tuple(config.target_columns) or default
    if len(names) != len(default):
        raise InputError(f"--target-columns {','.join(names)}: {len(default)} targets to name, got {len(names)} names")
    return names


def _bigwig_stem(path: str) -> str:
    name = Path(path).name
    return name[: -len(s)] if (s := next((s for s in BIGWIG_SUFFIXES if name.lower().endswith(s)), "")) else name


def bigwig_means(path: str | Path, windows: pd.DataFrame, map_chroms: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean bigWig signal over each window's covered bases, and how many bases it does not cover.

    Returns
    -------
    mean : np.ndarray of float64, shape=(n_windows,)
        NaN where no base is covered.
    uncovered : np.ndarray of int64, shape=(n_windows,)
        Bases without data (a chromosome the bigWig lacks: the whole window).

    Cost: one ``values`` call per window, O(total window bp).
    """
    bw = _open_bigwig(path)
    try:
        sizes = bw.chroms()
        mapping = chrom_mapping(windows["chrom"], sizes, map_chroms, what=str(path))
        mean = np.full(len(windows), np.nan)
        uncovered = (windows["end"] - windows["start"]).to_numpy(np.int64).copy()
        for i, (chrom, start, end) in enumerate(zip(windows["chrom"], windows["start"], windows["end"])):
            name = mapping.get(chrom)
            if name is None or start >= sizes[name]:
                continue
            values = bw.values(name, int(start), int(min(end, sizes[name])), numpy=True)
            covered = ~np.isnan(values)
            uncovered[i] -= int(covered.sum())
            if covered.any():
                mean[i] = float(values[covered].mean())
    finally:
        bw.close()
    return mean, uncovered


def _open_bigwig(path: str | Path):
    try:
        import pyBigWig  # the scan extra: data build needs it for --targets only
    except ImportError:
        raise InputError("--targets needs pyBigWig: pip install 'enhancerlm[scan]' (or pip install pyBigWig)") from None
    if not Path(path).is_file():
        raise InputError(f"--targets {path}: no such file")
    try:
        bw = pyBigWig.open(str(path))
    except RuntimeError:
        bw = None
    if bw is None or not bw.isBigWig():
        raise InputError(f"--targets {path}: not a bigWig file (pyBigWig cannot open it)")
    return bw


def target_values(table: pd.DataFrame, config: BuildConfig) -> tuple[np.ndarray, np.ndarray]:
    """Targets of every row, shape=(n, n_targets), and a per-row count of missing bases or values."""
    if not config.targets:
        values = table["target_value"].to_numpy(np.float64)[:, None]
        return values, np.isnan(values[:, 0]).astype(np.int64)
    columns, missing = [], np.zeros(len(table), dtype=np.int64)
    for path in config.targets:
        mean, uncovered = bigwig_means(path, table, config.map_chroms)
        if config.missing_targets == "zero":  # uncovered bases as 0 signal: the mean over the whole window
            length = (table["end"] - table["start"]).to_numpy()
            mean = np.nan_to_num(mean) * (length - uncovered) / length
            uncovered = np.zeros_like(uncovered)
        columns.append(mean)
        missing += uncovered
    return np.column_stack(columns), missing


def with_targets(table: pd.DataFrame, config: BuildConfig) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """``target:<name>`` columns added; rows without a value handled by ``--missing-targets``.

    Returns
    -------
    table, counts (``missing``, ``dropped``), dropped rows (``source, line, chrom, start, end, reason``).
    """
    names = target_names(config)
    values, missing = target_values(table, config)
    zero = config.missing_targets == "zero"
    values = np.nan_to_num(values) if zero else values
    bad = (missing > 0) & (not zero)
    if bad.any() and config.missing_targets == "error":
        row = table.iloc[int(np.argmax(bad))]
        source = "the bigWig" if config.targets else f"column {config.target_column} of {row['source']}"
        raise InputError(
            f"{int(bad.sum())} of {len(table)} windows have no value in {source} (e.g. {row['chrom']}:"
            f"{row['start']}-{row['end']}); --missing-targets drop leaves them out (counted), zero reads them as 0"
        )
    columns = {TRUTH_PREFIX["regression"] + name: values[:, t] for t, name in enumerate(names)}
    table = table.assign(**columns)
    dropped = table[bad][["source", "chrom", "start", "end"]].assign(line=table.get("line"), reason="target_missing")
    if bad.any():
        log.warning("%d windows without a target value dropped (--missing-targets drop)", int(bad.sum()))
    return table[~bad].reset_index(drop=True), {"missing": int(bad.sum()), "dropped": int(bad.sum())}, dropped


def truth_summary(table: pd.DataFrame, task: Task, splits: tuple[str, ...]) -> dict:
    """Per split: rows, and per label its positives (and rows with none), or per target n/mean/sd/min/max."""
    summary = {}
    for split in splits:
        part = table[table["split"] == split]
        entry: dict = {"n": len(part)}
        gc = part["gc"].to_numpy(float)
        if task.kind == "multilabel":
            y = part[task.truth_columns()].to_numpy()
            entry["per_label"] = {name: int(y[:, i].sum()) for i, name in enumerate(task.names)}
            entry["no_label"] = int((y.sum(axis=1) == 0).sum())
            entry["gc_only_auroc"] = {name: _gc_auroc(y[:, i], gc) for i, name in enumerate(task.names)}
        elif task.kind == "regression":
            values = {name: part[c].to_numpy(float) for name, c in zip(task.names, task.truth_columns())}
            entry["per_target"] = {name: _describe(v, gc) for name, v in values.items()}
        else:
            entry["per_class"] = part["label"].value_counts().sort_index().to_dict()
        summary[split] = entry
    return summary


def _gc_auroc(y: np.ndarray, gc: np.ndarray) -> float | None:
    """AUROC of GC alone for one label (about 0.5: GC does not give that label away); None without both classes."""
    keep = np.isfinite(gc)
    return float(roc_auc_score(y[keep], gc[keep])) if len(set(y[keep])) == 2 else None


def _describe(values: np.ndarray, gc: np.ndarray) -> dict:
    """n, mean, sd, min, max of a target, and its Spearman correlation with GC (how much GC alone explains)."""
    if len(values) < 2:
        return {"n": len(values)}
    keep = np.isfinite(gc)
    rho = spearmanr(values[keep], gc[keep]).statistic if keep.sum() > 2 and np.ptp(values[keep]) > 0 else None
    return {
        "n": len(values),
        "mean": values.mean(),
        "sd": values.std(),
        "min": values.min(),
        "max": values.max(),
        "gc_spearman": None if rho is None else float(rho),
    }
