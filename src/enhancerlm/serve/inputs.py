"""A request's pasted text and uploaded files -> one validated table, read by the CLI's own readers.

The readers take paths, so the bytes of the request body are written to files the server names in
a fresh temporary folder, read there, and deleted. A name sent by the client is only used for its
extension (which tells a CSV from a TSV) and to name the input in messages; it is never opened.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import zlib
from pathlib import Path
from typing import NamedTuple, Sequence

import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.fasta import fasta_text
from enhancerlm.sequences.spec import FASTA_SUFFIXES, read_specs
from enhancerlm.sequences.tables import DELIMITERS
from enhancerlm.serve.limits import LimitError, ServeLimits

PASTED = "pasted sequences"
_SUFFIXES = tuple(FASTA_SUFFIXES) + tuple(DELIMITERS)
_MAX_NAME = 100
GZIP_MAGIC = b"\x1f\x8b"


class Upload(NamedTuple):
    """One uploaded file: the name the browser gave (display only) and its bytes."""

    filename: str
    data: bytes


class RequestInputs(NamedTuple):
    """What a request asked to score.

    Attributes
    ----------
    table : pandas.DataFrame
        Canonical table (id, sequence, ..., source = the pasted text or the file's name), input order.
    notes : list of str
        The readers' warnings (IUPAC codes replaced, ids renamed, records shorter than k), for the page.
    """

    table: pd.DataFrame
    notes: list[str]


def pasted_fasta(text: str) -> str:
    """Pasted text as FASTA: FASTA as it is; otherwise one raw sequence per non-empty line, named ``seq_N``."""
    if text.lstrip().startswith(">"):
        return text
    seqs = [line.strip() for line in text.splitlines() if line.strip()]
    return fasta_text([f"seq_{i + 1}" for i in range(len(seqs))], seqs)


def pasted_places(text: str) -> dict[str, str]:
    """Where each record of the pasted text is, in the user's words, keyed by the id the reader gives it.

    Raw lines: ``seq_N`` -> ``line 7 ('ACGTTGCA...')``, the name ``seq_N`` being ours, not the user's.
    FASTA: the header's first word -> ``record 'enh1' (header on line 3)``.

    Raises
    ------
    InputError
        Raw sequences before a '>' header: FASTA and raw lines mixed, which neither reading fits.
    """
    lines = text.splitlines()
    numbered = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    if text.lstrip().startswith(">"):
        headers = [(n, line[1:].split()) for n, line in numbered if line.startswith(">")]
        return {words[0]: f"record '{words[0]}' (header on line {n})" for n, words in reversed(headers) if words}
    if (header := next((n for n, line in numbered if line.startswith(">")), None)) is not None:
        raise InputError(
            f"{PASTED}: line {numbered[0][0]} is a sequence without a '>' header, line {header} a header: paste "
            "FASTA (every record under its '>' line) or raw sequences one per line, not both"
        )
    return {f"seq_{i + 1}": f"line {n} ('{_start(line)}')" for i, (n, line) in enumerate(numbered)}


def _start(line: str, n: int = 20) -> str:
    return line if len(line) <= n else line[:n] + "..."


def display_name(filename: str) -> str:
    """The last component of a client-side file name, for messages only (never a server path)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:_MAX_NAME] or "uploaded file"


def _suffix(filename: str) -> str:
    """The known extension of an upload (``.csv``, ``.fa.gz``, ...), or "" to let the reader sniff FASTA."""
    name = filename.lower()
    gz = ".gz" if name.endswith(".gz") else ""
    stem = name.removesuffix(".gz")
    return next((s + gz for s in _SUFFIXES if stem.endswith(s)), gz)


