"""Ensembles: several registry models trained on the same data, their outputs averaged.

Published DNABERT ensembles (one model per k) and the classic k-mer models make different mistakes;
averaging their probabilities (or, for a regression task, their predicted values) is the cheapest way to combine them, and it needs no extra held-out data
(a learned stacker would). Each member is trained the way its family trains: k-mer/GC models fit in
closed form, neural members are fine-tuned with their own settings by the trainer the caller passes
(``enhancerlm.train.fit`` passes its own: the model layer imports no trainer). Members are saved in
sub-folders, each a complete model.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError, ModelNotFoundError
from enhancerlm.io import atomic_dir
from enhancerlm.models.base import SequenceClassifier, log_validation, manifest_task, read_manifest
from enhancerlm.models.catalog import CNN_FINETUNE
from enhancerlm.models.registry import (
    BackboneSpec,
    CreateOptions,
    create_classifier,
    fits_in_closed_form,
    load_classifier,
    register_family,
    resolve_backbone,
)
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task

log = logging.getLogger(__name__)

MEMBERS_DIR = "members"


@dataclass(frozen=True)
class Member:
    """One ensemble member: a backbone and, for neural ones, how to fine-tune it.

    Parameters
    ----------
    backbone : str
        Registry name or model folder.
    lr, epochs, batch_size : float, int, int
        Fine-tuning settings (ignored by closed-form models such as ``kmer-lr``); by default the CNN's
        recipe, the ``cnn`` registry entry's ``finetune`` (lr 1e-3, 10 epochs, batch 64).
    """

    backbone: str
    lr: float = CNN_FINETUNE.lr
    epochs: int = CNN_FINETUNE.epochs
    batch_size: int = CNN_FINETUNE.batch_size


# Trains one neural member: (fresh model, its Member, training table, seed) -> the trained model.
MemberTrainer = Callable[[SequenceClassifier, Member, pd.DataFrame, int], SequenceClassifier]


@register_family("ensemble")
class EnsembleClassifier(SequenceClassifier):
    """Mean of the members' outputs (class or label probabilities, or values), optionally over both strands.

    Parameters
    ----------
    label_map : Task or LabelMap
        What every member predicts.
    members : sequence of Member
    both_strands : bool
        Score each sequence and its reverse complement and average (enhancers work on either strand).
    backbone : str
        Registry name of the recipe.
    options : CreateOptions
        Seed and loading permissions passed to every member (member ``i`` is seeded ``seed + i``).
    """

    # Trained by ``fit``: each member the way its family trains, no learning rate of the ensemble's own.
    fits_in_closed_form = True

    def __init__(
        self,
        label_map: LabelMap | Task,
        members: Sequence[Member],
        both_strands: bool = True,
        backbone: str = "ensemble",
        options: CreateOptions = CreateOptions(),
    ):
        if not members:
            raise ConfigError(f"{backbone}: an ensemble needs at least one member")
        self.label_map, self.members, self.both_strands = label_map, list(members), both_strands
        self.backbone, self.options = backbone, options
        self.models: list[SequenceClassifier] = []

    @property
    def max_bp(self) -> int | None:  # type: ignore[override]  # read-only here: derived from the members
        """The shortest member limit: longer sequences are windowed once, for every member alike."""
        limits = [m.max_bp for m in self.models if m.max_bp is not None]
        return min(limits) if limits else None

    @property
    def min_bp(self) -> int:  # type: ignore[override]  # read-only here: derived from the members
        """The longest member minimum: a shorter record is featureless for at least one member."""
        if self.models:
            return max(m.min_bp for m in self.models)
        return max(resolve_backbone(m.backbone)[0].short_below_bp or 1 for m in self.members)

    @classmethod
    def create(cls, spec: BackboneSpec, task: Task, options: CreateOptions) -> "EnsembleClassifier":
        members = [Member(**m) for m in spec.config["members"]]
        return cls(task, members, spec.config.get("both_strands", True), spec.name, options)

    def fit(
        self,
        train_table: pd.DataFrame,
        val_table: pd.DataFrame | None = None,
        seed: int = 0,
        *,
        train_member: MemberTrainer | None = None,
        mask_missing: bool = False,
    ) -> "EnsembleClassifier":
        """Train every member on ``train_table``; returns self.

        Closed-form members fit themselves; neural ones are passed to ``train_member``
        (:func:`enhancerlm.train.fit.fine_tune_member`, which ``fit_classifier`` passes, keeps their best
        epoch on a stratified 10% of ``train_table``). Without it, a neural member is a ConfigError
        raised before any member is trained. ``val_table`` is only scored and logged.
        ``mask_missing``: closed-form members leave missing truth out of each output's fit (a neural
        member's trainer is told by whoever passes ``train_member``).
        """
        neural = [m.backbone for m in self.members if not fits_in_closed_form(m.backbone)]
        if neural and train_member is None:
            raise ConfigError(
                f"{self.backbone}: member(s) {', '.join(neural)} are fine-tuned; train the ensemble with "
                "enhancerlm.train.fit.fit_classifier (or pass train_member)"
            )
        self.models = [
            self._fit_member(i, m, train_table, seed + i, train_member, mask_missing)
            for i, m in enumerate(self.members)
        ]
        if val_table is not None and len(val_table):
            log_validation(self, val_table)
        return self

    def _fit_member(
        self,
        i: int,
        member: Member,
        train: pd.DataFrame,
        seed: int,
        train_member: MemberTrainer | None,
        mask_missing: bool,
    ):
        log.info("%s: training member %d/%d (%s)", self.backbone, i + 1, len(self.members), member.backbone)
        options = CreateOptions(
            trust_remote_code=self.options.trust_remote_code,
            allow_bin_weights=self.options.allow_bin_weights,
            seed=seed,
        )
        model = create_classifier(member.backbone, self.task, options)
        if model.fits_in_closed_form:
            # closed-form families define fit
            return model.fit(train, seed=seed, mask_missing=mask_missing)  # type: ignore[attr-defined]
        assert train_member is not None  # checked in fit before any member was trained
        return train_member(model, member, train, seed)

    def _predict_windows(self, seqs: list[str], batch_size: int | None) -> np.ndarray:
        """The task's outputs, shape=(len(seqs), n_outputs): the mean over members (and strands)."""
        if not self.models:
            raise ConfigError(f"{self.backbone}: the ensemble is not trained; call fit(train_table) first")
        return np.mean(
            [m.predict_outputs(seqs, batch_size, both_strands=self.both_strands) for m in self.models],
            axis=0,
        ).astype(np.float32)

    def save(self, directory: str | Path) -> None:
        """Each member in ``members/I-NAME/``, then the manifest listing them."""
        if not self.models:
            raise ConfigError(f"{self.backbone}: cannot save an ensemble that is not trained")
        directory = Path(directory)
        folders = []
        for i, (member, model) in enumerate(zip(self.members, self.models)):
            folder = f"{MEMBERS_DIR}/{i}-{_slug(member.backbone)}"
            with atomic_dir(directory / folder) as tmp:
                model.save(tmp)
            folders.append(folder)
        self.write_manifest(
            directory, members=[asdict(m) for m in self.members], folders=folders, both_strands=self.both_strands
        )

    @classmethod
    def load(cls, directory: str | Path) -> "EnsembleClassifier":
        directory = Path(directory)
        manifest = read_manifest(directory)
        missing = [f for f in manifest.get("folders", []) if not (directory / f).is_dir()]
        if missing or "folders" not in manifest:
            raise ModelNotFoundError(f"{directory}: ensemble member folder(s) missing: {missing or 'all'}")
        model = cls(
            manifest_task(manifest),
            [Member(**m) for m in manifest["members"]],
            manifest["both_strands"],
            manifest["backbone"],
        )
        model.models = [load_classifier(directory / f) for f in manifest["folders"]]
        return model


def _slug(backbone: str) -> str:
    return Path(backbone).name.replace("/", "-") or "model"
