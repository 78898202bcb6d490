"""Models and sequences as a notebook holds them -> a classifier and the validated canonical table."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Sequence, Union

import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.experiment.folder import model_folder
from enhancerlm.models.base import SequenceClassifier, read_manifest
from enhancerlm.sequences.records import COLUMNS, LabelMap

log = logging.getLogger(__name__)

Model = Union[SequenceClassifier, str, Path]
Sequences = Union[str, Path, Sequence[str], pd.DataFrame]
# Labels of a classifier built from a registry name: its head is untrained, so its classes mean nothing yet.
UNTRAINED_LABELS = LabelMap(("class_0", "class_1"))
# A missing "path" that is plainly a sequence (10+ bases, no dot or slash): the user meant [seq].
_DNA = re.compile(r"[ACGTUN]{10,}", re.IGNORECASE)


def load(
    model: Model, *, require_trained: bool = False, trust_remote_code: bool = False, seed: int = 0
) -> SequenceClassifier:
    """A classifier from a run folder, a saved model folder, or a registry name / hub id / pre-trained folder.

    Parameters
    ----------
    model : SequenceClassifier, str or Path
        ``enhancerlm run``'s output folder (its ``model/``; ``probe/`` after ``--mode probe``), a saved
        model folder (``OUT/model``), or a backbone (``"dnabert-6"``, a hub id, a pre-trained folder),
        which gives the pre-trained body with a fresh, untrained head (for :func:`embed` or
        :func:`fit`; a WARNING says so). A classifier is returned as it is.
    require_trained : bool
        Refuse anything but a saved, trained model (a ModelNotFoundError saying what the path is).
    trust_remote_code : bool
        Allow a hub model's own Python code to run (backbones only).
    seed : int
        Seed of a fresh head.

    Returns
    -------
    SequenceClassifier
        ``predict_proba(seqs)`` gives class probabilities, shape=(n, n_classes), for any lengths.
    """
    from enhancerlm.models.registry import CreateOptions, create_classifier, load_classifier

    if isinstance(model, SequenceClassifier):
        return model
    folder = model_folder(model)
    if require_trained or "id2label" in read_manifest(folder):
        return load_classifier(folder)
    classifier = create_classifier(
        str(model), UNTRAINED_LABELS, CreateOptions(trust_remote_code=trust_remote_code, seed=seed)
    )
    log.warning("%s: a backbone with an untrained head; its probabilities mean nothing until fit", model)
    return classifier


def read_sequences(
    data: Sequences,
    label: str | None = None,
    *,
    split: str = "",
    sequence_column: str = "sequence",
    label_column: str | None = "label",
    id_column: str = "id",
    min_length: int | None = None,
    warn_below: int | None = None,
    strict_ids: bool = False,
    require_labels: bool = False,
    label_columns: Sequence[str] = (),
    target_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Any input -> the validated canonical table every function here works on.

    Parameters
    ----------
    data : str, Path, list of str or DataFrame
        A SPEC (``PATH``, ``PATH:LABEL``, ``hf:OWNER/NAME``: FASTA, CSV/TSV, a Genomic Benchmarks
        folder, a hub dataset); a list of sequences (ids ``"0"``, ``"1"``, ...: their list positions);
        or a DataFrame with a sequence column (ids from its id column, else its index).
    label : str, optional
        Every record gets this label (as ``PATH:LABEL``).
    split : str
        Value of the ``split`` column (hub datasets and Genomic Benchmarks: which split to read).
    sequence_column, label_column, id_column : str
        Column names of tables and DataFrames (``label_column=None``: ignore labels).
    min_length : int, optional
        Drop records shorter than this many bp (a WARNING counts them).
    warn_below : int, optional
        Keep records shorter than this many bp with a WARNING that counts them (a model's k).
    strict_ids : bool
        A repeated id is an error instead of being renamed ``NAME~2``, ``NAME~3``, ...
    require_labels : bool
        Every record must have a label, and there must be two classes or more.
    label_columns, target_columns : sequence of str
        The 0/1 label columns (multi-label) or numeric target columns (regression) of tables and
        DataFrames, read into ``label:NAME`` / ``target:NAME`` columns (:mod:`enhancerlm.sequences.task`).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, sequence, label, split, source, description``, one row per record in input
        order; sequences upper case over ``ACGTN``; ids unique within a split.

    Raises
    ------
    InputError
        Naming the file (or ``DataFrame``/``list``), record and position of the problem.
    """
    from enhancerlm.sequences.frames import table_from_frame, table_from_seqs
    from enhancerlm.sequences.spec import read_specs
    from enhancerlm.sequences.tables import Columns

    checks: dict[str, Any] = {"min_length": min_length, "warn_below": warn_below, "require_labels": require_labels}
    truth = (tuple(label_columns), tuple(target_columns))
    if isinstance(data, pd.DataFrame):
        columns = Columns(sequence_column, label_column, id_column, *truth)
        return table_from_frame(data, label=label, split=split, columns=columns, strict_ids=strict_ids, **checks)
    if isinstance(data, (str, Path)):
        _check_is_not_a_sequence(data)
        spec = str(data) if label is None else f"{data}:{label}"
        names: dict[str, Any] = {
            "sequence_column": sequence_column,
            "label_column": label_column,
            "id_column": id_column,
            "label_columns": truth[0],
            "target_columns": truth[1],
        }
        return read_specs([spec], split, strict_ids=strict_ids, **names, **checks)
    return table_from_seqs(list(data), label=label, split=split, **checks)


def _check_is_not_a_sequence(data: str | Path) -> None:
    """A string is a SPEC here; one that is a DNA sequence gets a message saying so, not "no such file"."""
    text = str(data)
    if not Path(text).exists() and _DNA.fullmatch(text):
        raise InputError(
            f"{text[:20]}{'...' if len(text) > 20 else ''}: a DNA sequence, not a file; pass a list: [seq]"
        )


def read_for_model(data: Sequences, classifier: SequenceClassifier, **kwargs) -> pd.DataFrame:
    """``data`` read for ``classifier``: records too short for one token counted in a WARNING.

    A canonical table (from :func:`read_sequences`) is checked again but not counted twice.
    """
    canonical = isinstance(data, pd.DataFrame) and set(COLUMNS) <= set(data.columns)
    return read_sequences(data, warn_below=None if canonical else classifier.min_bp, **kwargs)


def with_settings(config_class, config, settings: dict):
    """``config`` (or the defaults) with ``settings`` applied; an unknown name is a ConfigError listing the known."""
    return config_class.from_dict({**(config.to_dict() if config is not None else {}), **settings})
