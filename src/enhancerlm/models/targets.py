"""Regression targets on the scale a model learns them: standardised with the training set's mean and sd.

A regression head trained with MSE on raw activities would see a loss whose size depends on the
assay's units (log2 STARR-seq enrichment, MPRA log-ratios, mean bigWig signal differ by orders of
magnitude), so one learning rate cannot suit them all; on standardised targets the loss starts near 1
whatever the units. The mean and sd are saved with the model and undone at prediction, so predictions
are in the user's units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from enhancerlm.sequences.task import Task


@dataclass(frozen=True)
class TargetScale:
    """Per-target mean and standard deviation of the training values.

    Attributes
    ----------
    mean, scale : np.ndarray, shape=(n_targets,), float64
        ``standardise(y) = (y - mean) / scale``; a constant target gets scale 1.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, y: np.ndarray) -> "TargetScale":
        """From training values, shape=(n, n_targets); NaN (missing) values are left out."""
        y = np.asarray(y, dtype=np.float64)
        mean, scale = np.nanmean(y, axis=0), np.nanstd(y, axis=0)
        return cls(np.nan_to_num(mean), np.where(np.isfinite(scale) & (scale > 0), scale, 1.0))

    def standardise(self, y: np.ndarray) -> np.ndarray:
        """Values in the user's units, shape=(n, n_targets) -> standardised (NaN stays NaN)."""
        return (np.asarray(y, dtype=np.float64) - self.mean) / self.scale

    def restore(self, values: np.ndarray) -> np.ndarray:
        """Standardised predictions, shape=(n, n_targets) -> the user's units, float32."""
        return (np.asarray(values, dtype=np.float64) * self.scale + self.mean).astype(np.float32)

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> "TargetScale":
        return cls(np.asarray(data["mean"], dtype=np.float64), np.asarray(data["scale"], dtype=np.float64))


def target_scale_for(task: Task, y: np.ndarray) -> TargetScale | None:
    """The scale a model of ``task`` learns its training truth ``y`` on: regression only (None otherwise)."""
    return TargetScale.fit(y) if task.kind == "regression" else None


def read_target_scale(manifest: dict) -> TargetScale | None:
    """The target scale a model manifest records (``"target_scale"``), or None."""
    data = manifest.get("target_scale")
    return TargetScale.from_dict(data) if data else None
