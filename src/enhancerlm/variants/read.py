"""Variant input: VCF / VCF.gz / BCF through pysam (htslib, what bcftools itself reads with), or a plain TSV.

Every input becomes one table, one row per ALT allele, in input order (a multi-allelic record is split
into one row per ALT, ``allele`` numbering them 1, 2, ...). Coordinates stay as the VCF has them:
``pos`` is 1-based and the first base of ``ref``. Symbolic alleles (``<DEL>``, ``*``, breakends) have no
sequence to score and are kept as rows that the scoring step skips, so ids and order line up with the input.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pandas as pd

from enhancerlm.errors import ConfigError, InputError

log = logging.getLogger(__name__)

COLUMNS = ("id", "chrom", "pos", "ref", "alt", "record", "allele")
VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")
TSV_COLUMNS = ("chrom", "pos", "ref", "alt", "id")
_BGZF_MAGIC = b"\x1f\x8b"


def is_vcf(path: str | Path) -> bool:
    """Whether ``path`` is a VCF/BCF (by name, or by a ``##fileformat=VCF`` / BCF first line)."""
    path = Path(path)
    if path.name.lower().endswith(VCF_SUFFIXES):
        return True
    with open(path, "rb") as handle:
        head = handle.read(2)
    opener = gzip.open if head == _BGZF_MAGIC else open
    with opener(path, "rb") as handle:
        first = handle.read(16)
    return first.startswith((b"##fileformat=VCF", b"BCF"))


def read_variants(path: str | Path) -> pd.DataFrame:
    """Read a VCF/VCF.gz/BCF or a TSV of variants into one table.

    Parameters
    ----------
    path : str or Path
        VCF, bgzip VCF or BCF (read with pysam); or a TSV with columns ``chrom, pos, ref, alt[, id]``
        (``pos`` 1-based), with or without that header line.

    Returns
    -------
    pandas.DataFrame
        Columns ``COLUMNS``: id (the VCF ID, or ``chrom:pos:ref:alt`` where it is missing), chrom,
        pos (1-based, int), ref and alt (upper case), record (0-based input record number) and
        allele (1-based ALT number within the record).

    Raises
    ------
    InputError
        Missing or malformed file, naming the record.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"variants file {path} does not exist")
    table = _read_vcf(path) if is_vcf(path) else _read_tsv(path)
    if table.empty:
        raise InputError(f"variants file {path} holds no variants")
    log.info("read %d alleles of %d records from %s", len(table), table["record"].nunique(), path)
    return table


def pysam_module():
    """pysam, or a ConfigError saying how to install it (the ``variants`` extra)."""
    try:
        import pysam
    except ImportError as err:
        raise ConfigError("VCF/BCF input and output need pysam: pip install 'enhancerlm[variants]'") from err
    return pysam


def _read_vcf(path: Path) -> pd.DataFrame:
    pysam = pysam_module()
    rows = []
    try:
        with pysam.VariantFile(str(path)) as vcf:
            for record_no, rec in enumerate(vcf.fetch()):
                alts = rec.alts or (".",)  # a record without ALT (".") is a row the scoring step skips
                for allele, alt in enumerate(alts, start=1):
                    rows.append((rec.id, rec.chrom, rec.pos, rec.ref or "", alt, record_no, allele))
    except (OSError, ValueError) as err:
        raise InputError(f"variants file {path}: cannot read it as VCF/BCF: {err}") from None
    return _table(rows)


def _read_tsv(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, sep="\t", header=None, dtype=str, comment="#", keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as err:
        raise InputError(f"variants TSV {path}: {err}") from None
    if len(raw) and raw.iloc[0, 0].strip().lower() == "chrom":
        raw = raw.iloc[1:]
    if raw.shape[1] not in (4, 5):
        raise InputError(f"variants TSV {path}: expected 4 or 5 columns ({', '.join(TSV_COLUMNS)}), got {raw.shape[1]}")
    rows = []
    for record_no, fields in enumerate(raw.itertuples(index=False)):
        chrom, pos, ref, alt = (str(f).strip() for f in fields[:4])
        if not pos.isdigit() or int(pos) < 1:
            raise InputError(f"variants TSV {path} row {record_no + 1}: pos {pos!r} must be a 1-based position")
        seq_id = str(fields[4]).strip() if len(fields) == 5 else ""
        for allele, one_alt in enumerate(alt.split(","), start=1):
            rows.append((seq_id or None, chrom, int(pos), ref, one_alt, record_no, allele))
    return _table(rows)


def _table(rows: list[tuple]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["ref"] = table["ref"].str.upper()
    table["alt"] = table["alt"].str.upper()
    missing = table["id"].isna() | table["id"].isin(["", "."])
    table.loc[missing, "id"] = (
        table["chrom"] + ":" + table["pos"].astype(str) + ":" + table["ref"] + ":" + table["alt"]
    )[missing]
    return table.astype({"pos": "int64", "record": "int64", "allele": "int64"})
