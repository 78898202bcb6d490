"""Training from DataFrames or SPECs: one classifier (``fit``), or the whole experiment (``run_experiment``)."""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence, cast

import pandas as pd

from enhancerlm.api.inputs import Sequences, read_sequences
from enhancerlm.errors import ConfigError
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.sequences.task import Task, infer_task

if TYPE_CHECKING:  # the result type; it loads with its function
    from enhancerlm.experiment.pipeline import RunResult

log = logging.getLogger(__name__)


def fit(
    backbone: str | Path,
    train: Sequences,
    *,
    out: str | Path | None = None,
    seed: int = 0,
    val_fraction: float = 0.1,
    positive_label: str | None = None,
    task: str = "auto",
    label_columns: Sequence[str] = (),
    target_columns: Sequence[str] = (),
    mask_missing: bool = False,
    max_length: int | None = None,
    trust_remote_code: bool = False,
    **settings,
) -> SequenceClassifier:
    """Train a fresh ``backbone`` classifier on labelled records, the way its family trains.

    k-mer, gapped k-mer, GC models and ensembles of them fit in closed form (C by cross-validation);
    the others are fine-tuned with their registry entry's recipe (learning rate, epochs, batch size,
    warm-up; ``enhancerlm models``), keeping the best epoch on a stratified ``val_fraction`` of
    ``train`` where the recipe picks one. No search and no test set: that is :func:`run_experiment`.

    Parameters
    ----------
    backbone : str or Path
        Registry name (``"kmer-lr"``, ``"tiny-dnabert-6"``, ``"dnabert-6"`` ...), hub id or model folder.
    train : str, Path, list of str or DataFrame
        Labelled records, as :func:`read_sequences` takes them (every record labelled, 2+ classes; or
        0/1 label columns, or numeric target columns, for a multi-label or regression task).
    out : str or Path, optional
        Fine-tuning folder (``model/``, ``history.tsv``, checkpoints); None: a temporary one, removed.
    seed : int
        Seeds the head, the validation split and training.
    val_fraction : float
        Share of ``train`` held out for the fine-tuning curves, in [0, 1).
    positive_label : str, optional
        Positive class of a binary task (default: the one not named like a negative).
    task : {"auto", "binary", "multiclass", "multilabel", "regression"}
        What is predicted (``enhancerlm run --task``); auto: from the columns (below) or the labels.
    label_columns : sequence of str
        Multi-label task: the 0/1 columns of a table or DataFrame, one per label.
    target_columns : sequence of str
        Regression task: the numeric columns, one per target.
    mask_missing : bool
        Leave missing label/target values out of the loss of that output, instead of refusing them.
    max_length : int, optional
        Window length in tokens (default: the model's maximum).
    **settings
        TrainConfig fields that replace the recipe's: ``epochs``, ``lr``, ``batch_size``, ``lora`` ...

    Returns
    -------
    SequenceClassifier
        Trained, in memory (and in ``out/model`` when ``out`` is given).
    """
    from enhancerlm.models.registry import CreateOptions, create_classifier, resolve_backbone

    spec, _ = resolve_backbone(str(backbone))
    table = read_sequences(
        train,
        split="train",
        warn_below=spec.short_below_bp,
        require_labels=True,
        label_columns=label_columns,
        target_columns=target_columns,
    )
    fitted_task = infer_task(table, task, positive_label)
    fitted_task.encode(table, allow_missing=mask_missing)  # a missing or bad value: refused before training
    config_for = _train_config(spec, fitted_task, seed, settings)  # checked before the model is built
    options = CreateOptions(trust_remote_code=trust_remote_code, seed=seed)
    classifier = create_classifier(str(backbone), fitted_task, options)
    if max_length is not None:
        if classifier.fits_in_closed_form:
            raise ConfigError(f"max_length={max_length}: {backbone} reads whole sequences, not token windows")
        cast(Any, classifier).limit_window(max_length)  # every family not fitted in closed form reads tokens
    with _fit_folder(out) as folder:
        fitting = {"seed": seed, "val_fraction": val_fraction, "mask_missing": mask_missing}
        return _fit_in(classifier, table, folder, config_for, keep=out is not None, **fitting)


