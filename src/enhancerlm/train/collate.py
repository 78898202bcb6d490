"""Labelled tables -> token-id datasets, and the collator that pads each batch to its longest member."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from enhancerlm.errors import InputError
from enhancerlm.models.hf import TransformerClassifier, pad_batch
from enhancerlm.tokenization.windows import split_windows

log = logging.getLogger(__name__)


class TokenDataset(torch.utils.data.Dataset):
    """Token ids and the truth, one item per training example.

    Items are ``{"input_ids": np.ndarray shape=(n_tokens,), "labels": int}`` (a class id) or, for
    multi-label and regression tasks, ``"labels": np.ndarray shape=(n_outputs,), float32`` (0/1 per
    label or standardised values, NaN where missing); ``Trainer``'s ``LengthGroupedSampler`` reads
    the lengths off ``input_ids``.

    Parameters
    ----------
    ids : list of np.ndarray
        Token ids per example, [CLS]/[SEP] included.
    labels : array-like, shape=(len(ids),) or (len(ids), n_outputs)
        Class id per example, or a row of outputs per example.
    """

    def __init__(self, ids: list[np.ndarray], labels: Sequence[int] | np.ndarray):
        if len(ids) != len(labels):
            raise InputError(f"dataset: {len(ids)} token arrays but {len(labels)} labels")
        self.ids = ids
        labels = np.asarray(labels)
        self.labels = labels.astype(np.int64) if labels.ndim == 1 else labels.astype(np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict:
        label = self.labels[i]
        return {"input_ids": self.ids[i], "labels": int(label) if self.labels.ndim == 1 else label}

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per example, shape=(n,)."""
        return np.fromiter((len(x) for x in self.ids), dtype=np.int64, count=len(self.ids))


def build_dataset(
    classifier: TransformerClassifier,
    table: pd.DataFrame,
    *,
    long_sequences: str = "window",
    stride_bp: int | None = None,
    what: str = "train",
    mask_missing: bool = False,
) -> TokenDataset:
    """Tokenise a labelled canonical table; sequences longer than ``classifier.max_bp`` become windows.

    Every window inherits its sequence's truth. With ``long_sequences="error"`` a sequence longer than
    ``max_bp`` is an InputError naming it.

    Parameters
    ----------
    classifier : TransformerClassifier
        Supplies ``encoder``, ``task`` (and a regression model's ``target_scale``, by which the
        targets are standardised) and ``max_bp`` (bp).
    table : pd.DataFrame
        Canonical table with columns ``id``, ``sequence`` and the task's truth columns
        (:meth:`enhancerlm.sequences.task.Task.truth_columns`).
    long_sequences : {"window", "error"}
    stride_bp : int or None
        Step between windows in bp; None: ``max_bp // 2``.
    what : str
        Name of the table in messages (``"train"``, ``"val"``).
    mask_missing : bool
        Keep missing values as NaN (masked out of the loss); False: they are an InputError.
    """
    if len(table) == 0:
        raise InputError(f"{what} table is empty")
    labels = classifier.task.encode(table, allow_missing=mask_missing)
    if classifier.target_scale is not None:
        labels = classifier.target_scale.standardise(labels)
    seqs = table["sequence"].tolist()
    if long_sequences == "error":
        _reject_long(table, classifier.max_bp, what)
    windows = split_windows(seqs, classifier.max_bp, stride_bp)
    if len(windows.seqs) > len(seqs):
        assert classifier.max_bp is not None  # split_windows only cuts when there is a limit
        log.info(
            "%s: %d sequences longer than %d bp become %d windows that inherit their labels",
            what,
            sum(len(s) > classifier.max_bp for s in seqs),
            classifier.max_bp,
            len(windows.seqs),
        )
    return TokenDataset(classifier.encoder.encode_batch(windows.seqs), labels[windows.seq_index])


def _reject_long(table: pd.DataFrame, max_bp: int | None, what: str) -> None:
    if max_bp is None:
        return
    lengths = table["sequence"].str.len().to_numpy()
    too_long = np.flatnonzero(lengths > max_bp)
    if too_long.size:
        i = int(too_long[0])
        raise InputError(
            f"{what}: record {table['id'].iloc[i]!r} is {lengths[i]} bp, longer than the model's {max_bp} bp "
            f"({too_long.size} such records); set long_sequences='window' to train on overlapping windows"
        )


@dataclass(frozen=True)
class PadCollator:
    """Stack examples into a batch padded with ``pad_id`` to its longest member (or to ``pad_to`` tokens).

    Hand-written because ``transformers.DataCollatorWithPadding`` needs a Hugging Face tokenizer and our
    k-mer encoder is not one.

    Parameters
    ----------
    pad_id : int
        Token id used for padding.
    pad_to : int or None
        Pad every batch to this many tokens (the reference study's fixed 512; for benchmarks).
    """

    pad_id: int
    pad_to: int | None = None

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        """Examples -> ``input_ids``, ``attention_mask`` shape=(batch, n_tokens) and ``labels``.

        ``labels``: class ids, shape=(batch,), int64; or outputs, shape=(batch, n_outputs), float32.
        """
        input_ids, mask = pad_batch([np.asarray(f["input_ids"]) for f in features], self.pad_id)
        if self.pad_to is not None and self.pad_to > input_ids.shape[1]:
            extra = (0, self.pad_to - input_ids.shape[1])
            input_ids, mask = F.pad(input_ids, extra, value=self.pad_id), F.pad(mask, extra, value=0)
        batch = {"input_ids": input_ids, "attention_mask": mask}
        if "labels" in features[0]:
            labels = np.asarray([f["labels"] for f in features])
            batch["labels"] = torch.from_numpy(labels.astype(np.int64 if labels.ndim == 1 else np.float32))
        return batch
