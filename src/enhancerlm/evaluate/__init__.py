"""Metrics over whole sets with bootstrap intervals, figures, and the self-contained HTML report."""

from enhancerlm.evaluate.bootstrap import bootstrap_ci, evaluate
from enhancerlm.evaluate.metrics import compute_metrics

__all__ = ["bootstrap_ci", "compute_metrics", "evaluate"]
