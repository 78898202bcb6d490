"""The canonical sequence table (id, sequence, label, split, source, description) and the label <-> id mapping."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from enhancerlm.errors import InputError

# ``description`` is the record's header as published (FASTA: the whole header line without '>'; tables,
# hub datasets, Genomic Benchmarks: the id as read). Ids may be renamed to be unique within a split
# (``sequences.ids``); the description never is, so the renaming stays recoverable.
COLUMNS = ("id", "sequence", "label", "split", "source", "description")
# Optional genomic coordinates a record may carry (0-based half-open, as BED): read from tables that have
# them (``data build``'s TSVs) and from region files (``--genome``); the audit reports train/test interval
# overlaps from them. A table either has all four or none; records without coordinates have chrom "".
COORDINATE_COLUMNS = ("chrom", "start", "end", "strand")

# Names that mean "not an enhancer" in common data sets; in a binary task they get id 0 so that
# "probability" always means probability of the other (positive) class.
NEGATIVE_NAMES = frozenset(
    {
        "0",
        "negative",
        "neg",
        "not_enhancer",
        "non_enhancer",
        "nonenhancer",
        "non-enhancer",
        "background",
        "false",
        "control",
        "no",
    }
)


def make_table(ids, sequences, labels=None, split: str = "", source: str = "", descriptions=None) -> pd.DataFrame:
    """Build the canonical table, one row per record, in the given order.

    Parameters
    ----------
    ids, sequences : sequence of str, length n
    labels : sequence, length n, optional
        None gives an unlabelled table (label ``""``); other values are converted with ``str``.
    split, source : str
        The same for every row.
    descriptions : sequence of str, length n, optional
        The records' headers as published (FASTA: the header line without '>', trimmed); None: the ids.

    Returns
    -------
    pd.DataFrame
        Columns ``COLUMNS`` (id, sequence, label, split, source, description).
    """
    n = len(ids)
    return pd.DataFrame(
        {
            "id": list(ids),
            "sequence": list(sequences),
            "label": [""] * n if labels is None else [str(x) for x in labels],
            "split": [split] * n,
            "source": [source] * n,
            "description": list(ids) if descriptions is None else list(descriptions),
        },
        columns=list(COLUMNS),
    )


def empty_table() -> pd.DataFrame:
    """A table with the canonical columns and no rows."""
    return pd.DataFrame({c: pd.Series(dtype=str) for c in COLUMNS})


@dataclass(frozen=True)
class LabelMap:
    """Class names in id order; in a binary task ``names[1]`` is the positive class.

    Parameters
    ----------
    names : tuple of str
        ``names[i]`` is the label of class id ``i``.
    """

    names: tuple[str, ...]

    @classmethod
    def from_labels(cls, labels, positive: str | None = None) -> "LabelMap":
        """Map the distinct labels to ids: sorted, negatives first, ``positive`` last in a binary task."""
        distinct = sorted({str(x) for x in labels if str(x) != ""})
        if len(distinct) < 2:
            raise InputError(
                f"labels: need at least 2 classes, found {len(distinct)} ({distinct}); "
                "give every class its own input, e.g. --train enh.fa:enhancer --train bg.fa:not_enhancer"
            )
        if positive is not None:
            if positive not in distinct:
                raise InputError(f"positive label {positive!r} is not among the labels {distinct}")
            distinct.remove(positive)
            distinct.append(positive)
        elif len(distinct) == 2 and distinct[1].lower() in NEGATIVE_NAMES:
            distinct.reverse()
        return cls(tuple(distinct))

    @property
    def n_classes(self) -> int:
        return len(self.names)

    @property
    def positive(self) -> str | None:
        """The positive class of a binary task, None with more than two classes."""
        return self.names[1] if self.n_classes == 2 else None

    def score_index(self, name: str | None = None, what: str = "class") -> int | None:
        """Class id whose probability is a sequence's score: the one rule for predict, scan and explain.

        Parameters
        ----------
        name : str or None
            The class asked for. None: the positive class of a binary task; with more than two classes
            no class is the score by default, so None is returned and the caller says what it does
            (scan asks for ``--class``, explain takes the last class, predict reports the top probability).
        what : str
            How the caller names the argument, for the error (``--class``, ``target class``).

        Raises
        ------
        InputError
            ``name`` is not one of the classes.
        """
        if name is None:
            return None if self.positive is None else self.names.index(self.positive)
        if name not in self.names:
            raise InputError(f"{what} {name!r} is not one of the model's classes {list(self.names)}")
        return self.names.index(name)

    def encode(self, labels) -> list[int]:
        """Label names -> ids; an unknown label is an InputError naming it."""
        index = {name: i for i, name in enumerate(self.names)}
        try:
            return [index[str(x)] for x in labels]
        except KeyError as err:
            raise InputError(f"label {err.args[0]!r} is not one of the known classes {list(self.names)}") from None

    def to_dict(self) -> dict:
        return {
            "id2label": {str(i): n for i, n in enumerate(self.names)},
            "label2id": {n: i for i, n in enumerate(self.names)},
        }

    @classmethod
    def from_dict(cls, data: dict) -> "LabelMap":
        id2label = data["id2label"]
        return cls(tuple(id2label[str(i)] for i in range(len(id2label))))

    def save(self, path: str | Path) -> None:
        from enhancerlm.io import write_text_atomic

        write_text_atomic(path, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "LabelMap":
        return cls.from_dict(json.loads(Path(path).read_text()))
