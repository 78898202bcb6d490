"""What a search holds fixed, whichever its strategy: the subset, the split, the seed, training and the metric."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from enhancerlm.sequences.task import Task
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
        Sequences drawn per class (seeded) for a balanced subset; None: use the whole table. Multi-label
        and regression tasks draw as many per stratum (label set, or quantile bin of the first target:
        :meth:`Task.strata`).
    seed : int
        Seeds the subset, the split, the model initialisation and training.
    base_config : TrainConfig
        Everything else about training (batch size, warm-up...); the searched parameters override it.
    metric : str
        Validation metric that ranks candidates (``"mcc"``, ``"accuracy"``, ``"auroc"``, ``"loss"``...),
        as the task's epoch metrics name it (:func:`enhancerlm.train.metrics.task_metric`: ``auroc`` ranks
        a multi-label search by ``auroc_macro``; a name the task does not report, by its default metric).
    progress : bool
        Show training progress bars (on stderr).
    task : Task or None
        What the table's truth is; None: read from the table (:func:`enhancerlm.sequences.task.infer_task`).
    """

    out_dir: str | Path
    val_fraction: float = 0.2
    subset_per_class: int | None = 500
    seed: int = 0
    base_config: TrainConfig = TrainConfig()
    metric: str = "mcc"
    progress: bool = True
    task: Task | None = None

    def resolve(self, table) -> tuple[Task, str]:
        """The task of ``table`` (``task``, else inferred) and the metric that ranks candidates for it."""
        from enhancerlm.sequences.task import infer_task
        from enhancerlm.train.metrics import task_metric

        task = self.task or infer_task(table)
        return task, task_metric(task, self.metric)
