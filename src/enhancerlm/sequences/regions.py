"""The one reader of region files: BED3/BED6+, ENCODE narrowPeak/broadPeak, Genomic Benchmarks coordinate tables.

Every format is read as published, plain or gzip (detected from the bytes):

- BED (UCSC): tab-separated ``chrom, start, end[, name, score, strand, ...]``, 0-based half-open; lines
  starting with ``track``, ``browser`` or ``#`` and blank lines are skipped. A line without a tab is split
  on whitespace (hand-made files). Columns past the sixth are not read, except for the two peak formats.
- ENCODE narrowPeak (BED6+4): ``signalValue, pValue, qValue, peak``; ``peak`` is the summit's offset
  from ``start`` in bp, -1 when no summit was called. broadPeak (BED6+3): the same without ``peak``.
  ENCODE serves both as ``.bed.gz``, so a file is read as narrowPeak when it is named so or when its
  first data line has 10 fields whose last four are numbers (9 fields: broadPeak).
- Genomic Benchmarks coordinate tables (``id,region,start,end,strand``, ``.csv[.gz]``), as the
  genomic-benchmarks repository stores them: 0-based half-open (its loader slices ``seq[start:end]``)
  and reverse-complements ``-`` rows, as :func:`enhancerlm.sequences.dna.reverse_complement` does here.

Malformed lines (too few fields, a start or end that is not an integer, ``end <= start``, a negative
start, a strand other than ``+ - .``, a summit outside its peak) are errors naming ``file line N``: a
file with such lines was not written by a peak caller or exported as BED, so its other lines cannot be
trusted either. Where a well-formed region lies relative to a genome is decided by :func:`place_regions`.
"""

from __future__ import annotations

import gzip
import io
import logging
import zlib
from pathlib import Path
from typing import Mapping, NamedTuple

import numpy as np
import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.chroms import chrom_alias, chrom_mapping
from enhancerlm.sequences.validate import open_bytes

log = logging.getLogger(__name__)

FORMATS = ("bed", "narrowPeak", "broadPeak", "genomic_benchmarks")
REGION_SUFFIXES = (".bed", ".narrowpeak", ".broadpeak", ".bedgraph")
GB_HEADER = ("id", "region", "start", "end", "strand")
# Columns of a region table, in order; ``summit`` is the offset from ``start`` (bp, -1: none), as narrowPeak has it.
COLUMNS = ("chrom", "start", "end", "name", "score", "strand", "summit", "signal_value", "p_value", "q_value")
PEAK_COLUMNS = ("signal_value", "p_value", "q_value", "summit")  # narrowPeak columns 7-10
DROP_REASONS = ("chrom_not_in_genome", "past_chrom_end")
_HEADER_PREFIXES = ("#", "track", "browser")


class Region(NamedTuple):
    """A 0-based half-open interval ``[start, end)`` on ``chrom``, as in BED."""

    chrom: str
    start: int
    end: int


class Placed(NamedTuple):
    """Regions checked against a genome.

    Attributes
    ----------
    kept : pd.DataFrame
        Region table (``COLUMNS`` + ``line``, ``source``) with ``chrom`` in the genome's naming.
    dropped : pd.DataFrame
        The rest, the same columns plus ``reason`` (one of ``DROP_REASONS``).
    """

    kept: pd.DataFrame
    dropped: pd.DataFrame


def is_region_file(path: str | Path) -> bool:
    """True for a BED/narrowPeak/broadPeak name (optionally .gz) or a CSV whose header is a GB coordinate table."""
    path = Path(path)
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(REGION_SUFFIXES):
        return True
    return name.endswith(".csv") and path.is_file() and _first_line(path).lower().split(",") == list(GB_HEADER)


def _first_line(path: Path) -> str:
    try:
        with open_bytes(path) as handle:
            return handle.readline(1 << 12).decode("utf-8", errors="replace").strip().removeprefix("\ufeff")
    except (OSError, EOFError, zlib.error):
        return ""


