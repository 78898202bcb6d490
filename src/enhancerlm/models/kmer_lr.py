"""k-mer frequency + logistic regression baseline, and the pickle-free linear model it shares with ``gc``.

The cheap model a DNA language model has to beat: each sequence becomes its k-mer frequencies
(counts / number of valid k-mers, for every k in ``ks``), standardised, then a cross-validated
L2 logistic regression. Saved as JSON numbers, so loading a model never unpickles anything.
"""

from __future__ import annotations

import json
import logging
from abc import abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence, cast

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.io import write_text_atomic
from enhancerlm.models.base import SequenceClassifier, log_validation, manifest_task, read_manifest
from enhancerlm.models.registry import BackboneSpec, CreateOptions, register_family
from enhancerlm.sequences.dna import ATCG, concat_codes, kmer_ids
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task
from enhancerlm.tokenization.kmer import SUPPORTED_K

if TYPE_CHECKING:  # task_heads builds on this module's LinearHead
    from enhancerlm.models.task_heads import TaskHead

log = logging.getLogger(__name__)

HEAD_FILE = "linear_model.json"
# Thousands of correlated k-mer features want strong regularisation: on iEnhancer the choice sat at the
# lower edge of a grid starting at 1e-3 in every fold (1e-4 for gapped k-mers), hence the low start.
C_GRID = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
_CHUNK = 2048  # sequences counted at once: bounds the (chunk, 4**k) count matrix to ~67 MB at k=6


