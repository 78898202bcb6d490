"""Record ids unique within a split: repeated ids renamed ``NAME~2``, ``NAME~3``, ..., recoverably.

Public benchmark files repeat ids: UCSC custom-track exports give two records the same first header
word (``>hg19_ct_UserTrack_3545_54 range=chr13:...`` and ``... range=chr14:...``), the weak- and
non-enhancer files of one test set share ids, and train and test number their records the same way
(``>Positive_1`` in both). Records are never dropped or merged for that. The rule, applied in input
order within each value of the ``split`` column:

- a record whose id is not yet used in its split keeps it;
- a later record with a used id ``NAME`` gets ``NAME~n``, the smallest n = 2, 3, ... whose name is not
  used yet in that split (so ids that are already of the form ``NAME~2`` are never taken over).

Only earlier records decide a name, so a stream read in chunks gets the same ids as the whole file.
Records are numbered from 1 within their source for messages (records dropped by ``min_length``
are not counted).
Train and test may share ids. The full header (``description`` column) is never changed: a renamed
record is one whose id is neither its description nor the description's first word, and
:func:`renamed_ids` lists them.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from enhancerlm.errors import InputError

log = logging.getLogger(__name__)

SEPARATOR = "~"
RENAMED_COLUMNS = ("split", "source", "record", "original_id", "id")
_EXAMPLES = 3  # renamings named in the warning
_SUFFIX = re.compile(re.escape(SEPARATOR) + r"\d+$")


class IdRenamer:
    """Applies the module's renaming rule to a stream of canonical tables, remembering only ids.

    Memory grows with the number of distinct ids seen (they are far smaller than the sequences,
    which are never held); each record's 1-based number within its ``source`` is counted across
    calls, for messages.

    Parameters
    ----------
    strict : bool
        Raise :class:`~enhancerlm.errors.InputError` at the first repeated id (naming both records)
        instead of renaming.
    """

    def __init__(self, strict: bool = False):
        self.strict = strict
        self.n_renamed = 0
        self.examples: list[str] = []
        self._used: dict[str, set[str]] = {}
        self._next: dict[tuple[str, str], int] = {}
        self._records: dict[str, int] = {}
        self._first: dict[tuple[str, str], tuple[str, int]] = {}  # strict only: where an id first occurred

    def rename(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with ids unique within each split, given every table passed before.

        A missing ``description`` column is added first (the ids as given), so renaming stays recoverable.
        """
        if "description" not in table.columns:
            table = table.assign(description=table["id"].to_numpy())
        ids = table["id"].astype(str).tolist()
        splits, sources = table["split"].astype(str).tolist(), table["source"].astype(str).tolist()
        records = self._record_numbers(sources)
        if not self.strict and self._all_new(ids, splits):
            for split, name in zip(splits, ids):
                self._used.setdefault(split, set()).add(name)
            return table
        new = [
            self._one(name, split, source, record) for name, split, source, record in zip(ids, splits, sources, records)
        ]
        return table.assign(id=new) if new != ids else table

    def log_summary(self) -> None:
        """One WARNING with the number of renamed records and a few examples (nothing if none)."""
        if not self.n_renamed:
            return
        more = "; ..." if self.n_renamed > len(self.examples) else ""
        log.warning(
            "renamed %d record(s) whose id repeats an earlier id of the same split, so that ids are unique "
            "within a split: later repeats become NAME~2, NAME~3, ... (e.g. %s%s); the full headers stay in "
            "the description column. Pass strict_ids=True (--strict-ids) to make a repeated id an error "
            "instead",
            self.n_renamed,
            "; ".join(self.examples),
            more,
        )

    def _record_numbers(self, sources: list[str]) -> list[int]:
        out = []
        for source in sources:
            self._records[source] = self._records.get(source, 0) + 1
            out.append(self._records[source])
        return out

    def _all_new(self, ids: list[str], splits: list[str]) -> bool:
        """Fast path: no id repeats within this table's splits or an earlier table's ids."""
        for split in set(splits):
            names = [i for i, s in zip(ids, splits) if s == split] if len(set(splits)) > 1 else ids
            used = self._used.get(split, set())
            # set lookups cost O(table); comparing with the whole history would cost O(ids seen) per table
            if len(set(names)) < len(names) or not used.isdisjoint(names):
                return False
        return True

    def _one(self, name: str, split: str, source: str, record: int) -> str:
        used = self._used.setdefault(split, set())
        if name not in used:
            used.add(name)
            if self.strict:
                self._first[(split, name)] = (source, record)
            return name
        if self.strict:
            raise _repeat_error(name, self._first[(split, name)], (source, record))
        n = self._next.get((split, name), 2)
        while f"{name}{SEPARATOR}{n}" in used:
            n += 1
        self._next[(split, name)] = n + 1
        new = f"{name}{SEPARATOR}{n}"
        used.add(new)
        self.n_renamed += 1
        if len(self.examples) < _EXAMPLES:
            where = f"{source} record {record}" if source else f"record {record}"
            self.examples.append(f"{name} ({where}) -> {new}")
        return new