def read_region_file(path: str | Path) -> pd.DataFrame:
    """Read a region file into a table, one row per region in file order.

    Parameters
    ----------
    path : str or Path
        BED, narrowPeak, broadPeak (plain or gzip) or a Genomic Benchmarks ``.csv[.gz]`` table.

    Returns
    -------
    pd.DataFrame
        ``COLUMNS`` (start/end/summit int64, score and the peak values float64 with NaN where the
        format has none, strand ``+``/``-``/``.``, name ``""`` where absent), plus ``line`` (1-based
        line of the file) and ``source`` (the path). ``df.attrs["format"]`` names the format read.

    Raises
    ------
    InputError
        A missing or unreadable file, no region at all, or a malformed line (naming ``file line N``).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"regions file {path} does not exist")
    lines = _read_lines(path)
    if path.name.lower().removesuffix(".gz").endswith(".csv"):
        table, fmt = _genomic_benchmarks_table(path, lines), "genomic_benchmarks"
    else:
        numbers, fields = _data_fields(lines)
        if not fields:
            raise InputError(f"regions file {path} has no intervals")
        fmt = _bed_format(path, fields[0])
        table = _bed_table(path, numbers, fields, fmt)
    _check_intervals(table, path)
    table.attrs["format"] = fmt
    log.info("%s: read %d regions (%s)", path, len(table), fmt)
    return table


def _read_lines(path: Path) -> list[str]:
    try:
        with open_bytes(path) as handle:
            text = handle.read().decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: byte {err.start + 1} is not UTF-8 text; is this a region file?") from None
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise InputError(f"{path}: cannot be read: {err}") from None
    return text.removeprefix("\ufeff").splitlines()


def _data_fields(lines: list[str]) -> tuple[list[int], list[list[str]]]:
    """1-based numbers and fields of the data lines (header, comment and blank lines skipped)."""
    numbers, fields = [], []
    for number, line in enumerate(lines, start=1):
        if line.strip() and not line.startswith(_HEADER_PREFIXES):
            numbers.append(number)
            fields.append(line.rstrip("\r").split("\t") if "\t" in line else line.split())
    return numbers, fields


def _bed_format(path: Path, first: list[str]) -> str:
    """narrowPeak / broadPeak by name, else by the first data line's shape (ENCODE names them .bed.gz)."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".narrowpeak"):
        return "narrowPeak"
    if name.endswith(".broadpeak"):
        return "broadPeak"
    numeric = all(_is_number(v) for v in first[6:])
    if len(first) == 10 and numeric:
        return "narrowPeak"
    return "broadPeak" if len(first) == 9 and numeric else "bed"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _bed_table(path: Path, numbers: list[int], fields: list[list[str]], fmt: str) -> pd.DataFrame:
    """Columns of a BED-like file as a region table; each line's fields checked in bulk."""
    wanted = {"narrowPeak": 10, "broadPeak": 9}.get(fmt, 3)
    counts = np.fromiter((len(f) for f in fields), dtype=np.int64, count=len(fields))
    short = counts < wanted
    if short.any():
        i = int(np.argmax(short))
        need = "chrom, start, end" if wanted == 3 else f"{wanted} fields ({fmt})"
        got = "\t".join(fields[i])
        raise InputError(f"{path} line {numbers[i]}: a BED line needs {need}; got {got!r}")
    width = max(min(int(counts.max()), 10), 3)
    padded = [f[:width] + [""] * (width - len(f)) for f in fields]
    raw = pd.DataFrame(padded, dtype=object)
    table = pd.DataFrame({"chrom": raw[0].astype(str)})
    table["start"], table["end"] = _integers(raw, (1, 2), path, numbers, "start and end")
    table["name"] = raw[3].replace(".", "") if width > 3 else ""
    table["score"] = _floats(raw, 4, path, numbers, "score") if width > 4 else np.nan
    table["strand"] = _strands(raw[5] if width > 5 else None, len(raw), path, numbers)
    table["summit"] = -1
    for column, name in zip(range(6, 10), PEAK_COLUMNS):
        if fmt != "bed" and column < width and name != "summit":
            table[name] = _floats(raw, column, path, numbers, name)
        elif name != "summit":
            table[name] = np.nan
    if fmt == "narrowPeak":
        (table["summit"],) = _integers(raw, (9,), path, numbers, "the summit offset (column 10)")
    return _finish(table, numbers, path)