@dataclass
class LinearHead:
    """Standardisation + linear logits: ``logits = ((X - mean) / scale) @ coef.T + intercept``.

    Attributes
    ----------
    mean, scale : np.ndarray, shape=(n_features,)
        Feature standardisation.
    coef : np.ndarray, shape=(1, n_features) for two classes, (n_classes, n_features) otherwise
    intercept : np.ndarray, shape=(1,) or (n_classes,)
    C : float
        Inverse regularisation strength chosen by cross-validation.
    """

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    C: float

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Features, shape=(n, n_features) -> class probabilities, shape=(n, n_classes), float64."""
        logits = ((features - self.mean) / self.scale) @ self.coef.T + self.intercept
        if self.coef.shape[0] == 1:  # binary: sklearn's single logit is that of class 1
            logits = np.concatenate([np.zeros_like(logits), logits], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        expd = np.exp(logits)
        return expd / expd.sum(axis=1, keepdims=True)

    def to_dict(self) -> dict:
        return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> "LinearHead":
        arrays = {k: np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef", "intercept")}
        return cls(**arrays, C=float(data["C"]))


def fit_linear_head(features: np.ndarray, y: np.ndarray, seed: int = 0) -> LinearHead:
    """Standardise, then fit an L2 logistic regression with C chosen by stratified cross-validation.

    Parameters
    ----------
    features : np.ndarray, shape=(n, n_features)
    y : np.ndarray, shape=(n,)
        Class ids 0..n_classes-1; every class must be present.
    seed : int
        Seeds the cross-validation folds.
    """
    # imported here: the registry loads this module for every model, and scoring a transformer needs no sklearn
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    counts = np.bincount(y)
    if len(counts) < 2 or counts.min() < 2:
        raise InputError(f"training set: need at least 2 sequences of every class, found counts {counts.tolist()}")
    scaler = StandardScaler().fit(features)
    folds = int(min(5, counts.min()))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    model = LogisticRegressionCV(
        Cs=list(C_GRID), cv=cv, l1_ratios=(0.0,), scoring="neg_log_loss", max_iter=2000, use_legacy_attributes=False
    )
    model.fit(scaler.transform(features), y)
    return LinearHead(
        mean=scaler.mean_,
        scale=scaler.scale_,
        coef=model.coef_,
        intercept=model.intercept_,
        C=float(np.ravel(model.C_)[0]),
    )


def kmer_frequencies(seqs: Sequence[str], k: int, canonical: bool = True) -> np.ndarray:
    """k-mer frequencies per sequence, shape=(len(seqs), 4**k) or (len(seqs), n_canonical).

    k-mers with N (or any non-ACGT letter) are skipped; frequencies are counts divided by the number
    of valid k-mers (a sequence with none gets zeros). Columns follow DNABERT's k-mer order
    (``kmer_vocab(k)[5:]``); with ``canonical``, a k-mer and its reverse complement share the column
    of the lexicographically smaller id.
    """
    n_kmers = 4**k
    keep = np.unique(_canonical_ids(k)) if canonical else np.arange(n_kmers)
    out = np.empty((len(seqs), len(keep)), dtype=np.float64)
    for lo in range(0, len(seqs), _CHUNK):
        counts = _kmer_counts(seqs[lo : lo + _CHUNK], k, canonical)
        totals = counts.sum(axis=1, keepdims=True)
        out[lo : lo + _CHUNK] = counts[:, keep] / np.maximum(totals, 1)
    return out


def _kmer_counts(seqs: Sequence[str], k: int, canonical: bool) -> np.ndarray:
    """Counts, shape=(len(seqs), 4**k): one k-mer pass over the concatenation, one bincount."""
    # DNABERT's base order, so that the columns follow its k-mer vocabulary.
    codes, lengths = concat_codes(seqs, ATCG)
    ids, valid = kmer_ids(codes, k)
    seq_of = np.repeat(np.arange(len(seqs)), lengths)[: len(ids)]
    ends = np.cumsum(lengths)
    # A k-mer is inside its sequence when it ends at or before the sequence's last base.
    valid &= np.arange(len(ids)) + k <= ends[seq_of]
    ids, seq_of = ids[valid], seq_of[valid]
    if canonical:
        ids = _canonical_ids(k)[ids]
    flat = np.bincount(seq_of * 4**k + ids, minlength=len(seqs) * 4**k)
    return flat.reshape(len(seqs), 4**k).astype(np.float64)


def _canonical_ids(k: int) -> np.ndarray:
    """For each k-mer id (A=0, T=1, C=2, G=3 digits), min(id, id of its reverse complement)."""
    digits = (np.arange(4**k)[:, None] // 4 ** np.arange(k - 1, -1, -1)) % 4  # row i: the bases of k-mer i
    return kmer_ids(digits.astype(np.uint8), k, canonical=True, order=ATCG)[0][:, 0]


class LinearBaseline(SequenceClassifier):
    """A baseline that is ``features(seqs)`` followed by a linear head of its task (kmer-lr, gkm-lr, gc, probe).

    Subclasses define ``features``, ``params`` (saved in the manifest) and ``from_manifest``. The head
    is the task's (:mod:`enhancerlm.models.task_heads`): a ``LinearHead`` (binary, multi-class),
    one-vs-rest logistic heads (multi-label) or ridge regression (regression).
    """

    max_bp = None
    fits_in_closed_form = True
    head: "TaskHead | None" = None

    @abstractmethod
    def features(self, seqs: Sequence[str]) -> np.ndarray:
        """Feature matrix, shape=(len(seqs), n_features)."""

    def params(self) -> dict:
        """Feature settings written to the manifest (``enhancerlm.json``)."""
        return {}

    @classmethod
    @abstractmethod
    def from_manifest(cls, manifest: dict) -> "LinearBaseline":
        """An unfitted model with the settings recorded by ``params``."""

    @classmethod
    def create(cls, spec: BackboneSpec, task: Task, options: CreateOptions) -> "LinearBaseline":
        # each concrete subclass's __init__ takes (label_map, <its settings>, backbone); this abstract one has none
        return cast(Any, cls)(task, backbone=spec.name, **spec.config)

    def fit(
        self, train_table: pd.DataFrame, val_table: pd.DataFrame | None = None, seed: int = 0, *, mask_missing=False
    ):
        """Fit on the canonical table's sequences and the truth columns of the model's task; returns self.

        C (alpha for regression) is tuned by cross-validation on ``train_table`` (folds seeded by
        ``seed``); ``val_table`` is only scored and logged, so it stays untouched by model selection.
        ``mask_missing``: rows without a value for a label or target are left out of that output's
        fit (else missing truth is an InputError).
        """
        from enhancerlm.models.task_heads import fit_task_head, head_settings

        y = self.task.encode(train_table, allow_missing=mask_missing)
        self.head = fit_task_head(self.features(train_table["sequence"].tolist()), y, self.task, seed)
        log.info("%s: fitted on %d sequences, %s", self.backbone, len(y), head_settings(self.head))
        if val_table is not None and len(val_table):
            log_validation(self, val_table)
        return self

    def _predict_windows(self, seqs: list[str], batch_size: int | None) -> np.ndarray:
        """The task's outputs, shape=(len(seqs), n_outputs), float32 (``batch_size`` is not needed)."""
        from enhancerlm.models.task_heads import head_outputs

        if self.head is None:
            raise ConfigError(f"{self.backbone}: the model is not fitted; call fit(train_table) first")
        return head_outputs(self.head, self.features(seqs)).astype(np.float32)

    def save(self, directory: str | Path) -> None:
        """Write ``linear_model.json`` (plain numbers) and the manifest."""
        if self.head is None:
            raise ConfigError(f"{self.backbone}: cannot save a model that is not fitted")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        write_text_atomic(directory / HEAD_FILE, json.dumps(self.head.to_dict()) + "\n")
        self.write_manifest(directory, **self.params())

    @classmethod
    def load(cls, directory: str | Path) -> "LinearBaseline":
        from enhancerlm.models.task_heads import head_from_dict

        path = Path(directory) / HEAD_FILE
        if not path.is_file():
            raise InputError(f"{path}: not found; {directory} is not a saved linear baseline")
        manifest = read_manifest(directory)
        model = cls.from_manifest(manifest)
        model.task = manifest_task(manifest)  # the saved kind: a family's from_manifest reads the names only
        model.head = head_from_dict(json.loads(path.read_text()))
        return model


