"""Checks on input files and sequence tables: readable files, DNA alphabet (RNA U read as T), lengths, ids."""

from __future__ import annotations

import gzip
import logging
import re
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import pandas as pd

from enhancerlm.errors import InputError

log = logging.getLogger(__name__)

IUPAC_CODES = "RYSWKMBDHV"  # two- to three-base ambiguity codes; N is kept as it is
# U: RNA input (e.g. sequences exported from an RNA database) is read as the DNA it stands for.
_ALLOWED = "ACGTN" + IUPAC_CODES + "U"
# The same character classes for Python's `re` and for pandas' vectorised `.str` methods (Arrow's RE2).
_BAD_PATTERN = f"[^{_ALLOWED}{_ALLOWED.lower()}]"
_BAD = re.compile(_BAD_PATTERN)
_IUPAC = re.compile(f"[{IUPAC_CODES}]")

# byte -> cleaned byte (upper case, IUPAC codes -> N, U -> T); byte -> is lower case / IUPAC code / U.
_CLEAN_BYTES = bytes.maketrans(
    (_ALLOWED + _ALLOWED.lower()).encode(), ("ACGTN" + "N" * len(IUPAC_CODES) + "T").encode() * 2
)
_IS_LOWER = np.zeros(256, dtype=bool)
_IS_LOWER[ord("a") : ord("z") + 1] = True
_IS_IUPAC = np.zeros(256, dtype=bool)
_IS_IUPAC[list((IUPAC_CODES + IUPAC_CODES.lower()).encode())] = True
_IS_URACIL = np.zeros(256, dtype=bool)
_IS_URACIL[list(b"Uu")] = True
_SHORT_EXAMPLES = 3  # records named in a short-record warning

