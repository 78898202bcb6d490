"""CSV/TSV sequence tables (optionally gzip): a sequence column, a label column, an optional id column."""

from __future__ import annotations

import logging
import warnings
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple

import numpy as np
import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import empty_table, make_table
from enhancerlm.sequences.validate import UTF8_BOM, CountingReader, TextNotes, open_bytes, require_file

log = logging.getLogger(__name__)

DELIMITERS = {".csv": ",", ".tsv": "\t", ".txt": "\t", ".tab": "\t"}
# Spellings of the sequence column in public data sets (Genomic Benchmarks on the hub use "seq");
# tried only when the caller kept the default name "sequence".
SEQUENCE_ALIASES = ("sequence", "seq", "Sequence", "sequences", "SEQ")
_DELIMITER_NAMES = {",": "commas", "\t": "tabs", ";": "semicolons", "|": "vertical bars"}
_INTERVAL_COLUMNS = ({"region", "start", "end"}, {"chrom", "start", "end"}, {"chr", "start", "end"})


class Columns(NamedTuple):
    """Names of the table columns to read; ``label=None`` (or "") never reads labels."""

    sequence: str = "sequence"
    label: str | None = "label"
    id: str = "id"


def table_delimiter(path: str | Path) -> str:
    """The field delimiter from the extension: ``.csv`` comma, ``.tsv``/``.txt`` tab (``.gz`` ignored)."""
    suffix = _table_suffix(Path(path))
    if suffix not in DELIMITERS:
        raise InputError(f"{path}: unknown table extension {suffix!r}; expected one of {sorted(DELIMITERS)}")
    return DELIMITERS[suffix]


