"""What a search holds fixed, whichever its strategy: the subset, the split, the seed, training and the metric."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from enhancerlm.train.config import TrainConfig


@dataclass(frozen=True)
class SearchSetup:
    """Settings shared by :func:`~enhancerlm.search.grid.grid_search` and
    :func:`~enhancerlm.search.optuna_search.optuna_search`.

    Parameters
    ----------
    out_dir : Path
        Search folder: ``search.json``, ``split.tsv``, one folder per trial, ``history.tsv``.
    val_fraction : float
        Stratified share of the subset held out for validation, in (0, 1).
    subset_per_class : int or None
        Sequences drawn per class (seeded) for a balanced subset; None: use the whole table.
    seed : int
        Seeds the subset, the split, the model initialisation and training.
    base_config : TrainConfig
        Everything else about training (batch size, warm-up...); the searched parameters override it.
    metric : str
        Validation metric that ranks candidates (``"mcc"``, ``"accuracy"``, ``"auroc"``, ``"loss"``...).
    progress : bool
        Show training progress bars (on stderr).
    """

    out_dir: str | Path
    val_fraction: float = 0.2
    subset_per_class: int | None = 500
    seed: int = 0
    base_config: TrainConfig = TrainConfig()
    metric: str = "mcc"
    progress: bool = True
