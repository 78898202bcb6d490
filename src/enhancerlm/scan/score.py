"""Score a block of windows: read its span once, skip N-rich windows, one batched model call.

N rule: a window is skipped (score NaN) when more than ``max_n_fraction`` of its bases are not
A/C/G/T (N, or an IUPAC code). With the default 0.1 a window overlapping an assembly gap by at most
a tenth of its length is still scored (its N k-mers are [UNK] tokens); mostly-N windows are not.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from enhancerlm.chunks import folder_digest
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.models.registry import load_classifier
from enhancerlm.predict import predict_proba
from enhancerlm.scan.tiling import Tiling, WindowBlock
from enhancerlm.sequences.dna import N_CODE, base_codes
from enhancerlm.sequences.genome import Genome
from enhancerlm.sequences.records import LabelMap

log = logging.getLogger(__name__)


class JobModel(NamedTuple):
    """The model a resumable job (scan, variants) scores with, and what its manifest and summary say of it.

    Attributes
    ----------
    classifier : SequenceClassifier
    sha256 : str
        Digest of the model's saved files (names and bytes): a resume with another model is refused.
    name : str
        The folder as given, or ``"<backbone> (in memory)"``, for ``summary.json``.
    folder : Path or None
        The saved model's folder; None for a model given in memory.
    """

    classifier: SequenceClassifier
    sha256: str
    name: str
    folder: Path | None


def job_model(model: str | Path | SequenceClassifier) -> JobModel:
    """A saved model folder, loaded; or a classifier in memory, saved once into a temporary folder to digest it."""
    if isinstance(model, SequenceClassifier):
        with tempfile.TemporaryDirectory(prefix="enhancerlm-model-") as tmp:
            model.save(tmp)
            return JobModel(model, folder_digest(tmp), f"{model.backbone} (in memory)", None)
    return JobModel(load_classifier(model), folder_digest(model), str(model), Path(model))


def score_column(label_map: LabelMap, class_name: str | None) -> int:
    """Column of ``predict_proba`` that is the scan score: ``class_name``, else a binary model's positive class.

    The rule is :meth:`LabelMap.score_index`'s; with more than two classes a scan needs ``--class``.
    """
    try:
        column = label_map.score_index(class_name, what="--class")
    except InputError as err:  # the class comes from the scan's configuration
        raise ConfigError(str(err)) from None
    if column is None:
        raise ConfigError(
            f"the model has {label_map.n_classes} classes {list(label_map.names)}; "
            "say which one to scan for with --class"
        )
    return column


def place_model(classifier: SequenceClassifier, device: torch.device, compile_model: bool = False) -> None:
    """Move a torch-backed classifier to ``device`` and optionally ``torch.compile`` it (models without
    torch weights, such as k-mer baselines, are left as they are)."""
    classifier.to(device)
    # Windows share one length, so shapes repeat and the compiled graph is reused across batches.
    if compile_model and not classifier.compile():
        log.warning("--compile ignored: %s is not a torch model", type(classifier).__name__)


def window_sequences(genome: Genome, tiling: Tiling, block: WindowBlock, max_n_fraction: float):
    """Sequences of the windows that pass the N rule.

    Returns
    -------
    seqs : list of str
        One per kept window, in block order.
    keep : np.ndarray, shape=(len(block),), bool
    """
    keep = np.zeros(len(block), dtype=bool)
    seqs: list[str] = []
    # Windows of one region are contiguous in a block: read each region's span once.
    bounds = np.flatnonzero(np.diff(block.region)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(block)]):
        region = tiling.regions[block.region[lo]]
        span_start = int(block.start[lo])
        span = genome.fetch(region.chrom, span_start, int(block.end[hi - 1]))
        starts, ends = block.start[lo:hi] - span_start, block.end[lo:hi] - span_start
        bases = np.concatenate([[0], np.cumsum(base_codes(span) < N_CODE)])  # running count of A/C/G/T
        n_other = (ends - starts) - (bases[ends] - bases[starts])
        keep[lo:hi] = n_other <= max_n_fraction * (ends - starts)
        seqs.extend(span[s:e] for s, e, k in zip(starts, ends, keep[lo:hi]) if k)
    return seqs, keep


def score_block(
    classifier: SequenceClassifier,
    genome: Genome,
    tiling: Tiling,
    block: WindowBlock,
    *,
    column: int,
    max_n_fraction: float,
    rc: bool,
    batch_size: int | None,
) -> np.ndarray:
    """Scores of a block's windows, shape=(len(block),), float32; NaN for skipped windows.

    With ``rc`` each window's score is the mean of its forward and reverse-complement probabilities.
    """
    seqs, keep = window_sequences(genome, tiling, block, max_n_fraction)
    scores = np.full(len(block), np.nan, dtype=np.float32)
    if seqs:
        proba = predict_proba(classifier, seqs, batch_size=batch_size, both_strands=rc)
        scores[keep] = proba[:, column]
    return scores