def _table_suffix(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    return Path(name).suffix


def table_stem(path: str | Path) -> str:
    """File name without ``.gz`` and the table extension: ``enh.csv.gz`` -> ``enh``."""
    name = Path(path).name
    name = name[:-3] if name.lower().endswith(".gz") else name
    return Path(name).stem


def read_table(
    path: str | Path,
    *,
    columns: Columns = Columns(),
    label: str | None = None,
    split: str = "",
    require_labels: bool = False,
    id_prefix: str | None = None,
) -> pd.DataFrame:
    """Read a whole CSV/TSV table into the canonical table (not yet validated).

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.tsv`` or ``.txt`` (tab), optionally gzip-compressed (detected from the bytes).
    columns : Columns
        Column names. With no id column, ids are ``<file stem>_<row number>`` (1-based data rows).
    label : str, optional
        Give every record this label (``PATH:LABEL``); the label column is then not read.
    split : str
        Value of the ``split`` column.
    require_labels : bool
        If True, a missing label column is an error; otherwise the records are unlabelled (label "").
    id_prefix : str, optional
        Prepended to every id; without an id column ids are then ``<id_prefix><row number>``.

    Raises
    ------
    InputError
        Unreadable or malformed file, or a missing column (message lists the columns that exist).
    """
    chunks = list(
        iter_table(
            path, None, columns=columns, label=label, split=split, require_labels=require_labels, id_prefix=id_prefix
        )
    )
    return pd.concat(chunks, ignore_index=True) if chunks else empty_table()


def iter_table(
    path: str | Path,
    chunk_size: int | None,
    *,
    columns: Columns = Columns(),
    label: str | None = None,
    split: str = "",
    require_labels: bool = False,
    id_prefix: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Like :func:`read_table`, in canonical tables of at most ``chunk_size`` rows (None: one table)."""
    path = require_file(path)
    sep, first_row = table_delimiter(path), 1
    row_prefix = f"{table_stem(path)}_" if id_prefix is None else ""
    for frame in _csv_frames(path, sep, chunk_size):
        yield frame_to_table(
            frame,
            source=str(path),
            split=split,
            columns=columns,
            label=label,
            require_labels=require_labels,
            id_prefix=id_prefix or "",
            row_prefix=row_prefix,
            first_row=first_row,
        )
        first_row += len(frame)


def _csv_frames(path: Path, sep: str, chunk_size: int | None) -> Iterator[pd.DataFrame]:
    text = TextNotes()
    with open_bytes(path) as handle:
        _reject_binary(handle, path)
        sep = _header_delimiter(handle, path, sep, text)
        try:
            # index_col=False: a row with more fields than the header is an error, not an index.
            with pd.read_csv(
                CountingReader(handle, text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                index_col=False,
                encoding="utf-8",
                chunksize=chunk_size or 1_000_000_000,
            ) as reader:
                while (frame := _next_frame(reader)) is not None:
                    # pandas drops a UTF-8 byte-order mark before the header; make sure no engine keeps it.
                    yield frame.rename(columns=lambda c: c.removeprefix("\ufeff") if isinstance(c, str) else c)
        except pd.errors.EmptyDataError:
            raise InputError(f"{path}: is empty (no header line)") from None
        except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError, OSError, EOFError, zlib.error) as err:
            # pandas reports malformed rows and bad UTF-8 as ParserError/ValueError subclasses.
            raise InputError(f"{path}: cannot be read as a {sep!r}-delimited table: {str(err).strip()}") from None
    text.log(path)


def _header_delimiter(handle: BinaryIO, path: Path, sep: str, text: TextNotes) -> str:
    """``sep``, unless the header line holds none of it and one other delimiter: then that one, with a warning.

    Spreadsheets in many locales save "CSV" with semicolons; read with commas, the header would be one
    column named 'id;sequence;label' and the message about it would name a missing column, not the cause.
    Also notes a UTF-8 byte-order mark in ``text`` (pandas skips it).
    """
    line = handle.readline(1 << 16)
    handle.seek(0)
    text.bom = int(line.startswith(UTF8_BOM))
    header = line.removeprefix(UTF8_BOM).decode("utf-8", errors="replace")
    others = [d for d in _DELIMITER_NAMES if d != sep and d in header]
    if sep in header or len(others) != 1:
        return sep
    names = _DELIMITER_NAMES[sep], _DELIMITER_NAMES[others[0]]
    log.warning("%s: its header line has no %s but %s: read as %s-separated", path, *names, names[1].rstrip("s"))
    return others[0]


def _next_frame(reader) -> pd.DataFrame | None:
    # pandas only warns (ParserWarning) when it drops the extra fields of a long row; make it an error.
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return next(reader, None)


def _reject_binary(handle: BinaryIO, path: Path) -> None:
    try:
        head = handle.read(1 << 16)
        handle.seek(0)
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"{path}: cannot be read: {err}") from None
    if b"\x00" in head:
        raise InputError(f"{path}: contains NUL bytes; this looks like a binary file, not a table")


def frame_to_table(
    frame: pd.DataFrame,
    *,
    source: str,
    split: str = "",
    columns: Columns = Columns(),
    label: str | None = None,
    require_labels: bool = False,
    id_prefix: str = "",
    row_prefix: str = "",
    first_row: int = 1,
) -> pd.DataFrame:
    """Turn any DataFrame (a CSV chunk, a hub dataset) into the canonical table (not yet validated).

    Ids are kept as they are (repeats included; ``sequences.ids`` makes them unique later) and
    ``description`` is the id as read, so a later renaming stays recoverable.

    Parameters
    ----------
    frame : pd.DataFrame
        The raw rows; cells are converted to ``str`` and stripped of surrounding whitespace.
    source : str
        File or hub id, for the ``source`` column and messages.
    id_prefix : str
        Prepended to every id.
    row_prefix, first_row : str, int
        Without an id column, row ``i`` (0-based in ``frame``) gets id
        ``f"{id_prefix}{row_prefix}{first_row + i}"``.
    Other parameters as in :func:`read_table`.
    """
    seq_column = _sequence_column(frame, columns.sequence, source)
    seqs = _text(frame[seq_column])
    if columns.id and columns.id in frame.columns:
        ids = [f"{id_prefix}{x}" if x else "" for x in _text(frame[columns.id])]  # "" fails validation
    else:
        ids = [f"{id_prefix}{row_prefix}{first_row + i}" for i in range(len(frame))]
    table = make_table(
        ids, seqs, _labels(frame, columns.label, label, require_labels, source), split=split, source=source
    )
    return _with_coordinates(table, frame, source, first_row)


def _with_coordinates(table: pd.DataFrame, frame: pd.DataFrame, source: str, first_row: int) -> pd.DataFrame:
    """Carry ``chrom, start, end[, strand]`` over when the table has them (e.g. ``data build``'s TSVs)."""
    if not {"chrom", "start", "end"} <= set(frame.columns):
        return table
    bounds = frame[["start", "end"]].apply(pd.to_numeric, errors="coerce")
    bad = bounds.isna().any(axis=1).to_numpy() | (bounds["start"] >= bounds["end"]).to_numpy()
    if bad.any():
        i = int(bad.argmax())
        raise InputError(
            f"{source}: data row {first_row + i}: start {frame['start'].iloc[i]!r} and end {frame['end'].iloc[i]!r} "
            "must be integers with start < end (0-based half-open, as BED)"
        )
    strand = frame["strand"].astype(str).to_numpy() if "strand" in frame.columns else "."
    return table.assign(
        chrom=frame["chrom"].astype(str).to_numpy(),
        start=bounds["start"].to_numpy(dtype=np.int64),
        end=bounds["end"].to_numpy(dtype=np.int64),
        strand=strand,
    )


def _text(column: pd.Series) -> list[str]:
    return column.fillna("").astype(str).str.strip().tolist()


def _labels(
    frame: pd.DataFrame, label_column: str | None, label: str | None, require_labels: bool, source: str
) -> list[str] | None:
    if label is not None:
        return [label] * len(frame)
    if label_column and label_column in frame.columns:
        return _text(frame[label_column])
    if require_labels:
        raise _missing_column(
            source, label_column or "", "label", frame.columns, hint=", or give every record one label with PATH:LABEL"
        )
    return None


def _sequence_column(frame: pd.DataFrame, name: str, source: str) -> str:
    if name in frame.columns:
        return name
    if name == Columns().sequence:
        for alias in SEQUENCE_ALIASES:
            if alias in frame.columns:
                log.info("%s: reading sequences from column '%s'", source, alias)
                return alias
    raise _missing_column(source, name, "sequence", frame.columns)


def _missing_column(source: str, name: str, role: str, present, hint: str = "") -> InputError:
    present = [str(c) for c in present]
    message = f"{source}: no {role} column '{name}'; the columns are {present}"
    if any(cols <= set(present) for cols in _INTERVAL_COLUMNS):
        message += (
            "; these look like genomic intervals, not sequences: fetch the sequences first "
            "(for Genomic Benchmarks: genomic_benchmarks.loc2seq.download_dataset), or give the table itself "
            "as the input with --genome FASTA, which cuts them from the genome"
        )
    # --sequence-column exists for `run` only: other commands are told to rename the column instead
    default = getattr(Columns(), role)
    return InputError(
        message,
        setting=f"{role}_column",
        fix=f"name the {role} column with {{setting}}{hint}",
        otherwise=f"name the {role} column '{default}'{hint}",
    )
