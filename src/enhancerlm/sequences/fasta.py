"""Streaming FASTA reader: plain or gzip, wrapped or not, any line ending, a UTF-8 BOM; soft-masking upper-cased."""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, NamedTuple

from enhancerlm.errors import InputError
from enhancerlm.sequences.validate import UTF8_BOM, TextNotes, decode_text, open_bytes, require_file

log = logging.getLogger(__name__)

_LOWER = bytes(range(ord("a"), ord("z") + 1))


class FastaRecord(NamedTuple):
    """One FASTA record.

    Attributes
    ----------
    id : str
        First word of the header.
    sequence : str
        Upper case; ``""`` for a header with no sequence lines.
    description : str
        The whole header line without '>', surrounding whitespace trimmed (``id`` is its first word).
    """

    id: str
    sequence: str
    description: str


@dataclass
class _MaskCount:
    """Soft-masking statistics of one file, logged once when the file is done."""

    n_records: int = 0
    n_masked_records: int = 0
    n_masked_bases: int = 0
    current_masked: bool = False

    def upper(self, line: bytes) -> bytes:
        if line.isupper():  # fast path: bytes.isupper() is True when no letter is lower case
            return line
        n_lower = len(line) - len(line.translate(None, _LOWER))
        if not n_lower:
            return line
        self.n_masked_bases += n_lower
        self.current_masked = True
        return line.upper()

    def end_record(self) -> None:
        self.n_records += 1
        self.n_masked_records += self.current_masked
        self.current_masked = False

    def log(self, path: Path) -> None:
        if self.n_masked_records:
            log.info(
                "%s: upper-cased %d soft-masked (lower-case) bases in %d of %d records",
                path,
                self.n_masked_bases,
                self.n_masked_records,
                self.n_records,
            )


# Hand-written rather than Bio.SeqIO's SimpleFastaParser: we want line-numbered errors for malformed
# files, binary detection, soft-mask counts taken on bytes and gzip found by content; over bytes the
# loop is as short and as fast.
def fasta_text(ids: Iterable[str], seqs: Iterable[str]) -> str:
    """FASTA text, one line per sequence: the inverse of ``iter_fasta`` for ids without spaces."""
    return "".join(f">{i}\n{s}\n" for i, s in zip(ids, seqs))


def iter_fasta(path: str | Path) -> Iterator[tuple[str, str]]:
    """Yield ``(id, sequence)`` for each record of a FASTA file, one record in memory at a time.

    The id is the first word of the header; :func:`iter_fasta_records` also gives the whole header.
    File handling as in :func:`iter_fasta_records`.

    Yields
    ------
    record_id : str
    sequence : str
        Upper case; ``""`` for a header with no sequence lines.
    """
    for record in iter_fasta_records(path):
        yield record.id, record.sequence


def iter_fasta_records(path: str | Path) -> Iterator[FastaRecord]:
    """Yield a :class:`FastaRecord` (id, sequence, description) per record, one record in memory at a time.

    The id is the first word of the header, the description the whole header. Ids are passed on as
    published: a repeated id is not an error here (``sequences.ids`` makes ids unique). Lines may be
    wrapped at any width, end in ``\\n``, ``\\r\\n`` or ``\\r``, and be separated by blank lines; a UTF-8
    byte-order mark before the first '>' is skipped. The file may be gzip- or bgzip-compressed
    (detected from its first bytes, not its name). Lower-case (soft-masked) bases are upper-cased
    and counted, as are the BOM and the ``\\r\\n``/``\\r`` line ends; the counts are logged at INFO once
    per file. The alphabet is not checked here
    (``validate.validate_table`` does that, naming record and position).

    Parameters
    ----------
    path : str or Path
        The FASTA file.

    Yields
    ------
    FastaRecord
        ``(id, sequence, description)``; the sequence is upper case, ``""`` for a header with no
        sequence lines.

    Raises
    ------
    InputError
        Missing/unreadable/binary file, sequence data before the first header, a header with no id.
    """
    path = require_file(path)
    masks, text = _MaskCount(), TextNotes()
    header: tuple[str, str] | None = None
    chunks: list[bytes] = []
    with open_bytes(path) as handle:
        for line_no, line in _lines(handle, path, text):
            if line.startswith(b">"):
                if header is not None:
                    yield FastaRecord(header[0], _sequence(chunks, header[0], path), header[1])
                    masks.end_record()
                header, chunks = _header(line, path, line_no), []
            elif line:
                if header is None:
                    raise InputError(
                        f"{path}: line {line_no}: sequence data before the first '>' header; is this a FASTA file?"
                    )
                chunks.append(masks.upper(line))
    if header is not None:
        yield FastaRecord(header[0], _sequence(chunks, header[0], path), header[1])
        masks.end_record()
    masks.log(path)
    text.log(path)


def _lines(handle: BinaryIO, path: Path, text: TextNotes) -> Iterator[tuple[int, bytes]]:
    """Stripped lines with 1-based line numbers, BOM and line ends counted in ``text``; decompression errors
    become InputError."""
    line_no = 0
    try:
        for raw in handle:
            if line_no == 0 and raw.startswith(UTF8_BOM):
                raw, text.bom = raw[len(UTF8_BOM) :], 1
            if b"\r" in raw:
                text.add_bytes(raw)
            raw = raw.strip()
            # Classic Mac line endings (a lone \r) arrive as one long "line".
            for line in raw.split(b"\r") if b"\r" in raw else (raw,):
                line_no += 1
                yield line_no, line.strip()
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"{path}: cannot be read after line {line_no}: {err}") from None


def _header(line: bytes, path: Path, line_no: int) -> tuple[str, str]:
    """(id, description) of a header line: its first word, and the whole line without '>'."""
    # Split the bytes, not the text: only ASCII whitespace ends an id, as it always has here.
    words = line[1:].split(maxsplit=1)
    if not words:
        raise InputError(f"{path}: line {line_no}: header '>' has no id")
    where = f"{path}: line {line_no}: header"
    return decode_text(words[0], where), decode_text(line[1:].strip(), where)


def _sequence(chunks: list[bytes], record_id: str, path: Path) -> str:
    return decode_text(b"".join(chunks), f"{path}: record '{record_id}'")