def _repeat_error(name: str, first: tuple[str, int], again: tuple[str, int]) -> InputError:
    hint = (
        f"ids must be unique within a split (without strict_ids / --strict-ids, repeats are renamed "
        f"{name}{SEPARATOR}2, {name}{SEPARATOR}3, ...)"
    )
    if first[0] == again[0]:
        return InputError(f"{again[0]}: duplicate id '{name}' (records {first[1]} and {again[1]}); {hint}")
    return InputError(
        f"duplicate id '{name}' in {first[0]} (record {first[1]}) and {again[0]} (record {again[1]}); {hint}"
    )


def make_ids_unique(table: pd.DataFrame, *, strict: bool = False) -> pd.DataFrame:
    """Rename repeated ids within each ``split`` value by the module's rule, logging one WARNING.

    Parameters
    ----------
    table : pd.DataFrame
        Canonical table (id, split, source, and usually description); ids non-empty (as
        ``validate.validate_table`` checks). Rows are numbered per ``source`` in table order.
    strict : bool
        Raise instead of renaming.

    Returns
    -------
    pd.DataFrame
        Same rows in the same order; only ``id`` differs, for the renamed records. A missing
        ``description`` column is added (the ids as given).

    Raises
    ------
    InputError
        With ``strict``: the first repeated id, naming its source(s) and both 1-based record numbers.

    Examples
    --------
    Ids ``a, a, a~2, a`` in one split become ``a, a~2, a~2~2, a~3``.
    """
    renamer = IdRenamer(strict=strict)
    out = renamer.rename(table)
    renamer.log_summary()
    return out


def _renamed_mask(table: pd.DataFrame) -> np.ndarray:
    ids = table["id"].astype(str).reset_index(drop=True)
    description = table["description"].fillna("").astype(str).reset_index(drop=True)
    first_word = description.str.split(n=1).str[0].fillna("")
    return ((ids != description) & (ids != first_word) & (description != "")).to_numpy()


def original_ids(table: pd.DataFrame) -> np.ndarray:
    """The ids as read, before renaming: renamed ids (see :func:`renamed_ids`) lose their last ``~n``.

    Pooling tables renamed apart (train and test) and renaming the pool again with these gives the
    ids that reading all their inputs as one split would have given.

    Returns
    -------
    np.ndarray of object, shape=(len(table),)
    """
    ids = table["id"].astype(str).to_numpy(dtype=object)
    if "description" not in table.columns or table.empty:
        return ids
    renamed = _renamed_mask(table)
    ids[renamed] = pd.Series(ids[renamed], dtype=object).str.replace(_SUFFIX, "", regex=True).to_numpy()
    return ids


def renamed_ids(table: pd.DataFrame) -> pd.DataFrame:
    """The records of ``table`` whose id was renamed: id neither the description nor its first word.

    Parameters
    ----------
    table : pd.DataFrame
        Canonical table; without a ``description`` column nothing counts as renamed.

    Returns
    -------
    pd.DataFrame
        Columns split, source, record (1-based number of the row among the rows of its source in
        ``table``: the record number in the input file for a table as read), original_id (the id
        without its last ``~n`` suffix) and id, in table order.
    """
    if "description" not in table.columns or table.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RENAMED_COLUMNS})
    ids = table["id"].astype(str).reset_index(drop=True)
    renamed = _renamed_mask(table)
    record = table.groupby(table["source"].astype(str).to_numpy(), sort=False).cumcount().to_numpy() + 1
    out = pd.DataFrame(
        {
            "split": table["split"].astype(str).to_numpy()[renamed],
            "source": table["source"].astype(str).to_numpy()[renamed],
            "record": record[renamed].astype(np.int64),
            "original_id": ids[renamed].str.replace(_SUFFIX, "", regex=True).to_numpy(),
            "id": ids[renamed].to_numpy(),
        },
        columns=list(RENAMED_COLUMNS),
    )
    return out
