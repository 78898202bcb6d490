"""Metrics over whole sets with bootstrap intervals, figures, and the self-contained HTML report."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time loaded on first use: metric names (evaluate.names) import light, for settings
    from enhancerlm.evaluate.bootstrap import bootstrap_ci, evaluate, task_metrics
    from enhancerlm.evaluate.metrics import compute_metrics

__all__ = ["bootstrap_ci", "compute_metrics", "evaluate", "task_metrics"]
_LAZY = {
    "bootstrap_ci": "bootstrap",
    "evaluate": "bootstrap",
    "task_metrics": "bootstrap",
    "compute_metrics": "metrics",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"enhancerlm.evaluate.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'enhancerlm.evaluate' has no attribute {name!r}")
