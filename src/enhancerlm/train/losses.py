"""The training loss with missing truth masked out (``TrainConfig.mask_missing``), and the Trainer that uses it.

Without masking, the loss is transformers' own (the head's ``problem_type``: cross-entropy, BCE with
logits per label, MSE) and missing truth never reaches training (``Task.encode`` refuses it). With
masking, a multi-label or regression table may hold NaN where a cell type or assay has no value;
transformers' losses would turn every such batch into NaN, so this one computes the same per-entry
loss and averages it over the known entries only. On a batch with no NaN it equals transformers' loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from transformers import Trainer


def masked_loss(logits: torch.Tensor, labels: torch.Tensor, problem_type: str) -> torch.Tensor:
    """Mean per-entry loss over the known entries of ``labels`` (NaN = missing).

    Parameters
    ----------
    logits : torch.Tensor, shape=(batch, n_outputs)
    labels : torch.Tensor, shape=(batch, n_outputs), float
        0/1 per label (multi-label) or standardised values (regression), NaN where missing.
    problem_type : {"multi_label_classification", "regression"}
        transformers' name of the loss: BCE with logits per label, or squared error.

    Returns
    -------
    torch.Tensor, a scalar
        0 (with a gradient of 0) for a batch without a single known entry.
    """
    labels = labels.to(logits.device).reshape(logits.shape).to(logits.dtype)
    known = ~torch.isnan(labels)
    target = torch.where(known, labels, torch.zeros_like(labels))
    if problem_type == "multi_label_classification":
        per_entry = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    elif problem_type == "regression":
        per_entry = (logits - target) ** 2
    else:
        raise ValueError(f"masked loss: problem_type {problem_type!r} has no missing values to mask")
    return (per_entry * known).sum() / known.sum().clamp(min=1)


class MaskedLossTrainer(Trainer):
    """A ``Trainer`` whose loss is :func:`masked_loss` for the model's ``config.problem_type``.

    The loss is a mean over one batch's known entries, so the Trainer divides it by the gradient
    accumulation steps as it does a model's own loss (``loss_is_scaled_for_ga = False``).
    """

    loss_is_scaled_for_ga = False

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        problem_type = self.accelerator.unwrap_model(model).config.problem_type
        loss = masked_loss(outputs.logits, labels, problem_type)
        return (loss, outputs) if return_outputs else loss
