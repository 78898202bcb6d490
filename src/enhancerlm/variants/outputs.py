"""Result files of ``enhancerlm variants``: ``variants.tsv``, ``skipped.tsv``, ``variants.vcf.gz`` and the summary.

The annotated VCF is the input's records, unchanged and in input order, with per-ALT INFO fields
(``Number=A``, so a multi-allelic record carries one value per ALT, ``.`` for skipped ALTs) declared
in the header; a TSV input becomes a minimal VCF first. It is bgzip-compressed (``bcftools view``
reads it) and tabix-indexed where its records are sorted.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from enhancerlm.io import atomic_path
from enhancerlm.variants.read import pysam_module

log = logging.getLogger(__name__)

TSV, SKIPPED, VCF = "variants.tsv", "skipped.tsv", "variants.vcf.gz"
KEY_COLUMNS = ["id", "chrom", "pos", "ref", "alt"]
# INFO key -> (variants.tsv column, VCF type, description) of a binary or multi-class model; per-class deltas
# are added for >2 classes. Multi-label and regression models get one field per label or target (info_fields).
INFO_FIELDS = {
    "ELM_P_REF": ("p_ref", "Float", "enhancerlm: probability of class {cls} for the REF window ({w} bp)"),
    "ELM_P_ALT": ("p_alt", "Float", "enhancerlm: probability of class {cls} for the ALT window ({w} bp)"),
    "ELM_DELTA": ("delta", "Float", "enhancerlm: P_ALT - P_REF"),
    "ELM_LOG_ODDS_DELTA": ("log_odds_delta", "Float", "enhancerlm: log-odds of {cls}, ALT minus REF"),
}
SKIP_FIELD = "ELM_SKIPPED"


def result_table(variants: pd.DataFrame, effect_frame: pd.DataFrame, scored: np.ndarray) -> pd.DataFrame:
    """The scored variants in input order: id, chrom, pos, ref, alt, then the effect columns."""
    keys = variants.loc[scored, KEY_COLUMNS].reset_index(drop=True)
    return pd.concat([keys, effect_frame.loc[scored].reset_index(drop=True)], axis=1)


def write_tsv(path: Path, table: pd.DataFrame) -> None:
    """Tab-separated, atomically; 9 significant digits give float32 probabilities back exactly."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.9g")


def info_fields(
    class_names: Sequence[str], column: int, window_bp: int, effect_columns: Sequence[str] | None = None
) -> dict[str, tuple[str, str, str]]:
    """INFO key -> (table column, type, description) for this model.

    Single-label (``effect_columns`` None): the fixed fields above for class ``column``, and
    ``ELM_DELTA_<CLASS>`` with >2 classes. Multi-label or regression: one field per effect column of
    :func:`enhancerlm.variants.score.effects` (``p_ref_HepG2`` -> ``ELM_P_REF_HEPG2``), ``ELM_DELTA``
    (the largest change) and ``ELM_MOST_AFFECTED`` (its label or target).
    """
    if effect_columns is not None:
        return _output_fields(effect_columns, window_bp)
    fields = {
        key: (col, kind, text.format(cls=class_names[column], w=window_bp))
        for key, (col, kind, text) in INFO_FIELDS.items()
    }
    if len(class_names) > 2:
        keys = info_keys([f"delta_{name}" for name in class_names], taken=fields)
        for key, name in zip(keys, class_names):
            fields[key] = (f"delta_{name}", "Float", f"enhancerlm: probability of class {name}, ALT minus REF")
    return fields


