"""Seconds per training step and per scored sequence of a model, timed on a few real batches."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import torch

from enhancerlm.device import autocast, best_device
from enhancerlm.models.hf import TransformerClassifier
from enhancerlm.train.collate import PadCollator, build_dataset


@dataclass(frozen=True)
class StepTimes:
    """What one unit of a model's work costs where it runs.

    Attributes
    ----------
    train_step_s : float
        Seconds per optimiser step of ``batch_size`` sequences (forward, backward, AdamW update).
    scored_s : float
        Seconds per sequence of a forward pass without gradients (validation, test, embeddings).
    batch_size : int
        Sequences per timed step.
    device : str
        Where it was timed (``"cpu"``, ``"cuda"``).
    n_params : int
        Parameters of the model.
    """

    train_step_s: float
    scored_s: float
    batch_size: int
    device: str
    n_params: int


def time_steps(
    classifier: TransformerClassifier,
    table: pd.DataFrame,
    batch_size: int,
    *,
    n_steps: int = 2,
    clock: Callable[[], float] | None = None,
) -> StepTimes:
    """Time ``n_steps`` training steps and one forward pass on a batch of ``table``'s median-length records.

    Pass a throwaway classifier: its weights are updated (the torch random state is restored). Cost:
    ``n_steps`` training steps and one forward pass of one batch. The fastest step is kept, since the
    first pays one-off allocations; the batch is of typical length, as length-grouped training batches are.

    Parameters
    ----------
    classifier : TransformerClassifier
        A fresh model of the run's backbone; it is moved to the device training would use.
    table : pd.DataFrame
        Canonical labelled table (the training set).
    batch_size : int
        Sequences per step.
    n_steps : int
        Training steps to time; 0 for a model that is only scored (``train_step_s`` is then 0).
    clock : callable, optional
        Seconds now (default ``time.perf_counter``); tests pass their own.
    """
    clock = clock or time.perf_counter
    device = best_device()
    model = classifier.model.to(device)
    batch = {k: v.to(device) for k, v in _typical_batch(classifier, table, batch_size).items()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    step_s = []
    with torch.random.fork_rng():  # dropout draws must not shift the seeded run that follows
        model.train()
        for _ in range(n_steps):
            start = clock()
            with autocast(device):  # bf16 on CUDA, as the Trainer trains there
                loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            _wait(device)
            step_s.append(clock() - start)
        model.eval()
        start = clock()
        with torch.inference_mode(), autocast(device):
            model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        _wait(device)
        scored_s = (clock() - start) / len(batch["labels"])
    n_params = sum(p.numel() for p in model.parameters())
    return StepTimes(min(step_s, default=0.0), scored_s, len(batch["labels"]), device.type, n_params)


def _typical_batch(classifier: TransformerClassifier, table: pd.DataFrame, batch_size: int) -> dict:
    """The ``batch_size`` records nearest the median length, tokenised and padded."""
    lengths = table["sequence"].str.len().to_numpy()
    nearest = np.argsort(np.abs(lengths - np.median(lengths)), kind="stable")[:batch_size]
    dataset = build_dataset(classifier, table.iloc[np.sort(nearest)], what="timing")
    return PadCollator(classifier.encoder.pad_id)([dataset[i] for i in range(min(batch_size, len(dataset)))])


def _wait(device: torch.device) -> None:
    """CUDA runs asynchronously: a step is done when the device says so."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
