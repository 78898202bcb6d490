"""In-memory input (a DataFrame, a list of sequences) -> the validated canonical table, as a SPEC is read.

A notebook holds its sequences as a DataFrame or a list, not a file. Both go through the same checks
as a file (``validate.validate_table``: upper case, IUPAC codes -> N, errors naming the record and
position) and the same id rule (``sequences.ids``), so a table read from memory equals the one read
from the same records in a file.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.ids import make_ids_unique
from enhancerlm.sequences.records import COLUMNS, LabelMap, make_table
from enhancerlm.sequences.spec import check_labelled
from enhancerlm.sequences.tables import Columns, frame_to_table
from enhancerlm.sequences.task import truth_columns
from enhancerlm.sequences.validate import validate_table

FRAME_SOURCE = "DataFrame"  # the ``source`` of records read from memory: messages name it
LIST_SOURCE = "list"


def table_from_frame(
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    split: str = "",
    columns: Columns = Columns(),
    min_length: int | None = None,
    warn_below: int | None = None,
    require_labels: bool = False,
    strict_ids: bool = False,
) -> pd.DataFrame:
    """A DataFrame of records -> the canonical table (``id, sequence, label, split, source, description``).

    Parameters
    ----------
    frame : pd.DataFrame
        A sequence column (``columns.sequence``, or ``seq`` ...), optionally label and id columns.
        Without an id column, a record's id is its index label as text (``"0"``, ``"1"``, ... for a
        default index). A canonical table (all of ``COLUMNS``) keeps its source and description, and
        its split unless ``split`` is given.
    label : str, optional
        Every record gets this label (as ``PATH:LABEL`` does), whatever the label column says.
    split, columns, min_length, warn_below, require_labels, strict_ids
        As in :func:`enhancerlm.sequences.spec.read_specs`.

    Raises
    ------
    InputError
        No sequence column, an empty frame, an empty or non-DNA record (named by id and position),
        an unlabelled record or a single class with ``require_labels``.
    """
    if frame.empty:
        raise InputError(f"{FRAME_SOURCE}: no sequence records (0 rows)")
    if set(COLUMNS) <= set(frame.columns) and columns == Columns():
        table = frame[list(COLUMNS)].astype(str)
        given = {"label": label, "split": split or None}
        table = table.assign(**{column: value for column, value in given.items() if value is not None})
    else:
        if columns.id not in frame.columns:  # ids a Python user can index by
            frame = frame.assign(**{columns.id: frame.index.astype(str)})
        table = frame_to_table(
            frame, source=FRAME_SOURCE, split=split, columns=columns, label=label, require_labels=require_labels
        )
    return _validated(table, min_length, warn_below, require_labels, strict_ids)


def table_from_seqs(
    seqs: Sequence[str],
    *,
    label: str | None = None,
    split: str = "",
    min_length: int | None = None,
    warn_below: int | None = None,
    require_labels: bool = False,
) -> pd.DataFrame:
    """A list of sequences -> the canonical table; record ``i`` gets id ``str(i)``, its position in the list."""
    if len(seqs) == 0:
        raise InputError(f"{LIST_SOURCE}: no sequences (an empty list)")
    labels = None if label is None else [label] * len(seqs)
    table = make_table([str(i) for i in range(len(seqs))], list(seqs), labels, split=split, source=LIST_SOURCE)
    return _validated(table, min_length, warn_below, require_labels, strict_ids=False)


def _validated(
    table: pd.DataFrame, min_length: int | None, warn_below: int | None, require_labels: bool, strict_ids: bool
) -> pd.DataFrame:
    """The checks every reader applies, in the order ``read_specs`` applies them."""
    source = table["source"].iloc[0]
    table = validate_table(table, min_length=min_length, warn_below=warn_below)
    if table.empty:
        raise InputError(f"{source}: no record is at least {min_length} bp long (min_length); nothing is left")
    table = make_ids_unique(table, strict=strict_ids)
    if require_labels:
        check_labelled(table)
        if not truth_columns(table):  # a multi-label or regression table's truth is checked by its Task
            LabelMap.from_labels(table["label"])
    return table
