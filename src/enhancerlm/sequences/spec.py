"""Input SPECs (``PATH``, ``PATH:LABEL``, ``hf:OWNER/NAME``): parse, read, validate, concatenate, stream.

Every reader returns ids unique within a split: repeated ids are renamed ``NAME~2``, ``NAME~3``, ...
by the rule of :mod:`enhancerlm.sequences.ids` (``strict_ids=True``: an error instead).
"""

from __future__ import annotations

import itertools
import zlib
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.fasta import iter_fasta_records
from enhancerlm.sequences.genomic_benchmarks import read_genomic_benchmark
from enhancerlm.sequences.hub import read_hub_dataset
from enhancerlm.sequences.ids import IdRenamer
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.sequences.region_records import region_chunks
from enhancerlm.sequences.regions import is_region_file
from enhancerlm.sequences.tables import DELIMITERS, Columns, iter_table
from enhancerlm.sequences.validate import UTF8_BOM, ValidationNotes, open_bytes, validate_table

KINDS = ("fasta", "table", "genomic_benchmarks", "hub", "regions")
HUB_PREFIX = "hf:"
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas", ".ffn", ".frn", ".mfa", ".fsa")
_SPEC_FORMS = "an input SPEC is PATH, PATH:LABEL or hf:OWNER/NAME"


class Genome(NamedTuple):
    """Where region-file SPECs take their sequences from (``--genome``, ``--map-chroms``)."""

    path: str | Path | None = None
    map_chroms: bool = False