def _finish(table: pd.DataFrame, numbers, path: Path) -> pd.DataFrame:
    table["line"] = np.asarray(numbers, dtype=np.int64)
    table["source"] = str(path)
    return table[list(COLUMNS) + ["line", "source"]]


def _integers(raw: pd.DataFrame, columns, path: Path, numbers, what: str) -> list[np.ndarray]:
    values = [pd.to_numeric(raw[c], errors="coerce") for c in columns]
    bad = np.logical_or.reduce([(v.isna() | (v != v.round())).to_numpy() for v in values])
    if bad.any():
        i = int(np.argmax(bad))
        shown = ", ".join(repr(raw[c].iloc[i]) for c in columns)
        raise InputError(f"{path} line {numbers[i]}: {what} must be integers, got {shown}")
    return [v.to_numpy(dtype=np.int64) for v in values]


def _floats(raw: pd.DataFrame, column: int, path: Path, numbers, what: str) -> np.ndarray:
    text = raw[column].replace({"": "nan", ".": "nan"})
    values = pd.to_numeric(text, errors="coerce")
    bad = (values.isna() & ~text.str.lower().eq("nan")).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{path} line {numbers[i]}: {what} must be a number, got {raw[column].iloc[i]!r}")
    return values.to_numpy(dtype=np.float64)


def _strands(column: pd.Series | None, n: int, path: Path, numbers) -> np.ndarray:
    if column is None:
        return np.full(n, ".", dtype=object)
    strands = column.replace("", ".").to_numpy(dtype=object)
    bad = ~np.isin(strands, ["+", "-", "."])
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{path} line {numbers[i]}: strand must be +, - or ., got {strands[i]!r}")
    return strands