def _train_config(spec, task: Task, seed: int, settings: dict):
    """``config_for(has_val)``: the backbone's recipe with ``settings`` applied (checked now, used when fine-tuning)."""
    from enhancerlm.experiment.fitting import best_epoch_metric, task_metric
    from enhancerlm.models.registry import FinetuneDefaults
    from enhancerlm.train.config import TrainConfig
    from enhancerlm.train.fit import recipe_config

    recipe = spec.finetune or FinetuneDefaults()

    def config_for(has_val: bool) -> TrainConfig:
        patience = settings.get("early_stopping_patience")
        best = best_epoch_metric(recipe.metric_for_best, patience, has_val, task, chosen=False)
        chosen = {"metric_for_best": task_metric(m, task)} if (m := settings.get("metric_for_best")) else {}
        return TrainConfig.from_dict({**recipe_config(recipe, seed, best).to_dict(), **settings, **chosen})

    config_for(True)  # an unknown or bad setting is an error before training starts
    if settings and spec.finetune is None:
        log.warning("%s fits in closed form: %s not used", spec.name, ", ".join(sorted(settings)))
    return config_for


@contextlib.contextmanager
def _fit_folder(out: str | Path | None) -> Iterator[Path]:
    """``out``, created; or, without one, a temporary folder for the checkpoints, removed afterwards."""
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        yield Path(out)
        return
    with tempfile.TemporaryDirectory(prefix="enhancerlm-fit-") as tmp:
        yield Path(tmp)


def _fit_in(classifier, table, folder: Path, config_for, *, keep: bool, **fitting):
    """Train through ``train.fit.fit_classifier`` (``fitting``: its seed, val_fraction, mask_missing); with
    ``keep``, the model ends in ``folder/model`` either way."""
    from enhancerlm.io import atomic_dir
    from enhancerlm.train.fit import fit_classifier

    result = fit_classifier(classifier, table, folder, config_for=config_for, write_split=keep, **fitting)
    if keep and result.out_dir is None:  # closed form: nothing written yet; fine-tuning wrote folder/model
        with atomic_dir(folder / "model") as tmp:
            result.classifier.save(tmp)
    return result.classifier


def run_experiment(
    train: Sequences | Sequence[str | Path],
    test: Sequences | Sequence[str | Path],
    *,
    backbone: str = "tiny-dnabert-6",
    out: str | Path,
    **settings,
) -> RunResult:
    """The whole ``enhancerlm run`` experiment: audit, dedup, zero-shot, search, fine-tune, test, report.

    Parameters
    ----------
    train, test : str, Path, list of SPECs, or DataFrame
        Labelled records: SPEC(s) as ``enhancerlm run --train/--test`` takes them, or a DataFrame
        (sequence and label columns; the run keeps a copy in ``out/inputs/`` and its config names it).
    backbone : str
        Registry name, hub id or model folder.
    out : str or Path
        Output folder (``metrics.json``, ``predictions.tsv``, ``report.html``, ``model/`` ...).
    **settings
        Any RunConfig field (every ``enhancerlm run`` flag): ``epochs``, ``search=False``,
        ``both_strands=True``, ``baselines=["kmer-lr"]``, ``mode="probe"``; the task:
        ``task="multilabel"``, ``label_columns=["heart", "liver"]`` (0/1 columns),
        ``target_columns=["activity"]`` (regression), ``mask_missing=True`` ...

    Returns
    -------
    RunResult
        ``out``, ``report`` (report.html) and ``metrics`` (metrics.json).
    """
    from enhancerlm.experiment.config import RunConfig
    from enhancerlm.experiment.pipeline import run_experiment as run_pipeline

    inputs = {"train": train, "test": test}
    frames = {split: data for split, data in inputs.items() if isinstance(data, pd.DataFrame)}
    specs = {split: _spec_list(data) for split, data in inputs.items() if split not in frames}
    cfg = RunConfig.from_dict({**settings, **specs, "backbone": str(backbone), "out": str(out)})
    return run_pipeline(cfg, frames=frames)


def _spec_list(data) -> list[str]:
    """One SPEC or several, as RunConfig's list of strings."""
    if isinstance(data, (str, Path)):
        return [str(data)]
    return [str(spec) for spec in data]
