"""Transformers models as `SequenceClassifier`s: batched, length-sorted, dynamically padded inference."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator, Protocol, Self, Sequence, cast

import numpy as np
import torch

from enhancerlm.device import autocast, default_batch_size
from enhancerlm.models.base import SequenceClassifier, manifest_task
from enhancerlm.models.targets import TargetScale, read_target_scale

# Loading lives in models/weights.py; importable from here as before.
from enhancerlm.models.weights import from_pretrained, load_model  # noqa: F401
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task

log = logging.getLogger(__name__)


class TokenEncoder(Protocol):
    """What a classifier needs from a tokenizer: batch encoding, padding id, saving.

    ``n_prefix`` / ``n_suffix``: special tokens before / after a sequence's own tokens (1 / 1 for
    ``[CLS] ... [SEP]``); mean-pooled embeddings leave them out.
    """

    pad_id: int
    n_prefix: int
    n_suffix: int

    def encode_batch(self, seqs: Sequence[str]) -> list[np.ndarray]: ...

    def save_pretrained(self, directory: str | Path) -> None: ...


class WindowedEncoder(TokenEncoder, Protocol):
    """An encoder that knows how many bp ``max_tokens`` tokens cover (k-mer, character; hub ones differ)."""

    def max_bp(self, max_tokens: int) -> int: ...


def pad_batch(ids: Sequence[np.ndarray], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad to the longest in the batch -> (input_ids, attention_mask), shape=(batch, max_len)."""
    width = max(len(x) for x in ids)
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, x in enumerate(ids):
        input_ids[row, : len(x)] = x
        mask[row, : len(x)] = 1
    return torch.from_numpy(input_ids), torch.from_numpy(mask)


def length_sorted_batches(ids: Sequence[np.ndarray], batch_size: int) -> Iterator[np.ndarray]:
    """Row numbers of ``ids`` in batches of at most ``batch_size``, shortest first (stable), so batches pad little.

    Yields
    ------
    np.ndarray of int, shape=(<= batch_size,)
        Positions in ``ids`` of one batch; write results back with ``out[rows] = ...``.
    """
    order = np.argsort([len(x) for x in ids], kind="stable")
    for lo in range(0, len(order), batch_size):
        yield order[lo : lo + batch_size]


@contextlib.contextmanager
def preserved_model_state(classifier: "TransformerClassifier", *, eval_mode: bool = False) -> Iterator:
    """Leave the user's model as found: its device, train/eval mode and activation checkpointing are
    put back when the block ends, also on error.

    They are put back onto whatever ``classifier.model`` is then: training may swap in an unwrapped
    copy (LoRA merged). ``eval_mode``: the model is in eval mode inside the block. Yields the model.
    """
    model = classifier.model
    device, training = next(model.parameters()).device, model.training
    checkpointing = getattr(model, "is_activation_checkpointing", False)
    if eval_mode:
        model.eval()
    try:
        yield model
    finally:
        model = classifier.model
        if next(model.parameters()).device != device:  # moved inside (the Trainer): move it back, else leave it
            model.to(device)
        model.train(training)
        if getattr(model, "is_activation_checkpointing", False) and not checkpointing:
            model.activation_checkpointing_disable()


# forward_rows' per-batch step: (model output, attention_mask of shape (batch, tokens)) -> (batch, width).
BatchRows = Callable[[Any, torch.Tensor], torch.Tensor]


def _logits(output, attention_mask: torch.Tensor) -> torch.Tensor:
    return output.logits


def label_kwargs(task: Task | LabelMap) -> dict:
    """A transformers config's head fields for ``task``: ``num_labels``, ``id2label``, ``label2id``, ``problem_type``.

    ``num_labels`` is the task's number of outputs (classes, labels or targets). ``problem_type`` makes
    transformers' own sequence-classification heads pick the task's loss: cross-entropy over classes,
    BCE-with-logits per label for multi-label tasks (a sequence may be active in several cell types,
    so the labels are independent Bernoulli outcomes, not one softmax), and MSE for regression. MSE,
    not Poisson, because the targets are standardised real numbers (:mod:`enhancerlm.models.targets`):
    STARR-seq and MPRA activities are log-ratios that can be negative, not counts; a Poisson loss
    suits raw read counts, which these tables do not hold.
    """
    task = task if isinstance(task, Task) else Task.from_label_map(task)
    d = task.label_map.to_dict()
    return {
        "num_labels": task.n_outputs,
        "id2label": {int(i): n for i, n in d["id2label"].items()},
        "label2id": d["label2id"],
        "problem_type": task.problem_type,
    }