def _genomic_benchmarks_table(path: Path, lines: list[str]) -> pd.DataFrame:
    """A GB coordinate table (``id,region,start,end,strand``; line 1 is the header)."""
    header = [h.strip() for h in lines[0].split(",")] if lines else []
    if header != list(GB_HEADER):
        raise InputError(
            f"{path} line 1: a Genomic Benchmarks coordinate table starts with the header {','.join(GB_HEADER)}"
        )
    try:
        raw = pd.read_csv(io.StringIO("\n".join(lines[1:])), header=None, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(f"{path}: cannot be read as a Genomic Benchmarks coordinate table: {err}") from None
    if raw.empty:
        raise InputError(f"regions file {path} has no intervals")
    if raw.shape[1] != len(GB_HEADER):
        raise InputError(f"{path}: rows have {raw.shape[1]} fields, the header {len(GB_HEADER)}")
    numbers = list(range(2, len(raw) + 2))
    table = pd.DataFrame({"chrom": raw[1].astype(str)})
    table["start"], table["end"] = _integers(raw, (2, 3), path, numbers, "start and end")
    table["name"], table["score"] = raw[0].astype(str), np.nan
    table["strand"] = _strands(raw[4], len(raw), path, numbers)
    table["summit"] = -1
    for name in ("signal_value", "p_value", "q_value"):
        table[name] = np.nan
    return _finish(table, numbers, path)


def _check_intervals(table: pd.DataFrame, path: Path) -> None:
    """end <= start, a negative start or a summit outside its peak: an error naming the line."""
    start, end, summit = (table[c].to_numpy() for c in ("start", "end", "summit"))
    checks = (
        ((start < 0) | (end <= start), "is outside {chrom} or empty: BED is 0-based half-open, so 0 <= start < end"),
        ((summit < -1) | (summit >= end - start), "has its summit (column 10) at offset {summit}, outside the peak"),
    )
    for bad, message in checks:
        if bad.any():
            row = table.iloc[int(np.argmax(bad))]
            raise InputError(
                f"{path} line {row['line']}: interval {row['chrom']}:{row['start']}-{row['end']} "
                + message.format(chrom=row["chrom"], summit=row["summit"])
            )


def place_regions(
    table: pd.DataFrame, chrom_sizes: Mapping[str, int], *, map_chroms: bool = False, strict: bool = False
) -> Placed:
    """Check regions against a genome: names in its convention, inside its chromosomes.

    A region on a chromosome the genome lacks, or running past its end, is dropped, counted (WARNING)
    and listed in ``Placed.dropped``: peak files routinely hold peaks on contigs that an analysis set
    leaves out (chrUn, chrEBV, alt haplotypes) and MACS2 peaks that run past chrM's end (ENCODE clips
    them with bedClip), so one such line should not stop a build. ``strict`` makes either an error
    naming the line instead (``scan --regions``, where every region asked for must be scanned).

    Parameters
    ----------
    table : pd.DataFrame
        From :func:`read_region_file`.
    chrom_sizes : mapping of str to int
        The genome's sequence names and lengths (bp).
    map_chroms : bool
        Translate ``chr1`` <-> ``1`` (and ``chrM`` <-> ``MT``); without it a file in the other naming
        convention is an error that says so.
    strict : bool
        A dropped region is an InputError instead.

    Raises
    ------
    InputError
        The naming mix-up (without ``map_chroms``), or under ``strict`` the first region outside the genome.
    """
    source = str(table["source"].iloc[0]) if len(table) else "regions"
    mapping = chrom_mapping(table["chrom"], chrom_sizes, map_chroms, what=source)
    chrom = table["chrom"].map(mapping)
    size = chrom.map(chrom_sizes).to_numpy(dtype=np.float64)  # NaN where the genome lacks it
    reason = np.where(chrom.isna(), DROP_REASONS[0], np.where(table["end"] > size, DROP_REASONS[1], ""))
    if strict and (reason != "").any():
        _raise_outside(table.iloc[int(np.argmax(reason != ""))], chrom_sizes)
    placed = table.assign(chrom=chrom.fillna(table["chrom"]))
    dropped = placed[reason != ""].assign(reason=reason[reason != ""])
    if len(dropped):
        counts = dropped["reason"].value_counts().to_dict()
        log.warning(
            "%s: dropped %d of %d regions outside the genome %s (e.g. line %d)",
            source,
            len(dropped),
            len(table),
            counts,
            dropped["line"].iloc[0],
        )
    return Placed(placed[reason == ""].reset_index(drop=True), dropped.reset_index(drop=True))


def _raise_outside(row: pd.Series, chrom_sizes: Mapping[str, int]) -> None:
    where = f"{row['source']} line {row['line']}"
    chrom = row["chrom"] if row["chrom"] in chrom_sizes else chrom_alias(row["chrom"])
    if chrom not in chrom_sizes:
        known = ", ".join(list(chrom_sizes)[:5]) + (", ..." if len(chrom_sizes) > 5 else "")
        raise InputError(f"{where}: chromosome {row['chrom']!r} is not in the genome (it has {known})")
    raise InputError(
        f"{where}: interval {row['chrom']}:{row['start']}-{row['end']} is outside {chrom} (0-{chrom_sizes[chrom]}) "
        "or empty; BED is 0-based half-open, so 0 <= start < end <= chromosome length"
    )


def to_regions(table: pd.DataFrame) -> list[Region]:
    """The ``chrom, start, end`` of a region table as :class:`Region` tuples, in table order."""
    return [Region(c, int(s), int(e)) for c, s, e in zip(table["chrom"], table["start"], table["end"])]


def merge_regions(regions: list[Region]) -> list[Region]:
    """Sort by (chrom, start) and merge overlapping or book-ended regions (as ``bedtools merge``)."""
    merged: list[Region] = []
    for region in sorted(regions):
        if merged and merged[-1].chrom == region.chrom and region.start <= merged[-1].end:
            last = merged.pop()
            region = Region(last.chrom, last.start, max(last.end, region.end))
        merged.append(region)
    if len(merged) < len(regions):
        log.info("merged %d overlapping BED intervals into %d regions", len(regions), len(merged))
    return merged