def _output_fields(effect_columns: Sequence[str], window_bp: int) -> dict[str, tuple[str, str, str]]:
    """INFO fields of a multi-label or regression model's effect columns (:func:`info_fields`)."""
    what = {
        "p_ref_": "probability of label {} for the REF window ({} bp)",
        "p_alt_": "probability of label {} for the ALT window ({} bp)",
        "pred_ref_": "predicted {} for the REF window ({} bp)",
        "pred_alt_": "predicted {} for the ALT window ({} bp)",
    }
    per_output = [c for c in effect_columns if c.startswith((*what, "delta_"))]
    probabilities = any(c.startswith("p_ref_") for c in per_output)
    what["delta_"] = ("probability of label {}" if probabilities else "predicted {}") + ", ALT minus REF"
    fields: dict[str, tuple[str, str, str]] = {
        "ELM_DELTA": ("delta", "Float", "enhancerlm: the largest ALT minus REF change over the labels/targets"),
        "ELM_MOST_AFFECTED": ("most_affected", "String", "enhancerlm: the label or target of ELM_DELTA"),
    }
    for key, column in zip(info_keys(per_output, taken=fields), per_output):
        prefix = next(p for p in what if column.startswith(p))
        fields[key] = (column, "Float", "enhancerlm: " + what[prefix].format(column[len(prefix) :], window_bp))
    return fields


def info_keys(columns: Sequence[str], taken=()) -> list[str]:
    """VCF INFO keys for table columns: ``ELM_`` + the column upper-cased, other characters as ``_``.

    VCF 4.3 keys match ``[A-Za-z_][0-9A-Za-z_.]*``; two columns that would share a key (``a-b`` and
    ``a_b``, or names differing only in case) get ``_2``, ``_3`` ... so that no field is overwritten.
    """
    keys: list[str] = []
    used = set(taken)
    for column in columns:
        key = base = "ELM_" + re.sub(r"[^0-9A-Za-z_]", "_", column).upper()
        n = 1
        while key in used:
            n += 1
            key = f"{base}_{n}"
        used.add(key)
        keys.append(key)
    return keys


def write_vcf(
    source: Path | None, path: Path, variants: pd.DataFrame, values: pd.DataFrame, fields: dict, reasons: np.ndarray
) -> None:
    """Write the annotated VCF (module docstring) atomically, with a .tbi index where the records are sorted.

    Parameters
    ----------
    source : Path or None
        The input VCF/BCF; None for a TSV input (a header is built from the variants).
    variants : pandas.DataFrame
        All input alleles (``enhancerlm.variants.read``), in input order.
    values : pandas.DataFrame
        The INFO fields' table columns for every row of ``variants`` (NaN where skipped).
    fields : dict
        From :func:`info_fields`.
    reasons : np.ndarray, shape=(len(variants),)
        Skip reason per allele, "" where scored.
    """
    pysam = pysam_module()
    per_record = _per_record(variants, values, fields, reasons)
    with atomic_path(path) as tmp:
        vcf_in = pysam.VariantFile(str(source)) if source is not None else None
        header = vcf_in.header if vcf_in is not None else _tsv_header(pysam, variants)
        _declare(header, fields, variants["chrom"])
        with pysam.VariantFile(str(tmp), "wz", header=header) as vcf_out:
            records = vcf_in.fetch() if vcf_in is not None else _tsv_records(vcf_out, variants)
            for record_no, rec in enumerate(records):
                for key, value in per_record[record_no].items():
                    rec.info[key] = value
                vcf_out.write(rec)
        if vcf_in is not None:
            vcf_in.close()
        _index(pysam, tmp, path, _is_sorted(variants))


def _declare(header, fields: dict, chroms) -> None:
    # Many VCFs list no ##contig lines; htslib cannot write a record whose contig the header lacks.
    for chrom in dict.fromkeys(chroms):
        if chrom not in header.contigs:
            header.contigs.add(chrom)
    for key, (_, kind, text) in fields.items():
        if key not in header.info:
            header.info.add(key, "A", kind, text)
    if SKIP_FIELD not in header.info:
        header.info.add(SKIP_FIELD, "A", "String", "enhancerlm: why the ALT was not scored ('.': scored)")