@register_family("kmer-lr")
class KmerLRClassifier(LinearBaseline):
    """k-mer frequencies -> standardisation -> logistic regression.

    Parameters
    ----------
    label_map : LabelMap
    ks : tuple of int
        k-mer sizes whose frequencies are concatenated (3 to 6).
    canonical : bool
        Count a k-mer and its reverse complement together (strand-agnostic features).
    backbone : str
        Registry name.
    """

    def __init__(self, label_map: LabelMap | Task, ks=(4, 5, 6), canonical: bool = True, backbone: str = "kmer-lr"):
        bad = [k for k in ks if k not in SUPPORTED_K]
        if bad or not ks:
            raise ConfigError(f"kmer-lr: k values {list(ks)} must be among {SUPPORTED_K}")
        self.label_map, self.ks, self.canonical, self.backbone = label_map, tuple(ks), canonical, backbone

    @property
    def min_bp(self) -> int:  # type: ignore[override]  # read-only here: it follows ks
        """Shorter records have no k-mer at all: all-zero features, scored on the intercept alone."""
        return min(self.ks)

    def features(self, seqs: Sequence[str]) -> np.ndarray:
        """Frequencies for each k, concatenated: shape=(len(seqs), n_features)."""
        return np.concatenate([kmer_frequencies(seqs, k, self.canonical) for k in self.ks], axis=1)

    def params(self) -> dict:
        return {"ks": list(self.ks), "canonical": self.canonical}

    @classmethod
    def from_manifest(cls, manifest: dict) -> "KmerLRClassifier":
        return cls(
            manifest_task(manifest),
            ks=manifest["ks"],
            canonical=manifest["canonical"],
            backbone=manifest["backbone"],
        )
