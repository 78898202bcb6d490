"""Multi-label and regression models whose outputs are known functions of the sequence, for the output tests.

``MotifModel`` scores each window (at most ``max_bp``) by hand-set rules, so every output of
``predict``, ``scan``, ``variants``, ISM and the web page can be checked exactly without training:

- multi-label ``("AP1", "GC")``: P(AP1) = sigmoid(4 x (sites of TGACTCA) - 2), so 0.119 without a site
  and 0.881 with one; P(GC) = the window's G+C fraction;
- regression ``("AP1_sites", "GC_pct")``: the count of TGACTCA sites, and 100 x the G+C fraction.

It saves and loads like a registry family (``register`` adds it to the registry for a test).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from enhancerlm.models.base import SequenceClassifier, read_manifest
from enhancerlm.sequences.task import Task

AP1 = "TGACTCA"
LABELS = Task("multilabel", ("AP1", "GC"))
TARGETS = Task("regression", ("AP1_sites", "GC_pct"))
FAMILY = "motif-test"


def ap1_sites(seq: str) -> int:
    """Occurrences of TGACTCA on the given strand (overlaps counted; the motif cannot overlap itself)."""
    return seq.upper().count(AP1)


def gc_fraction(seq: str) -> float:
    upper = seq.upper()
    return (upper.count("G") + upper.count("C")) / len(seq)


def window_outputs(seq: str, task: Task) -> np.ndarray:
    """The model's outputs for one window, shape=(2,), float32: the module docstring's rules."""
    sites, gc = ap1_sites(seq), gc_fraction(seq)
    if task.kind == "regression":
        return np.array([sites, 100 * gc], dtype=np.float32)
    return np.array([1 / (1 + np.exp(2 - 4 * sites)), gc], dtype=np.float32)


class MotifModel(SequenceClassifier):
    """A multi-label or regression model with hand-set outputs; it records the windows it was asked."""

    backbone = "motif-test"
    family = FAMILY

    def __init__(self, task: Task = LABELS, max_bp: int | None = 200):
        self.task = task
        self.max_bp = max_bp
        self.seen: list[str] = []

    def _predict_windows(self, seqs, batch_size=None) -> np.ndarray:
        self.seen += list(seqs)
        return np.stack([window_outputs(s, self.task) for s in seqs])

    def save(self, directory) -> None:
        Path(directory).mkdir(parents=True, exist_ok=True)
        self.write_manifest(directory, max_bp=self.max_bp)

    @classmethod
    def load(cls, directory) -> "MotifModel":
        manifest = read_manifest(directory)
        return cls(Task.from_dict(manifest["task"]), manifest["max_bp"])


def register(monkeypatch: pytest.MonkeyPatch) -> type[MotifModel]:
    """Make ``load_classifier`` (and so every CLI command) load a saved ``MotifModel``, for one test."""
    from enhancerlm.models import registry

    monkeypatch.setitem(registry._FAMILY_MODULES, FAMILY, "base")
    monkeypatch.setitem(registry._FAMILIES, FAMILY, MotifModel)
    return MotifModel


def saved(folder: Path, task: Task = LABELS, max_bp: int | None = 200) -> Path:
    """A ``MotifModel`` saved in ``folder``; returns the folder."""
    MotifModel(task, max_bp).save(folder)
    assert json.loads((folder / "enhancerlm.json").read_text())["task"]["kind"] == task.kind
    return folder