class Spec(NamedTuple):
    """A parsed input SPEC.

    Attributes
    ----------
    kind : str
        One of ``"fasta"``, ``"table"``, ``"genomic_benchmarks"``, ``"hub"``, ``"regions"`` (a BED,
        narrowPeak, broadPeak or GB coordinate table, read from a genome: :mod:`enhancerlm.sequences.region_records`).
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
        hub_id = spec[len(HUB_PREFIX) :].strip()
        if not hub_id:
            raise InputError(f"input SPEC '{spec}': no dataset after 'hf:'; {_SPEC_FORMS}")
        return Spec("hub", hub_id)
    path, label = split_label(spec)
    kind = _detect_kind(Path(path))
    if label is not None and kind in ("genomic_benchmarks", "hub"):
        raise InputError(
            f"input SPEC '{spec}': {path} takes its labels from its class folders or label column; drop ':{label}'"
        )
    return Spec(kind, path, label)


def split_label(spec: str) -> tuple[str, str | None]:
    """``PATH:LABEL`` -> (PATH, LABEL), ``PATH`` -> (PATH, None); split at the last colon, only where PATH exists.

    Raises
    ------
    InputError
        Neither the whole text nor the part before its last colon exists, or the label is empty.
    """
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
    if is_region_file(path):
        return "regions"
    if _first_byte(path) == b">":
        return "fasta"
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(FASTA_SUFFIXES):
        return "fasta"
    if name.endswith(tuple(DELIMITERS)):
        return "table"
    raise InputError(
        f"{path}: cannot tell its format; expected FASTA (first line '>id'), a table "
        f"named {'/'.join(DELIMITERS)} (optionally .gz) or a region file (.bed, .narrowPeak, .broadPeak; with --genome)"
    )


def _first_byte(path: Path) -> bytes:
    """The first non-whitespace byte after a UTF-8 BOM, after gzip decompression (b"" for an empty file)."""
    try:
        with open_bytes(path) as handle:
            return handle.read(1 << 12).removeprefix(UTF8_BOM).lstrip()[:1]
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"{path}: cannot be read: {err}") from None


def read_spec(
    spec: str | Spec,
    split: str = "",
    *,
    sequence_column: str = "sequence",
    label_column: str | None = "label",
    id_column: str = "id",
    min_length: int | None = None,
    warn_below: int | None = None,
    require_labels: bool = False,
    strict_ids: bool = False,
    genome: Genome = Genome(),
) -> pd.DataFrame:
    """Read one input SPEC into a validated canonical table, every record kept unless ``min_length`` drops it.

    Parameters
    ----------
    spec : str or Spec
        ``PATH`` (FASTA, CSV/TSV table, Genomic Benchmarks folder), ``PATH:LABEL`` or ``hf:OWNER/NAME``.
    split : str
        Value of the ``split`` column; for Genomic Benchmarks folders and hub datasets it also picks
        which split to read (``""``: all of them, each marked with its own split).
    sequence_column, label_column, id_column : str
        Column names for tables and hub datasets (``label_column=None``: ignore labels).
    min_length : int, optional
        Drop records shorter than this many bp, with a WARNING giving the count.
    warn_below : int, optional
        Keep records shorter than this many bp, with a WARNING giving the count (pass the model's k).
    require_labels : bool
        If True, a table without its label column is an error instead of unlabelled input.
    strict_ids : bool
        A repeated id is an error instead of being renamed ``NAME~2``, ``NAME~3``, ... (see
        :mod:`enhancerlm.sequences.ids`).
    genome : Genome
        The FASTA that region-file SPECs (``peaks.bed[:LABEL]``) are cut from.

    Returns
    -------
    pd.DataFrame
        Columns ``id, sequence, label, split, source, description``, in file order; sequences upper
        case over ``ACGTN``; ids unique within each split.

    Raises
    ------
    InputError
        Naming the file, record and position of the problem; also when there are no records.
    """
    columns = Columns(sequence_column, label_column or None, id_column)
    return _read_all([spec], split, columns, require_labels, min_length, warn_below, strict_ids, genome)


def read_specs(
    specs: Sequence[str | Spec],
    split: str = "",
    *,
    require_labels: bool = False,
    sequence_column: str = "sequence",
    label_column: str | None = "label",
    id_column: str = "id",
    min_length: int | None = None,
    warn_below: int | None = None,
    strict_ids: bool = False,
    genome: Genome = Genome(),
) -> pd.DataFrame:
    """Read several SPECs into one validated table, in the order given; ids unique within each split.

    An id that repeats within one input or across the inputs is renamed ``NAME~2``, ``NAME~3``, ...
    in input order (one WARNING with the count and examples; :mod:`enhancerlm.sequences.ids`), or
    with ``strict_ids`` is an error naming both records. Validation notes (IUPAC codes, RNA, short
    records) are logged once for all inputs. With ``require_labels`` every record must have a label
    and there must be at least 2 classes (as ``LabelMap.from_labels`` checks); without it, every
    record or none (a record without a label among labelled ones is an error, not a class ``""``).
    Other parameters as in :func:`read_spec`.

    Raises
    ------
    InputError
        As :func:`read_spec`; also a repeated id with ``strict_ids``, an unlabelled record (when labels
        are required or other records have one) or fewer than 2 classes when labels are required.
    """
    if not specs:
        raise InputError(f"no input given; {_SPEC_FORMS}")
    columns = Columns(sequence_column, label_column or None, id_column)
    table = _read_all(specs, split, columns, require_labels, min_length, warn_below, strict_ids, genome)
    check_labelled(table, required=require_labels)
    if require_labels:
        LabelMap.from_labels(table["label"])
    return table


def _read_all(
    specs: Sequence[str | Spec],
    split: str,
    columns: Columns,
    require_labels: bool,
    min_length: int | None,
    warn_below: int | None,
    strict_ids: bool,
    genome: Genome = Genome(),
) -> pd.DataFrame:
    """Validate each SPEC, log the notes once, concatenate, make ids unique within each split."""
    notes, tables = ValidationNotes(), []
    for spec in specs:
        parsed = spec if isinstance(spec, Spec) else parse_spec(spec)
        chunks = list(_raw_chunks(parsed, split, columns, require_labels, chunk_size=None, genome=genome))
        table = pd.concat(chunks, ignore_index=True) if chunks else None
        if table is None or table.empty:
            raise InputError(f"{_source(parsed)}: no sequence records found")
        tables.append(validate_table(table, min_length=min_length, warn_below=warn_below, notes=notes))
    notes.log()
    table = pd.concat(tables, ignore_index=True)
    if table.empty:
        raise _all_dropped(specs, min_length)
    renamer = IdRenamer(strict=strict_ids)
    table = renamer.rename(table)
    renamer.log_summary()
    return table


def _all_dropped(specs, min_length: int | None) -> InputError:
    names = ", ".join(_source(s) if isinstance(s, Spec) else str(s) for s in specs)
    return InputError(f"{names}: no record is at least {min_length} bp long (min_length); nothing is left to read")


def iter_spec(
    spec: str | Spec,
    chunk_size: int = 10_000,
    *,
    split: str = "",
    sequence_column: str = "sequence",
    label_column: str | None = "label",
    id_column: str = "id",
    min_length: int | None = None,
    warn_below: int | None = None,
    require_labels: bool = False,
    strict_ids: bool = False,
    genome: Genome = Genome(),
) -> Iterator[pd.DataFrame]:
    """Yield validated canonical tables of at most ``chunk_size`` rows, in file order.

    FASTA files and tables are streamed (memory stays flat however many records there are);
    Genomic Benchmarks folders and hub datasets are read whole, then chunked. Repeated ids are
    renamed across chunks by the same rule as :func:`read_specs` (only earlier records decide a
    name, so the ids do not depend on ``chunk_size``); only the ids seen so far are remembered.
    Renamings and validation notes are logged once, when the stream ends. Other parameters as in
    :func:`read_spec`.
    """
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    parsed = spec if isinstance(spec, Spec) else parse_spec(spec)
    columns = Columns(sequence_column, label_column or None, id_column)
    renamer, notes = IdRenamer(strict=strict_ids), ValidationNotes()
    n_read = n_kept = 0
    try:
        for chunk in _raw_chunks(parsed, split, columns, require_labels, chunk_size, genome):
            if chunk.empty:
                continue
            first_record, n_read = n_read + 1, n_read + len(chunk)
            chunk = validate_table(
                chunk, min_length=min_length, warn_below=warn_below, first_record=first_record, notes=notes
            )
            n_kept += len(chunk)
            if len(chunk):
                yield renamer.rename(chunk)
    finally:
        notes.log()
        renamer.log_summary()
    if not n_read:
        raise InputError(f"{_source(parsed)}: no sequence records found")
    if not n_kept:
        raise _all_dropped([parsed], min_length)


def iter_specs(specs: Sequence[str | Spec], chunk_size: int = 10_000, **kwargs) -> Iterator[pd.DataFrame]:
    """:func:`iter_spec` over several SPECs in the order given, ids unique across them as :func:`read_specs` makes them.

    Chunks never span two inputs. Each input's own repeats are renamed by :func:`iter_spec`; an id
    repeated in a later input is then renamed by the same rule (smallest free ``NAME~n``), so the ids
    equal those of :func:`read_specs` on the same SPECs. ``kwargs`` as for :func:`iter_spec`.
    """
    if not specs:
        raise InputError(f"no input given; {_SPEC_FORMS}")
    across = IdRenamer(strict=kwargs.get("strict_ids", False))
    try:
        for spec in specs:
            for chunk in iter_spec(spec, chunk_size, **kwargs):
                yield across.rename(chunk)
    finally:
        across.log_summary()


def _source(spec: Spec) -> str:
    return f"{HUB_PREFIX}{spec.path}" if spec.kind == "hub" else spec.path


def _raw_chunks(
    spec: Spec, split: str, columns: Columns, require_labels: bool, chunk_size: int | None, genome: Genome = Genome()
) -> Iterator[pd.DataFrame]:
    """Unvalidated canonical tables of at most ``chunk_size`` rows (None: one table)."""
    if spec.kind == "regions":
        yield from region_chunks(
            spec.path, spec.label, genome.path, map_chroms=genome.map_chroms, split=split, chunk_size=chunk_size
        )
    elif spec.kind == "fasta":
        yield from _fasta_chunks(spec, split, chunk_size)
    elif spec.kind == "table":
        yield from iter_table(
            spec.path, chunk_size, columns=columns, label=spec.label, split=split, require_labels=require_labels
        )
    else:
        if spec.kind == "genomic_benchmarks":
            table = read_genomic_benchmark(spec.path, split, columns=columns)
        else:
            table = read_hub_dataset(
                spec.path, split, columns.sequence, columns.label, columns.id, require_labels=require_labels
            )
        step = chunk_size or max(len(table), 1)
        for start in range(0, len(table), step):
            yield table.iloc[start : start + step].reset_index(drop=True)


def _fasta_chunks(spec: Spec, split: str, chunk_size: int | None) -> Iterator[pd.DataFrame]:
    records = iter_fasta_records(spec.path)
    while batch := list(itertools.islice(records, chunk_size)):
        ids, seqs, descriptions = zip(*batch)
        labels = None if spec.label is None else [spec.label] * len(ids)
        yield make_table(ids, seqs, labels, split=split, source=spec.path, descriptions=descriptions)


def check_labelled(table: pd.DataFrame, required: bool = True) -> None:
    """Every record labelled (``required``), else every record or none: the one rule of `run` and `data audit`.

    A blank cell in a label column is a gap in the file: read as a class ``""`` it would be counted and learnt.
    """
    unlabelled = (table["label"] == "").to_numpy()
    if not unlabelled.any() or (not required and unlabelled.all()):
        return
    row = table.iloc[int(unlabelled.argmax())]
    raise InputError(
        f"{row['source']}: record '{row['id']}' has no label; give the input a label "
        f"as {row['source']}:LABEL, or a label column"
    )
