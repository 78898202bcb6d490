"""The contract every model meets, language model or baseline: sequences in, one row of outputs per sequence out.

The outputs are what the model's task predicts (:class:`enhancerlm.sequences.task.Task`): class
probabilities (binary, multi-class), a probability per label (multi-label) or values (regression).
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Sequence

import numpy as np

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.io import write_text_atomic
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import TASK_KINDS, Task
from enhancerlm.tokenization.windows import aggregate_windows, check_aggregate, split_windows

if TYPE_CHECKING:  # the registry imports this module
    from enhancerlm.models.registry import BackboneSpec, CreateOptions

log = logging.getLogger(__name__)

# Written into every saved model folder; `load_classifier` reads it to pick the family's loader.
MANIFEST = "enhancerlm.json"


class SequenceClassifier(ABC):
    """A trained or untrained sequence classifier.

    Attributes
    ----------
    task : Task
        What the model predicts: its kind and its output names, in output order.
    label_map : LabelMap
        The task's output names as a LabelMap (binary: ``names[1]`` is the positive class); setting
        it sets a binary or multi-class task.
    backbone : str
        Registry name the model was created from (e.g. ``"tiny-dnabert-6"``).
    family : str
        Registry family (the module that can load it back).
    max_bp : int or None
        Longest sequence, in bp, scored in one pass; ``predict_proba`` windows longer ones. None: no limit.
    min_bp : int
        Shortest sequence, in bp, that gives the model one token of its own (k for k-mer models,
        1 otherwise); shorter records are kept and scored on ``[CLS] [SEP]`` alone.
    fits_in_closed_form : bool
        True for models trained by their own ``fit(train_table, seed=...)`` (k-mer LR, GC, ensembles
        of them): no untrained head, no learning rate. False: fine-tuned by ``enhancerlm.train``.
    task_kinds : tuple of str
        Task kinds the family learns (every kind, for every family of this package).
    """

    backbone: str
    family: str
    max_bp: int | None = None
    min_bp: int = 1
    fits_in_closed_form: ClassVar[bool] = False
    # The task kinds the family can learn; ``registry.create_classifier`` refuses the others by name.
    task_kinds: ClassVar[tuple[str, ...]] = TASK_KINDS

    # The task is stored once; `label_map` is its view. A subclass may still declare a class-level
    # `label_map` (families written before tasks had kinds): its task is then that label map's.
    @property
    def task(self) -> Task:
        task = self.__dict__.get("_task")
        return task if task is not None else Task.from_label_map(self.label_map)

    @task.setter
    def task(self, value: Task) -> None:
        self.__dict__["_task"] = value

    @property
    def label_map(self) -> LabelMap:
        task = self.__dict__.get("_task")
        if task is None:
            raise AttributeError(f"{type(self).__name__} has neither a task nor a label map")
        return task.label_map

    @label_map.setter
    def label_map(self, value: LabelMap | Task) -> None:
        # A Task is accepted too: families' constructors take "label_map" (the older name) and store it here.
        self.task = value if isinstance(value, Task) else Task.from_label_map(value)

    @classmethod
    def create(cls, spec: "BackboneSpec", task: Task, options: "CreateOptions") -> "SequenceClassifier":
        """A fresh classifier for ``spec`` and ``task`` (``registry.create_classifier`` calls it): untrained head or model."""
        raise NotImplementedError(f"{cls.__name__} is not created from a registry entry")

    @classmethod
    def create_encoder(cls, spec: "BackboneSpec", source: str | None, trust_remote_code: bool = False):
        """The family's token encoder for ``spec`` (``source``: a folder or hub id), without the model.

        Families without a tokenizer (k-mer LR, GC, ensembles) keep this default, a ConfigError.
        """
        raise ConfigError(f"backbone {spec.name!r} ({spec.family}) has no tokenizer to show")

    @classmethod
    def spec_for_folder(cls, path: Path) -> "BackboneSpec | None":
        """The family's registry entry that a hub-layout folder without our manifest holds, or None."""
        return None

    def to(self, device) -> "SequenceClassifier":
        """Move the model's weights to ``device``; returns self (a no-op for models without torch weights)."""
        return self

    def compile(self) -> bool:
        """``torch.compile`` the model in place; False where there is nothing to compile."""
        return False

    def quantize(self, mode: str) -> "SequenceClassifier":
        """A copy for CPU inference whose linear layers run in ``mode`` (``"int8"``); self is left as it is.

        Call it through ``enhancerlm.models.quantize.quantize``. Models without torch linear layers
        (k-mer LR, GC) keep this default, a ConfigError.
        """
        raise ConfigError(
            f"--quantize {mode}: backbone {self.backbone!r} ({self.family}) has no linear layers to quantise"
        )

    def predict_outputs(
        self,
        seqs: Sequence[str],
        batch_size: int | None = None,
        *,
        stride_bp: int | None = None,
        aggregate: str = "mean",
        both_strands: bool = False,
    ) -> np.ndarray:
        """The task's outputs for sequences of any length, shape=(len(seqs), n_outputs), float32.

        Class probabilities (binary, multi-class), a probability per label (multi-label) or predicted
        values (regression). The one home of windowing and strand averaging; every family only scores
        windows (``_predict_windows``). A sequence longer than ``max_bp`` is cut into overlapping
        windows (:func:`enhancerlm.tokenization.windows.split_windows`) whose outputs are aggregated;
        nothing is truncated.

        Parameters
        ----------
        seqs : sequence of str
            DNA sequences (any case; bases other than A/C/G/T are scored as N), any length >= 1 bp.
        batch_size : int, optional
            Windows per forward pass (default: the device's, 64 on CPU, 256 on GPU).
        stride_bp : int, optional
            Step, in bp, between the windows of a long sequence (default: half a window).
        aggregate : {"mean", "max"}
            Windows -> sequence: mean probabilities, or those of the window with the highest
            positive-class (last class) probability.
        both_strands : bool
            Average each sequence's probabilities with its reverse complement's: an enhancer works on
            either strand, so a strand-blind score is the better estimate.

        Returns
        -------
        np.ndarray, shape=(len(seqs), n_outputs), float32
            In the order of ``seqs``; column ``j`` is output ``task.names[j]``.

        Notes
        -----
        Cost: one window forward per ``stride_bp`` of sequence beyond ``max_bp`` (twice with
        ``both_strands``); memory holds all windows' strings and one batch of tokens.
        """
        if isinstance(seqs, (str, bytes)):
            raise InputError(f"seqs: expected a list of sequences, got one string; pass [{str(seqs)[:12]!r}...]")
        check_aggregate(aggregate)  # before any window is scored
        seqs = list(seqs)
        if not seqs:
            return np.empty((0, self.task.n_outputs), dtype=np.float32)
        if both_strands:
            proba = self._windowed_proba(seqs + [reverse_complement(s) for s in seqs], batch_size, stride_bp, aggregate)
            return (proba[: len(seqs)] + proba[len(seqs) :]) / 2
        return self._windowed_proba(seqs, batch_size, stride_bp, aggregate)

    def predict_proba(
        self,
        seqs: Sequence[str],
        batch_size: int | None = None,
        *,
        stride_bp: int | None = None,
        aggregate: str = "mean",
        both_strands: bool = False,
    ) -> np.ndarray:
        """Probabilities of sequences of any length, shape=(len(seqs), n_classes or n_labels), float32.

        Class probabilities (rows sum to 1) for a binary or multi-class task, a probability per label
        for a multi-label one; parameters as in :meth:`predict_outputs`, which this is. A regression
        model has no probabilities: a ConfigError points to :meth:`predict_outputs` / :meth:`predict`.
        """
        if self.task.kind == "regression":
            raise ConfigError(
                f"model {self.backbone!r} predicts values ({', '.join(self.task.names)}), not probabilities: "
                "use predict(seqs) or predict_outputs(seqs)"
            )
        return self.predict_outputs(
            seqs, batch_size, stride_bp=stride_bp, aggregate=aggregate, both_strands=both_strands
        )

    def predict(self, seqs: Sequence[str], batch_size: int | None = None, **windowing) -> np.ndarray:
        """Predictions as scikit-learn's ``predict`` gives them, for sequences of any length.

        Returns
        -------
        np.ndarray
            Class names, shape=(n,) (binary, multi-class); 0/1 per label at probability 0.5,
            shape=(n, n_labels), int8 (multi-label); values, shape=(n, n_targets), float32 (regression).
            ``windowing``: ``stride_bp``, ``aggregate``, ``both_strands`` as in :meth:`predict_outputs`.
        """
        outputs = self.predict_outputs(seqs, batch_size, **windowing)
        return self.task.decide(outputs)

    def _windowed_proba(
        self, seqs: list[str], batch_size: int | None, stride_bp: int | None, aggregate: str
    ) -> np.ndarray:
        """One strand: windows of at most ``max_bp`` -> ``_predict_windows`` -> one row per sequence."""
        windows = split_windows(seqs, self.max_bp, stride_bp)
        if len(windows.seqs) > len(seqs):
            n_long = sum(len(s) > (self.max_bp or 0) for s in seqs)
            log.info("%d sequences longer than %d bp scored as %d windows", n_long, self.max_bp, len(windows.seqs))
        proba = self._predict_windows(windows.seqs, batch_size)
        return aggregate_windows(proba, windows.seq_index, len(seqs), aggregate)

    @abstractmethod
    def _predict_windows(self, seqs: list[str], batch_size: int | None) -> np.ndarray:
        """The family's forward pass: the task's outputs (``Task.activate`` of its logits), shape=(len(seqs), n_outputs), float32.

        ``seqs`` is non-empty and each fits in ``max_bp`` (``predict_outputs`` windows longer ones
        first); implement this, never ``predict_outputs``.
        """

    @abstractmethod
    def save(self, directory: str | Path) -> None:
        """Write the model to ``directory`` so that ``load_classifier`` restores it."""

    @classmethod
    @abstractmethod
    def load(cls, directory: str | Path) -> "SequenceClassifier":
        """Restore a model written by ``save``."""

    def write_manifest(self, directory: str | Path, **extra) -> None:
        """Record family, backbone, task and output names next to the weights."""
        data = {
            "family": self.family,
            "backbone": self.backbone,
            **self.label_map.to_dict(),
            "task": self.task.to_dict(),
            **extra,
        }
        write_text_atomic(Path(directory) / MANIFEST, json.dumps(data, indent=2) + "\n")