def _per_record(variants: pd.DataFrame, values: pd.DataFrame, fields: dict, reasons: np.ndarray) -> list[dict]:
    """INFO values of each input record: key -> tuple with one entry per ALT (None: missing)."""
    out: list[dict] = [{} for _ in range(int(variants["record"].max()) + 1)]
    columns = {key: _info_values(values[col], kind) for key, (col, kind, _) in fields.items()}
    groups = variants.groupby("record", sort=False).indices
    for record_no, rows in groups.items():
        info: dict[str, tuple] = {key: tuple(col[i] for i in rows) for key, col in columns.items()}
        if (reasons[rows] != "").any():
            info[SKIP_FIELD] = tuple(r or "." for r in reasons[rows])
        out[int(record_no)] = info
    return out


def _info_values(column: pd.Series, kind: str) -> list:
    """A table column as INFO values: floats (None where the variant was not scored) or strings ("." there:
    htslib would write a missing string of a Number=A field as a bare key)."""
    if kind == "String":
        return [str(v) if isinstance(v, str) and v else "." for v in column]
    return [None if np.isnan(v) else float(v) for v in column.to_numpy(dtype=np.float64)]


def _tsv_header(pysam, variants: pd.DataFrame):
    return pysam.VariantHeader()  # _declare adds the contigs


def _tsv_records(vcf_out, variants: pd.DataFrame):
    for _, rows in variants.groupby("record", sort=False):
        first = rows.iloc[0]
        alleles = (first["ref"], *rows["alt"])
        yield vcf_out.new_record(contig=first["chrom"], start=int(first["pos"]) - 1, alleles=alleles, id=first["id"])


def _is_sorted(variants: pd.DataFrame) -> bool:
    """Whether each chromosome's records are contiguous and by position, as tabix needs."""
    chrom, pos = variants["chrom"].to_numpy(), variants["pos"].to_numpy()
    changes = np.r_[True, chrom[1:] != chrom[:-1]]
    return bool(len(set(chrom[changes])) == changes.sum() and (np.diff(pos)[~changes[1:]] >= 0).all())


def _index(pysam, tmp: Path, path: Path, is_sorted: bool) -> None:
    """Tabix-index the finished file beside it (``path.tbi``); unsorted records get no index, only a note."""
    stale = Path(f"{path}.tbi")
    stale.unlink(missing_ok=True)
    if not is_sorted:
        log.info("%s not indexed: its records are not sorted by position (bcftools sort would)", path.name)
        return
    try:
        pysam.tabix_index(str(tmp), preset="vcf", force=True, keep_original=True)
    except (OSError, ValueError) as err:
        log.info("%s not indexed (records not sorted by position?): %s", path.name, err)
        return
    os.replace(f"{tmp}.tbi", stale)


def delta_summary(values: np.ndarray) -> dict:
    """Distribution of a delta column: count, mean, sd, quantiles; NaNs (skipped variants) left out."""
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return {"n": 0}
    quantiles = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)
    names = ("min", "q01", "q05", "q25", "median", "q75", "q95", "q99", "max")
    stats = {"n": int(len(values)), "mean": float(values.mean()), "sd": float(values.std())}
    stats.update({name: float(q) for name, q in zip(names, np.quantile(values, quantiles))})
    return stats


def delta_histogram(delta: np.ndarray, n_bins: int = 20) -> dict:
    """Counts of probability deltas in equal bins over [-1, 1]."""
    counts, edges = np.histogram(delta[np.isfinite(delta)], bins=n_bins, range=(-1.0, 1.0))
    return {"edges": [round(float(e), 6) for e in edges], "counts": counts.tolist()}


def top_variants(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` scored variants with the largest |log_odds_delta| (ties: larger |delta|), strongest first.

    Log-odds, not probability: a variant that breaks a site in a window the model is sure about moves
    p from 0.999 to 0.99 (a small delta) but its log-odds by 2.3; on planted motifs (tests/variants)
    |delta| hardly tells site-destroying SNVs from background ones where |log_odds_delta| does.
    A multi-label or regression table has no log_odds_delta: its ``delta`` (the largest change over
    the labels or targets, named by ``most_affected``) ranks it.
    """
    keys = [-table["delta"].abs().to_numpy()]
    if "log_odds_delta" in table.columns:
        keys.append(-table["log_odds_delta"].abs().to_numpy())
    order = np.lexsort(keys)
    return table.iloc[order[:n]]
