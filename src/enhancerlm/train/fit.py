"""Training any registry model: its closed-form fit, or a validation split then fine-tuning."""

from __future__ import annotations

import dataclasses
import functools
import logging
import tempfile
from pathlib import Path
from typing import Any, Callable, NamedTuple, cast

import pandas as pd

from enhancerlm.io import atomic_path
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.models.catalog import CNN_FINETUNE
from enhancerlm.models.ensemble import EnsembleClassifier, Member
from enhancerlm.models.hf import TransformerClassifier
from enhancerlm.models.registry import FinetuneDefaults
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.finetune import finetune
from enhancerlm.train.metrics import task_metric

log = logging.getLogger(__name__)

# Share of the training set an ensemble's neural member holds out to pick its best epoch (copies stay on one side).
MEMBER_VAL_FRACTION = 0.1


class FitResult(NamedTuple):
    """What :func:`fit_classifier` returns.

    Attributes
    ----------
    classifier : SequenceClassifier
        The trained classifier (the object passed in).
    history : pd.DataFrame or None
        The fine-tuning curves (``epoch, metric, value``); None for closed-form models.
    out_dir : Path or None
        The fine-tuning run folder (``model/``, ``history.tsv`` ...); None for closed-form models.
    """

    classifier: SequenceClassifier
    history: pd.DataFrame | None
    out_dir: Path | None


def split_validation(
    train: pd.DataFrame, fraction: float, seed: int, out: Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Stratified hold-out of the training set for the fine-tuning curves (never the test set).

    Copies of a sequence (either strand) stay on one side (:func:`enhancerlm.data.leakage.splits.stratified_split`),
    so early stopping and the curves do not score memorised records. With ``out``, which record went
    where is written to ``out/split.tsv`` (id, label, split), as the search writes its own.
    ``fraction`` 0: no validation set, ``(train, None)``.
    """
    if fraction <= 0:
        return train, None
    from enhancerlm.data.leakage.splits import split_ids, stratified_split

    fit, val = stratified_split(train, fraction, seed)
    if out is not None:
        with atomic_path(out / "split.tsv") as tmp:
            split_ids(fit, val).to_csv(tmp, sep="\t", index=False)
    return fit, val


def recipe_config(recipe: FinetuneDefaults, seed: int, metric_for_best: str | None, **overrides) -> TrainConfig:
    """The TrainConfig of a registry entry's fine-tuning recipe (lr, epochs, batch size, warm-up).

    ``metric_for_best`` is passed as resolved by the caller (None: keep the last epoch); ``overrides``
    are further TrainConfig fields (e.g. ``keep_checkpoints=1``).
    """
    return TrainConfig.from_shared(recipe, seed=seed, metric_for_best=metric_for_best, **overrides)


def fit_classifier(
    classifier: SequenceClassifier,
    train: pd.DataFrame,
    out_dir: Path,
    *,
    seed: int,
    val_fraction: float,
    config_for: Callable[[bool], TrainConfig],
    write_split: bool = True,
    resume: bool = False,
    progress: bool = True,
    mask_missing: bool = False,
) -> FitResult:
    """Train ``classifier`` on ``train`` the way its family trains.

    Closed-form models (``fits_in_closed_form``: k-mer LR, GC, ensembles) call their own ``fit``;
    the others hold out ``val_fraction`` of ``train`` (:func:`split_validation`) and are fine-tuned
    into ``out_dir``.

    Parameters
    ----------
    classifier : SequenceClassifier
        A fresh classifier from the registry.
    train : pd.DataFrame
        Canonical table with ``sequence`` and the truth columns of the classifier's task.
    out_dir : Path
        Fine-tuning run folder (untouched by closed-form models).
    seed : int
        Seed of the fit and of the validation split.
    val_fraction : float
        Share of ``train`` held out for validation, in [0, 1).
    config_for : callable
        ``config_for(has_val)`` -> the TrainConfig (the best epoch can only be picked with a validation set).
    write_split : bool
        Write which record went where to ``out_dir/split.tsv``.
    resume, progress : bool
        Passed to :func:`enhancerlm.train.finetune.finetune`.
    mask_missing : bool
        Leave missing label/target values out of each output's fit or loss (``TrainConfig.mask_missing``):
        closed-form fits and ensemble members; a fine-tuned model also when its TrainConfig says so.
    """
    if isinstance(classifier, EnsembleClassifier):  # its neural members are trained here, one by one
        members = functools.partial(fine_tune_member, mask_missing=mask_missing)
        return FitResult(classifier.fit(train, seed=seed, train_member=members, mask_missing=mask_missing), None, None)
    if classifier.fits_in_closed_form:  # LinearBaseline: fit(train, seed=...)
        return FitResult(cast(Any, classifier).fit(train, seed=seed, mask_missing=mask_missing), None, None)
    fit, val = split_validation(train, val_fraction, seed, out_dir if write_split else None)
    config = config_for(val is not None)
    # every family that is not fitted in closed form is a TransformerClassifier (hf, dnabert, cnn)
    result = finetune(
        cast(TransformerClassifier, classifier),
        fit,
        val,
        config.replace(mask_missing=True) if mask_missing else config,
        out_dir,
        resume=resume,
        progress=progress,
    )
    return FitResult(result.classifier, result.history, result.out_dir)


def fine_tune_member(
    model: SequenceClassifier, member: Member, train: pd.DataFrame, seed: int, *, mask_missing: bool = False
) -> SequenceClassifier:
    """An ensemble's neural member, fine-tuned the way the ``cnn`` entry is, at the member's settings.

    The CNN's recipe (warm-up, best epoch by validation AUROC, or the task's counterpart:
    :func:`enhancerlm.train.metrics.task_metric`) with the member's lr, epochs and batch size; the
    best epoch is picked on a stratified ``MEMBER_VAL_FRACTION`` of ``train``. Checkpoints live in a
    temporary folder, removed on return.
    """
    recipe = dataclasses.replace(
        CNN_FINETUNE,
        lr=member.lr,
        epochs=member.epochs,
        batch_size=member.batch_size,
        metric_for_best=task_metric(model.task, CNN_FINETUNE.metric_for_best),
    )
    with tempfile.TemporaryDirectory(prefix="enhancerlm-member-") as work:
        return fit_classifier(
            model,
            train,
            Path(work),
            seed=seed,
            val_fraction=MEMBER_VAL_FRACTION,
            write_split=False,
            progress=False,
            config_for=lambda has_val: recipe_config(
                recipe, seed, recipe.metric_for_best, keep_checkpoints=1, mask_missing=mask_missing
            ),
        ).classifier
