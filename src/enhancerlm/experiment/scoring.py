"""The run's test set scored by each model, the names of their outputs, and the fine-tuned model's sanity checks."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError
from enhancerlm.experiment.config import RunConfig
from enhancerlm.models.quantize import quantize
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.task import Task

log = logging.getLogger(__name__)

# Panels of the curve figures: enough to judge a run, few enough to read.
CURVE_METRICS = ("loss", "accuracy", "mcc", "auroc")


def test_stage(classifier, test: pd.DataFrame, cfg: RunConfig) -> np.ndarray:
    """Test-set probabilities, shape=(n_test, n_classes), through the one batched primitive."""
    return predict_proba(scoring_model(classifier, cfg), test["sequence"].tolist(), both_strands=cfg.both_strands)


def scoring_model(classifier, cfg: RunConfig):
    """The model that scores the test set: with ``quantize: int8`` an int8 copy, where it has linear layers.

    Training and the saved model stay fp32. A model without linear layers (k-mer LR, GC) is scored as
    it is, with a warning: one --quantize for a run with several models.
    """
    if cfg.quantize == "none":
        return classifier
    try:
        return quantize(classifier, cfg.quantize)
    except ConfigError as err:
        log.warning("%s; scored without quantisation", err)
        return classifier


def explain_stage(classifier, test: pd.DataFrame, cfg: RunConfig, out: Path) -> None:
    """ISM attributions and motifs of the fine-tuned model on (up to ``explain_max_seqs``) test sequences."""
    from enhancerlm.interpret import ExplainConfig, explain

    explain(classifier, test, out, ExplainConfig(max_seqs=cfg.explain_max_seqs, seed=cfg.seed))


class ModelKey(NamedTuple):
    """One tested model of a run, keying its test probabilities: the run's own (``zero_shot``,
    ``fine_tuned``) or a baseline (``ModelKey("kmer-lr", is_baseline=True)``)."""

    name: str
    is_baseline: bool = False

    @property
    def metrics_key(self) -> str:
        """Its key in metrics.json (at the top, or under ``baselines`` for a baseline): ``kmer-lr`` -> ``kmer_lr``."""
        return self.name.replace("-", "_")

    @property
    def column(self) -> str:
        """Suffix of its predictions.tsv columns (``p_kmer_lr``, ``pred_kmer_lr``); also its label in the figures."""
        return self.metrics_key


ZERO_SHOT, FINE_TUNED = ModelKey("zero_shot"), ModelKey("fine_tuned")
PROBE = ModelKey("probe")  # logistic regression on the frozen backbone (--mode probe|both)


def sanity_stage(y_test, proba: np.ndarray, task: Task, history) -> list[str]:
    """Warnings for a fine-tuned model that learned nothing (one class for everything, a label or target
    predicted constant, flat curves), logged.

    Not for the untrained head: degenerate there is expected.
    """
    from enhancerlm.evaluate.sanity import degenerate_warnings

    warnings = degenerate_warnings(y_test, proba, task, history)
    for warning in warnings:
        log.warning("fine-tuned model: %s", warning)
    return warnings