def manifest_task(manifest: dict) -> Task:
    """The task a manifest records; older manifests (labels only) hold a binary or multi-class one."""
    return Task.from_dict(manifest.get("task") or manifest)


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a saved model folder, or {} where there is none (a plain hub-layout folder)."""
    path = Path(directory) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}


def log_validation(model: SequenceClassifier, table, what: str = "validation") -> None:
    """Log one agreement figure of ``model`` on a labelled canonical table (a closed-form fit's held-out check).

    Accuracy of the top class (binary, multi-class), of every label at probability 0.5 over the known
    values (multi-label), or the Pearson r of predicted and measured values, averaged over targets
    (regression). Only logged: model selection never reads it.
    """
    truth = model.task.encode(table, allow_missing=True)
    outputs = model.predict_outputs(table["sequence"].tolist())
    if model.task.single_label:
        log.info("%s: %s accuracy %.3f", model.backbone, what, float((outputs.argmax(axis=1) == truth).mean()))
        return
    known = ~np.isnan(truth)
    if model.task.kind == "multilabel":
        log.info(
            "%s: %s per-label accuracy %.3f", model.backbone, what, float(((outputs >= 0.5) == truth)[known].mean())
        )
        return
    r = [np.corrcoef(outputs[known[:, j], j], truth[known[:, j], j])[0, 1] for j in range(truth.shape[1])]
    log.info("%s: %s Pearson r %.3f (mean over targets)", model.backbone, what, float(np.nanmean(r)))