# Editors on Windows write a byte-order mark before the first line; it is not part of the text.
UTF8_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"
# Other compressions we recognise only to say so clearly (gzip/bgzip is the one genomics tools share).
_OTHER_MAGIC = {b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd", b"PK\x03\x04": "zip"}


# --- files -------------------------------------------------------------------------------------


def require_file(path: str | Path) -> Path:
    """Return ``path`` as a Path if it is an existing regular file, else raise InputError naming it."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a file")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: is not a regular file")
    return path


def is_gzip(path: str | Path) -> bool:
    """True if the file starts with the gzip magic bytes (whatever its extension says)."""
    return _read_magic(require_file(path)).startswith(_GZIP_MAGIC)


def open_bytes(path: str | Path) -> BinaryIO:
    """Open a file for binary reading, decompressing gzip (detected by magic bytes, not extension).

    Raises
    ------
    InputError
        The file is missing, a folder, unreadable, or compressed with something other than gzip.
    """
    path = require_file(path)
    magic = _read_magic(path)
    for signature, name in _OTHER_MAGIC.items():
        if magic.startswith(signature):
            raise InputError(f"{path}: is {name}-compressed; only gzip is read, decompress it first")
    try:
        return cast(BinaryIO, gzip.open(path, "rb") if magic.startswith(_GZIP_MAGIC) else open(path, "rb"))
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or err})") from None


def _read_magic(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(6)
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or err})") from None


class TextNotes:
    """What the readers of one text file skipped: a UTF-8 byte-order mark, Windows and old Mac line ends.

    Both are read right (the FASTA reader and pandas strip them); counted here so that the log says so,
    one INFO line per file.
    """

    def __init__(self):
        self.bom = 0  # byte-order marks (a folder of one-sequence files may have one per file)
        self.crlf = 0  # "\r\n" line ends (Windows)
        self.cr = 0  # lone "\r" line ends (classic Mac OS)

    def add_bytes(self, data: bytes) -> None:
        """Count the line ends of ``data``, a line or a block of the file (a block may end inside "\r\n")."""
        crlf = data.count(b"\r\n")
        self.crlf += crlf
        self.cr += data.count(b"\r") - crlf

    def log(self, path: str | Path) -> None:
        marks = "a UTF-8 byte-order mark" if self.bom == 1 else f"{self.bom} UTF-8 byte-order marks"
        found = [f"skipped {marks}"] if self.bom else []
        for n, kind in ((self.crlf, "Windows (\\r\\n)"), (self.cr, "old Mac (\\r)")):
            if n:
                found.append(f"read {n} {kind} line ends")
        if found:
            log.info("%s: %s", path, "; ".join(found))


class CountingReader:
    """A binary file handle whose ``read`` counts line ends into a :class:`TextNotes` (for pandas' reader)."""

    def __init__(self, handle: BinaryIO, notes: TextNotes):
        self.handle, self.notes, self._last = handle, notes, b""

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        if self._last == b"\r" and data[:1] == b"\n":  # a "\r\n" split between two reads
            self.notes.cr, self.notes.crlf = self.notes.cr - 1, self.notes.crlf + 1
        self.notes.add_bytes(data)
        self._last = data[-1:] or self._last
        return data


def decode_text(data: bytes, where: str) -> str:
    """Decode UTF-8 bytes; NUL bytes or invalid UTF-8 mean a binary file: InputError naming ``where``."""
    if b"\x00" in data:
        raise InputError(f"{where}: contains NUL bytes; this looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{where}: byte {err.start + 1} is not valid UTF-8 text; is this a binary file?") from None


# --- sequences ---------------------------------------------------------------------------------


def _bad_character_error(seq: str, record_id: str, source: str) -> InputError | None:
    match = _BAD.search(seq)
    if match is None:
        return None
    return InputError(
        f"{source}: record '{record_id}' position {match.start() + 1} (1-based): character "
        f"{match.group()!r} is not a nucleotide (expected A, C, G, T, N, an IUPAC code {IUPAC_CODES}, or U "
        "read as T)"
    )


def clean_sequence(seq: str, record_id: str, source: str) -> tuple[str, int, bool]:
    """Validate one sequence and return it upper case over ``ACGTN``.

    Parameters
    ----------
    seq : str
        The sequence, any case; IUPAC ambiguity codes and RNA ``U`` allowed.
    record_id, source : str
        Used in error messages only.

    Returns
    -------
    clean_seq : str
        Upper case, IUPAC codes replaced by ``N``, ``U`` by ``T``; same length as ``seq`` (bp).
    n_iupac : int
        How many IUPAC codes were replaced.
    had_lower : bool
        Whether ``seq`` contained lower-case (soft-masked) bases.
    """
    if not seq:
        raise InputError(f"{source}: record '{record_id}' is empty (0 bp)")
    error = _bad_character_error(seq, record_id, source)
    if error is not None:
        raise error
    upper = seq.upper()  # only ASCII letters remain, so upper-casing keeps the length
    clean, n_iupac = _IUPAC.subn("N", upper)
    return clean.replace("U", "T"), n_iupac, upper != seq


class ValidationNotes:
    """What validation changed or noticed, summed over tables and logged once.

    ``validate_table`` logs its own notes unless given an instance, so a stream of chunks (or the
    files of one split) can report one line per kind instead of one per chunk: soft-masked bases
    (INFO), IUPAC codes, RNA ``U`` bases, short records kept and short records dropped (WARNING).
    """

    _BASE_MESSAGES = (
        ("masked", logging.INFO, "upper-cased {n} soft-masked bases in {m} of {total} records"),
        (
            "iupac",
            logging.WARNING,
            "replaced {n} IUPAC ambiguity codes (" + IUPAC_CODES + ") with N in {m} of {total} records",
        ),
        ("uracil", logging.WARNING, "read {n} RNA bases U as T in {m} of {total} records"),
    )

    def __init__(self):
        self.n_records = 0
        self.bases = {kind: [0, 0] for kind, _, _ in self._BASE_MESSAGES}  # kind -> [bases, records]
        self.short = {"kept": [0, []], "dropped": [0, []]}  # -> [records, first examples]
        self.warn_below: int | None = None
        self.min_length: int | None = None
        self._sources: dict[str, None] = {}  # insertion-ordered set

    @property
    def n_short_kept(self) -> int:
        """Records shorter than ``warn_below`` that were kept."""
        return self.short["kept"][0]

    @property
    def n_dropped(self) -> int:
        """Records shorter than ``min_length`` that were dropped."""
        return self.short["dropped"][0]

    def add_sources(self, table: pd.DataFrame) -> None:
        self._sources.update(dict.fromkeys(str(s) for s in pd.unique(table["source"])))

    def add_short(self, kind: str, table: pd.DataFrame, short: np.ndarray) -> None:
        entry = self.short[kind]
        entry[0] += int(short.sum())
        room = _SHORT_EXAMPLES - len(entry[1])
        if room > 0 and short.any():
            rows = table[short].head(room)
            entry[1] += [f"'{i}' {len(seq)} bp" for i, seq in zip(rows["id"], rows["sequence"])]

    def log(self) -> None:
        """Log one line per kind that occurred, naming the sources."""
        where = ", ".join(self._sources) or "input"
        for kind, level, message in self._BASE_MESSAGES:
            n, m = self.bases[kind]
            if n:
                log.log(level, "%s: %s", where, message.format(n=n, m=m, total=self.n_records))
        k, n_kept = self.warn_below, self.n_short_kept
        if n_kept:
            log.warning(
                "%s: kept %d record(s) shorter than %d bp (the model's k)%s: they have no %d-mer and are "
                "scored on [CLS] [SEP] alone by a transformer (as DNABERT's tokenizer sees them), on no "
                "feature by a k-mer baseline; pass min_length (--min-length) to drop them instead",
                where,
                n_kept,
                k,
                self._examples("kept"),
                k,
            )
        if self.n_dropped:
            log.warning(
                "%s: dropped %d record(s) shorter than %d bp (min_length)%s",
                where,
                self.n_dropped,
                self.min_length,
                self._examples("dropped"),
            )

    def _examples(self, kind: str) -> str:
        n, examples = self.short[kind]
        return f" (e.g. {'; '.join(examples)}{', ...' if n > len(examples) else ''})"


def validate_table(
    table: pd.DataFrame,
    *,
    min_length: int | None = None,
    warn_below: int | None = None,
    first_record: int = 1,
    notes: ValidationNotes | None = None,
) -> pd.DataFrame:
    """Check a canonical table and return a cleaned copy (upper case, IUPAC codes -> ``N``, ``U`` -> ``T``).

    Vectorised over the whole table (Arrow-backed pandas string methods, one byte translation),
    so 150k records of 200 bp take well under a second; Python only looks at the first
    offending record, to name it. Ids are not required to be unique here (``sequences.ids`` renames
    repeats). Nothing is dropped silently: soft-masked bases are counted at INFO; IUPAC codes, RNA
    ``U`` bases, short records kept and short records dropped at WARNING, one line each.

    Parameters
    ----------
    table : pd.DataFrame
        Canonical columns (id, sequence, label, split, source, ...); messages name each row's ``source``.
    min_length : int, optional
        Drop records shorter than this many bp (counted and named in a WARNING). None keeps every
        non-empty record.
    warn_below : int, optional
        Keep records shorter than this many bp but count them in a WARNING (callers pass the
        model's k: such a record has no k-mer and is scored on ``[CLS] [SEP]`` alone, as DNABERT's
        tokenizer sees it).
    first_record : int
        Number of the table's first row in messages (1-based; a later chunk of a stream starts later).
    notes : ValidationNotes, optional
        Add the counts to ``notes`` (the caller logs them once) instead of logging them now.

    Returns
    -------
    pd.DataFrame
        The kept rows in input order, index reset, sequences upper case over ``ACGTN``.

    Raises
    ------
    InputError
        An empty id, an empty (0 bp) record, or a character that is not a nucleotide (message names
        source, record and 1-based position).
    """
    table = table.reset_index(drop=True)
    seqs = table["sequence"].astype(str)
    _check_ids(table, first_record)
    lengths = seqs.str.len().to_numpy()
    _raise_first(table, lengths == 0, lambda row: f"record '{row['id']}' is empty (0 bp)")
    bad = seqs.str.contains(_BAD_PATTERN, regex=True).to_numpy(dtype=bool)
    if bad.any():
        row = table.iloc[int(np.argmax(bad))]
        error = _bad_character_error(str(row["sequence"]), row["id"], row["source"])
        assert error is not None  # _BAD is _BAD_PATTERN, which matched this row
        raise error
    own_notes = notes is None
    notes = ValidationNotes() if notes is None else notes
    notes.add_sources(table)
    table = table.copy()
    table["sequence"] = _upper_and_replace_iupac(seqs, notes)
    if min_length is not None:
        notes.min_length = min_length
        short = lengths < min_length
        notes.add_short("dropped", table, short)
        table, lengths = table[~short].reset_index(drop=True), lengths[~short]
    if warn_below is not None:
        notes.warn_below = warn_below
        notes.add_short("kept", table, lengths < warn_below)
    if own_notes:
        notes.log()
    return table


def _raise_first(table: pd.DataFrame, mask: np.ndarray, message) -> None:
    if mask.any():
        row = table.iloc[int(np.argmax(mask))]
        raise InputError(f"{row['source']}: {message(row)}")


def _check_ids(table: pd.DataFrame, first_record: int) -> None:
    ids = table["id"].astype(str)
    empty = (ids.str.len() == 0).to_numpy()
    if empty.any():
        i = int(np.argmax(empty))
        raise InputError(f"{table['source'].iloc[i]}: record number {i + first_record} has an empty id")


def _upper_and_replace_iupac(seqs: pd.Series, notes: ValidationNotes) -> pd.Series:
    # All sequences are non-empty ASCII by now, so one byte is one base: join them, translate the bytes
    # in one C pass and count with numpy, instead of a regex per record (3-10x slower on Arrow).
    lengths = seqs.str.len().to_numpy()
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    joined = "".join(seqs.tolist()).encode("ascii")
    codes = np.frombuffer(joined, dtype=np.uint8)
    notes.n_records += len(lengths)
    for kind, hits in (("masked", _IS_LOWER), ("iupac", _IS_IUPAC), ("uracil", _IS_URACIL)):
        _count(hits[codes], starts, notes.bases[kind])
    text = joined.translate(_CLEAN_BYTES).decode("ascii")
    return pd.Series(
        [text[a : a + n] for a, n in zip(starts.tolist(), lengths.tolist())], index=seqs.index, dtype=seqs.dtype
    )


def _count(hits: np.ndarray, starts: np.ndarray, total: list[int]) -> None:
    """Add the hit bytes and the records with a hit to ``total`` ([bases, records]); ``starts``: record offsets."""
    n = int(hits.sum())
    if n:
        total[0] += n
        total[1] += int(np.logical_or.reduceat(hits, starts).sum())