class TransformerClassifier(SequenceClassifier):
    """A ``*ForSequenceClassification`` model and its tokenizer: the base of every fine-tuned family.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        Returns ``.logits`` of shape (batch, n_outputs).
    encoder : TokenEncoder
        Sequences -> token ids ([CLS]/[SEP] included).
    label_map : Task or LabelMap
        What the head predicts (a LabelMap: its binary or multi-class task).
    backbone : str
        Registry name.
    max_bp : int or None
        Longest sequence that fits in the model's positions.

    Attributes
    ----------
    target_scale : TargetScale or None
        Regression: the training targets' mean and sd; the head predicts standardised values and
        ``predict_outputs`` undoes the scaling. Set by the trainer, saved with the model.
    has_hidden_states : bool
        The model returns ``hidden_states`` (``output_hidden_states=True``), so
        ``enhancerlm.embeddings`` can embed with it; False for families that are not transformers.
    """

    has_hidden_states: ClassVar[bool] = True
    target_scale: TargetScale | None = None

    def __init__(self, model, encoder: TokenEncoder, label_map, backbone: str, max_bp: int | None):
        self.model = model
        self.encoder = encoder
        self.label_map = label_map
        self.backbone = backbone
        self.max_bp = max_bp

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device) -> "TransformerClassifier":
        self.model.to(device)
        return self

    def compile(self) -> bool:
        self.model = torch.compile(self.model)
        return True

    def quantize(self, mode: str) -> "TransformerClassifier":
        from enhancerlm.models.quantize import int8_copy  # the only mode past quantize()'s check

        return int8_copy(self)

    def predict_logits(self, seqs: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """The head's raw outputs, shape=(len(seqs), n_outputs), float32; batches sorted by length to pad little.

        Class or label logits, or standardised values (regression; see ``target_scale``).
        """
        return self.forward_rows(seqs, _logits, self.model.config.num_labels, batch_size)

    def forward_rows(
        self, seqs: Sequence[str], to_rows: BatchRows, width: int, batch_size: int | None = None, **forward_kwargs
    ) -> np.ndarray:
        """The one inference loop: length-sorted, dynamically padded, autocast batches in inference mode.

        Parameters
        ----------
        seqs : sequence of str
            Each fits in ``max_bp`` (``predict_proba`` and ``enhancerlm.embeddings`` window longer ones first).
        to_rows : callable
            ``to_rows(output, attention_mask)`` -> tensor, shape=(batch, width): one row per sequence of
            the batch from the model's output (logits for predictions, pooled hidden states for embeddings).
        width : int
            Columns of the result.
        batch_size : int, optional
            Sequences per forward pass (default: :func:`enhancerlm.device.default_batch_size`).
        **forward_kwargs
            Passed to the model's forward (e.g. ``output_hidden_states=True``).

        Returns
        -------
        np.ndarray, shape=(len(seqs), width), float32
            In the order of ``seqs``.
        """
        ids = self.encoder.encode_batch(seqs)
        batch_size = batch_size or default_batch_size(self.device)
        out = np.empty((len(seqs), width), dtype=np.float32)
        with preserved_model_state(self, eval_mode=True) as model, torch.inference_mode(), autocast(self.device):
            for rows in length_sorted_batches(ids, batch_size):
                input_ids, mask = pad_batch([ids[i] for i in rows], self.encoder.pad_id)
                mask = mask.to(self.device)
                output = model(input_ids=input_ids.to(self.device), attention_mask=mask, **forward_kwargs)
                out[rows] = to_rows(output, mask).float().cpu().numpy()
        return out

    def _predict_windows(self, seqs: list[str], batch_size: int | None) -> np.ndarray:
        outputs = self.task.activate(self.predict_logits(seqs, batch_size))
        return outputs if self.target_scale is None else self.target_scale.restore(outputs)

    def limit_window(self, max_tokens: int) -> None:
        """Score at most ``max_tokens`` tokens a pass: ``max_bp`` becomes the bp they cover (it never grows).

        Longer sequences are then windowed by training and ``enhancerlm.predict`` alike; ``save``
        records ``max_bp``, so the loaded model windows the same way.
        """
        # HubClassifier, whose encoder's max_bp differs, overrides this method
        self._set_window(max_tokens, cast(WindowedEncoder, self.encoder).max_bp(max_tokens))

    def _set_window(self, max_tokens: int, window_bp: int) -> None:
        if window_bp < self.min_bp:
            from enhancerlm.errors import ConfigError

            raise ConfigError(
                f"max_length={max_tokens}: {max_tokens} tokens cover {window_bp} bp, less than the "
                f"{self.min_bp} bp backbone {self.backbone!r} needs for one token of its own"
            )
        self.max_bp = window_bp if self.max_bp is None else min(self.max_bp, window_bp)

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        self.model.save_pretrained(directory)  # transformers 5 always writes safetensors
        self.encoder.save_pretrained(directory)
        self.write_manifest(directory, max_bp=self.max_bp, **self.head_manifest())

    def head_manifest(self) -> dict:
        """What the manifest records beyond the task to rebuild the outputs: the regression target scale."""
        return {} if self.target_scale is None else {"target_scale": self.target_scale.to_dict()}

    def restore_head(self, manifest: dict) -> Self:
        """Set the task and target scale a loaded model's manifest records (``load`` of each family); returns self."""
        self.task = manifest_task(manifest)
        self.target_scale = read_target_scale(manifest)
        return self
