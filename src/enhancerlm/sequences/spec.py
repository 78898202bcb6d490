"""Input SPECs (``PATH``, ``PATH:LABEL``, ``hf:OWNER/NAME``): parse, read, validate, concatenate, stream."""

from __future__ import annotations

import itertools
import zlib
from pathlib import Path
from typing import Iterator, NamedTuple

import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.fasta import iter_fasta
from enhancerlm.sequences.genomic_benchmarks import read_genomic_benchmark
from enhancerlm.sequences.hub import read_hub_dataset
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.sequences.tables import DELIMITERS, Columns, iter_table
from enhancerlm.sequences.validate import open_bytes, validate_table

KINDS = ("fasta", "table", "genomic_benchmarks", "hub")
HUB_PREFIX = "hf:"
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas", ".ffn", ".frn", ".mfa", ".fsa")
_SPEC_FORMS = "an input SPEC is PATH, PATH:LABEL or hf:OWNER/NAME"


class Spec(NamedTuple):
    """A parsed input SPEC.

    Attributes
    ----------
    kind : str
        One of ``"fasta"``, ``"table"``, ``"genomic_benchmarks"``, ``"hub"``.
    path : str
        The file or folder; for ``"hub"`` the hub id (or a local dataset folder).
    label : str or None
        The label every record gets (``PATH:LABEL``); None when the input carries its own labels
        or none at all.
    """

    kind: str
    path: str
    label: str | None = None


def parse_spec(spec: str) -> Spec:
    """Parse ``PATH``, ``PATH:LABEL`` or ``hf:OWNER/NAME``; the file's format is read from its first bytes.

    ``PATH:LABEL`` is split at the last colon, and only when the part before it exists, so paths that
    contain colons still work. A FASTA without a label is unlabelled input (e.g. for predict).

    Raises
    ------
    InputError
        The path does not exist, the label is empty, the format cannot be told, or a label is given
        for an input whose labels come from its own layout (a Genomic Benchmarks folder, a hub dataset).
    """
    if not spec or not spec.strip():
        raise InputError(f"empty input SPEC; {_SPEC_FORMS}")
    if spec.startswith(HUB_PREFIX):
        hub_id = spec[len(HUB_PREFIX):].strip()
        if not hub_id:
            raise InputError(f"input SPEC '{spec}': no dataset after 'hf:'; {_SPEC_FORMS}")
        return Spec("hub", hub_id)
    path, label = _split_label(spec)
    kind = _detect_kind(Path(path))
    if label is not None and kind in ("genomic_benchmarks", "hub"):
        raise InputError(f"input SPEC '{spec}': {path} takes its labels from its class folders or "
                         f"label column; drop ':{label}'")
    return Spec(kind, path, label)


def _split_label(spec: str) -> tuple[str, str | None]:
    head, colon, label = spec.rpartition(":")
    if colon and head and Path(head).exists():
        if not label.strip():
            raise InputError(f"input SPEC '{spec}': empty label after ':'")
        return head, label.strip()
    if Path(spec).exists():
        return spec, None
    where = f"'{head}' (nor '{spec}')" if colon and head else f"'{spec}'"
    raise InputError(f"input SPEC '{spec}': no such file or folder {where}; {_SPEC_FORMS}")


def _detect_kind(path: Path) -> str:
    if path.is_dir():
        saved = (path / "dataset_dict.json").is_file() or (path / "state.json").is_file()
        return "hub" if saved else "genomic_benchmarks"
    if _first_byte(path) == b">":
        return "fasta"
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(FASTA_SUFFIXES):
        return "fasta"
    if name.endswith(tuple(DELIMITERS)):
        return "table"
    raise InputError(f"{path}: cannot tell its format; expected FASTA (first line '>id') or a table "
                     f"named {'/'.join(DELIMITERS)} (optionally .gz)")


def _first_byte(path: Path) -> bytes:
    """The first non-whitespace byte, after gzip decompression (b"" for an empty file)."""
    try:
        with open_bytes(path) as handle:
            return handle.read(1 << 12).lstrip()[:1]
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"{path}: cannot be read: {err}") from None


def read_spec(spec: str | Spec, split: str = "", *, sequence_column: str = "sequence",
              label_column: str | None = "label", id_column: str = "id", min_length: int = 1,
              require_labels: bool = False) -> pd.DataFrame:
    """Read one input SPEC into a validated canonical table.

    Parameters
    ----------
    spec : str or Spec
        ``PATH`` (FASTA, CSV/TSV table, Genomic Benchmarks folder), ``PATH:LABEL`` or ``hf:OWNER/NAME``.
    split : str
        Value of the ``split`` column; for Genomic Benchmarks folders and hub datasets it also picks
        which split to read (``""``: all of them, each marked with its own split).
    sequence_column, label_column, id_column : str
        Column names for tables and hub datasets (``label_column=None``: ignore labels).
    min_length : int
        Shortest allowed sequence in bp (pass the model's k).
    require_labels : bool
        If True, a table without its label column is an error instead of unlabelled input.

    Returns
    -------
    pd.DataFrame
        Columns ``id, sequence, label, split, source``; sequences upper case over ``ACGTN``.

    Raises
    ------
    InputError
        Naming the file, record and position of the problem; also when there are no records.
    """
    parsed = spec if isinstance(spec, Spec) else parse_spec(spec)
    columns = Columns(sequence_column, label_column or None, id_column)
    chunks = list(_raw_chunks(parsed, split, columns, require_labels, chunk_size=None))
    table = pd.concat(chunks, ignore_index=True) if chunks else None
    if table is None or table.empty:
        raise InputError(f"{_source(parsed)}: no sequence records found")
    return validate_table(table, min_length=min_length)