def read_request(
    pasted: str, uploads: Sequence[Upload], limits: ServeLimits, warn_below: int | None = None
) -> RequestInputs:
    """Read and validate everything a request sent, then apply the sequence and bp limits.

    Raises
    ------
    InputError
        The readers' message (file names as the user knows them), or nothing was sent.
    LimitError
        Too many sequences or bases.
    """
    with tempfile.TemporaryDirectory(prefix="enhancerlm-serve-") as folder:
        names: dict[str, str] = {}
        places: dict[str, str] = {}
        if pasted.strip():
            places = pasted_places(pasted)
            path = Path(folder) / "pasted.fa"
            path.write_text(pasted_fasta(pasted), encoding="utf-8")
            names[str(path)] = PASTED
        for i, upload in enumerate(uploads):
            # Decompressed here, within a bound: a few MB of gzip can hold gigabytes of text.
            data = _gunzip(upload, _text_bytes(limits)) if upload.data[:2] == GZIP_MAGIC else upload.data
            path = Path(folder) / f"upload-{i}{_suffix(upload.filename).removesuffix('.gz')}"
            path.write_bytes(data)
            names[str(path)] = display_name(upload.filename)
        if not names:
            raise InputError("nothing to score: paste sequences or choose a FASTA/CSV/TSV file")
        with _NotesOfThisThread() as notes:
            try:
                table = read_specs(list(names), label_column=None, warn_below=warn_below)
            except InputError as err:
                # a page has no flags: the fix is said without one
                raise InputError(_in_paste(_with_names(err.with_fix(None), names), places)) from None
    table = table.assign(source=table["source"].map(lambda s: names.get(s, s)))
    limits.check_counts(len(table), int(table["sequence"].str.len().sum()))
    return RequestInputs(table, [_with_names(n, names) for n in notes])


def _text_bytes(limits: ServeLimits) -> int:
    """Most bytes of text a request's sequences can need: every base twice (a table's other columns,
    FASTA line breaks and headers), plus the request size."""
    return 2 * limits.max_total_bp + limits.max_request_bytes


def _gunzip(upload: Upload, max_bytes: int) -> bytes:
    """The decompressed bytes of a gzip (or BGZF: several members) upload, at most ``max_bytes``."""
    out, data, size = [], upload.data, 0
    try:
        while data[:2] == GZIP_MAGIC:
            inflate = zlib.decompressobj(wbits=31)
            out.append(inflate.decompress(data, max_bytes + 1 - size))
            size += len(out[-1])
            if size > max_bytes or inflate.unconsumed_tail:
                raise LimitError(
                    f"{display_name(upload.filename)}: decompresses to more than {max_bytes / 1e6:.0f} MB, more "
                    "text than this server's --max-total-bp allows; send less"
                )
            if not inflate.eof:
                raise InputError(f"{display_name(upload.filename)}: the gzip data end early (a truncated upload?)")
            data = inflate.unused_data
    except zlib.error as err:
        raise InputError(f"{display_name(upload.filename)}: not a readable gzip file ({err})") from None
    return b"".join(out)


def _in_paste(message: str, places: dict[str, str]) -> str:
    """A reader's message about the pasted text, its record named as the user knows it (line, header)."""
    found = re.match(rf"{PASTED}: record '([^']*)'", message)
    if found is None or found.group(1) not in places:
        return message
    rest = message[found.end() :]
    return f"{PASTED}: {places[found.group(1)]}" + ("," if rest.startswith(" position") else "") + rest


def _with_names(message: str, names: dict[str, str]) -> str:
    # Longest first: "upload-1.csv" must not be replaced inside "upload-10.csv".
    for path in sorted(names, key=len, reverse=True):
        message = message.replace(path, names[path])
    return message


class _NotesOfThisThread(logging.Handler):
    """Collects the WARNINGs the readers log on this thread (requests are read on several threads at once)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())

    def __enter__(self) -> list[str]:
        logging.getLogger("enhancerlm").addHandler(self)
        return self.messages

    def __exit__(self, *exc) -> None:
        logging.getLogger("enhancerlm").removeHandler(self)
