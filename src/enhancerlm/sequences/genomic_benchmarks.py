"""Genomic Benchmarks folders: ``DIR/{train,test}/<class>/*.txt`` or ``DIR/{train,test}/<class>.csv[.gz]``.

``genomic_benchmarks.loc2seq.download_dataset`` writes one sequence per ``<id>.txt`` file in a folder
per class; the class tables that the package ships hold intervals (id, region, start, end, strand),
while hub copies and user exports hold sequences in a ``seq``/``sequence`` column. The class name
(folder name or table name) is the label.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import empty_table, make_table
from enhancerlm.sequences.tables import Columns, read_table, table_stem
from enhancerlm.sequences.validate import UTF8_BOM, TextNotes, decode_text

log = logging.getLogger(__name__)

# Folder name -> canonical split name.
SPLIT_NAMES = {"train": "train", "test": "test", "val": "val", "valid": "val", "validation": "val"}
_CLASS_TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")


def is_split_root(folder: Path) -> bool:
    """True if ``folder`` holds split folders (``train``, ``test``, ...), i.e. is a dataset root."""
    return any(p.is_dir() and p.name.lower() in SPLIT_NAMES for p in folder.iterdir())


def read_genomic_benchmark(folder: str | Path, split: str = "", *, columns: Columns = Columns()) -> pd.DataFrame:
    """Read a Genomic Benchmarks folder into the canonical table (not yet validated).

    Parameters
    ----------
    folder : str or Path
        A dataset root (holding ``train/``, ``test/``, ...) or one split folder (holding classes).
    split : str
        At a dataset root, the split folder to read (``"val"`` also finds ``validation/``);
        ``""`` reads every split folder, each record marked with its split.
    columns : Columns
        Column names for class tables; the label column is not used (the class is the label).

    Returns
    -------
    pd.DataFrame
        Canonical table; ids are ``<class>/<file stem>`` (Genomic Benchmarks numbers files per
        class, so the stem alone repeats across classes), or ``<class>/<id>`` for class tables;
        when several splits are read, ``<split folder>/`` comes first (``train/positive/0``).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    parts = _split_folders(folder, split)
    # Records of different splits share file names (0.txt in train and in test): prefix the split.
    tables = [_read_split(path, name, columns, f"{path.name}/" if len(parts) > 1 else "") for name, path in parts]
    return pd.concat(tables, ignore_index=True)


def _split_folders(folder: Path, split: str) -> list[tuple[str, Path]]:
    """(split name for the table, folder holding the classes) pairs to read."""
    if not is_split_root(folder):
        return [(split or SPLIT_NAMES.get(folder.name.lower(), ""), folder)]
    found = sorted(p for p in folder.iterdir() if p.is_dir() and p.name.lower() in SPLIT_NAMES)
    if not split:
        return [(SPLIT_NAMES[p.name.lower()], p) for p in found]
    wanted = SPLIT_NAMES.get(split.lower(), split.lower())
    matches = [p for p in found if SPLIT_NAMES[p.name.lower()] == wanted]
    if not matches:
        raise InputError(f"{folder}: no '{split}' split folder; found {[p.name for p in found]}")
    return [(split, matches[0])]


def _read_split(folder: Path, split: str, columns: Columns, id_prefix: str) -> pd.DataFrame:
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    class_dirs = [p for p in entries if p.is_dir()]
    class_tables = [p for p in entries if p.is_file() and p.name.lower().endswith(_CLASS_TABLE_SUFFIXES)]
    if not class_dirs and not class_tables:
        raise InputError(
            f"{folder}: no class folders (<class>/*.txt) or class tables (<class>.csv[.gz]); expected "
            "the Genomic Benchmarks layout DIR/{train,test}/<class>/*.txt"
        )
    tables = [_read_class_folder(p, split, id_prefix) for p in class_dirs]
    for path in class_tables:
        label = table_stem(path)
        tables.append(
            read_table(
                path, columns=columns._replace(label=None), label=label, split=split, id_prefix=f"{id_prefix}{label}/"
            )
        )
    return pd.concat(tables, ignore_index=True)


def _read_class_folder(folder: Path, split: str, id_prefix: str) -> pd.DataFrame:
    files = sorted((p for p in folder.glob("*.txt") if p.is_file()), key=_natural_key)
    if not files:
        log.warning("%s: class folder holds no .txt sequence files", folder)
        return empty_table()
    label, text = folder.name, TextNotes()
    seqs = [_read_sequence_file(p, text) for p in files]
    text.log(folder)
    return make_table(
        [f"{id_prefix}{label}/{p.stem}" for p in files], seqs, [label] * len(files), split=split, source=str(folder)
    )


def _read_sequence_file(path: Path, text: TextNotes) -> str:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or err})") from None
    if data.startswith(UTF8_BOM):
        data, text.bom = data[len(UTF8_BOM) :], text.bom + 1
    text.add_bytes(data)
    # One sequence per file; whitespace (a final newline, wrapping) carries no bases.
    return "".join(decode_text(data, str(path)).split())


def _natural_key(path: Path) -> tuple:
    # Files are named by number (0.txt, 1.txt, ..., 10.txt): sort 2 before 10 for a stable, readable order.
    stem = path.stem
    return (0, int(stem), "") if stem.isdigit() else (1, 0, stem)
