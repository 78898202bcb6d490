"""Hyperparameter search: the reference study's learning-rate grid, and optuna over a larger space."""

from enhancerlm.search.grid import SearchResult, balanced_subset, grid_search, selection_rule
from enhancerlm.search.optuna_search import SearchSpace, optuna_search
from enhancerlm.search.setup import SearchSetup

__all__ = [
    "SearchResult",
    "SearchSetup",
    "SearchSpace",
    "balanced_subset",
    "grid_search",
    "optuna_search",
    "selection_rule",
]