def read_specs(specs: list[str], split: str = "", *, require_labels: bool = False,
               sequence_column: str = "sequence", label_column: str | None = "label",
               id_column: str = "id", min_length: int = 1) -> pd.DataFrame:
    """Read several SPECs into one validated table; ids must be unique across all of them.

    With ``require_labels`` every record must have a label and there must be at least 2 classes
    (as ``LabelMap.from_labels`` checks). Other parameters as in :func:`read_spec`.

    Raises
    ------
    InputError
        As :func:`read_spec`; also a duplicate id (naming it and both sources), an unlabelled
        record or fewer than 2 classes when labels are required.
    """
    if not specs:
        raise InputError(f"no input given; {_SPEC_FORMS}")
    tables = [read_spec(s, split, sequence_column=sequence_column, label_column=label_column,
                        id_column=id_column, min_length=min_length, require_labels=require_labels)
              for s in specs]
    table = pd.concat(tables, ignore_index=True)
    _check_unique_across_inputs(table)
    if require_labels:
        _check_labelled(table)
        LabelMap.from_labels(table["label"])
    return table


def iter_spec(spec: str | Spec, chunk_size: int = 10_000, *, split: str = "",
              sequence_column: str = "sequence", label_column: str | None = "label",
              id_column: str = "id", min_length: int = 1,
              require_labels: bool = False) -> Iterator[pd.DataFrame]:
    """Yield validated canonical tables of at most ``chunk_size`` rows.

    FASTA files and tables are streamed (memory stays flat however many records there are);
    Genomic Benchmarks folders and hub datasets are read whole, then chunked. Ids are checked for
    uniqueness across chunks too. Other parameters as in :func:`read_spec`.
    """
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    parsed = spec if isinstance(spec, Spec) else parse_spec(spec)
    columns = Columns(sequence_column, label_column or None, id_column)
    # Ids of earlier chunks: memory grows with the number of records, but ids are far smaller
    # than the sequences, which are never all held.
    seen: set[str] = set()
    for chunk in _raw_chunks(parsed, split, columns, require_labels, chunk_size):
        if chunk.empty:
            continue
        chunk = validate_table(chunk, min_length=min_length, first_record=len(seen) + 1)
        _check_new_ids(chunk, seen)
        seen.update(chunk["id"].tolist())
        yield chunk
    if not seen:
        raise InputError(f"{_source(parsed)}: no sequence records found")


def _source(spec: Spec) -> str:
    return f"{HUB_PREFIX}{spec.path}" if spec.kind == "hub" else spec.path


def _raw_chunks(spec: Spec, split: str, columns: Columns, require_labels: bool,
                chunk_size: int | None) -> Iterator[pd.DataFrame]:
    """Unvalidated canonical tables of at most ``chunk_size`` rows (None: one table)."""
    if spec.kind == "fasta":
        yield from _fasta_chunks(spec, split, chunk_size)
    elif spec.kind == "table":
        yield from iter_table(spec.path, chunk_size, columns=columns, label=spec.label, split=split,
                              require_labels=require_labels)
    else:
        if spec.kind == "genomic_benchmarks":
            table = read_genomic_benchmark(spec.path, split, columns=columns)
        else:
            table = read_hub_dataset(spec.path, split, columns.sequence, columns.label, columns.id,
                                     require_labels=require_labels)
        step = chunk_size or max(len(table), 1)
        for start in range(0, len(table), step):
            yield table.iloc[start:start + step].reset_index(drop=True)


def _fasta_chunks(spec: Spec, split: str, chunk_size: int | None) -> Iterator[pd.DataFrame]:
    records = iter_fasta(spec.path)
    while batch := list(itertools.islice(records, chunk_size)):
        ids, seqs = zip(*batch)
        labels = None if spec.label is None else [spec.label] * len(ids)
        yield make_table(ids, seqs, labels, split=split, source=spec.path)


def _check_new_ids(chunk: pd.DataFrame, seen: set[str]) -> None:
    ids = chunk["id"].tolist()
    if seen.isdisjoint(ids):  # set lookups cost O(chunk); Series.isin would cost O(seen) per chunk
        return
    i = next(i for i, record_id in enumerate(ids) if record_id in seen)
    raise InputError(f"{chunk['source'].iloc[i]}: duplicate id '{ids[i]}' (it also names an earlier "
                     "record); ids must be unique")


def _check_unique_across_inputs(table: pd.DataFrame) -> None:
    dup = table["id"].duplicated().to_numpy()
    if not dup.any():
        return
    j = int(dup.argmax())
    record_id = table["id"].iloc[j]
    i = int((table["id"] == record_id).to_numpy().argmax())
    raise InputError(f"duplicate id '{record_id}' in {table['source'].iloc[i]} and "
                     f"{table['source'].iloc[j]}; ids must be unique across inputs")


def _check_labelled(table: pd.DataFrame) -> None:
    unlabelled = (table["label"] == "").to_numpy()
    if unlabelled.any():
        row = table.iloc[int(unlabelled.argmax())]
        raise InputError(f"{row['source']}: record '{row['id']}' has no label; give the input a label "
                         f"as {row['source']}:LABEL, or a label column")
