"""What a run leaves behind once every model is tested: metrics.json, predictions.tsv, figures, report.html."""

from __future__ import annotations

from pathlib import Path
from typing import Collection, Mapping

import numpy as np
import pandas as pd

from enhancerlm.experiment.config import RunConfig
from enhancerlm.experiment.fitting import Setting
from enhancerlm.experiment.scoring import CURVE_METRICS, ModelKey
from enhancerlm.io import atomic_path
from enhancerlm.sequences.task import Task


def metrics_stage(
    y_test,
    probas: Mapping[ModelKey, np.ndarray],
    task: Task,
    novel,
    cfg: RunConfig,
    audit,
    setting: Setting,
    warnings: Collection[str] = (),
) -> dict:
    """metrics.json: degenerate-result warnings first, then one evaluation block per model (whole-set
    metrics, 95% CIs, novel subset; per label or target for a multi-output task)."""
    from enhancerlm.evaluate.bootstrap import evaluate

    metrics: dict = {
        "warnings": list(warnings),
        "task": task.kind,
        "labels": list(task.names),
        "positive_label": task.positive,
        "n_test": int(len(y_test)),
        "n_novel": int(np.sum(novel)),
        "fine_tuning": {"lr": setting.lr, "epochs": setting.epochs, "sources": setting.sources},
        "baselines": {},
    }
    for key, proba in probas.items():
        block = evaluate(y_test, proba, task, novel_mask=novel, n_boot=cfg.n_boot, seed=cfg.seed)
        section = metrics["baselines"] if key.is_baseline else metrics
        section[key.metrics_key] = block
    metrics["audit"] = {
        k: audit.to_dict()[k]
        for k in ("exact_duplicates", "revcomp_duplicates", "near_duplicates", "n_novel", "gc_auroc")
    }
    if audit.interval_overlaps is not None:  # records with coordinates: test intervals overlapping train ones
        metrics["audit"]["test_overlapping_train_intervals"] = audit.interval_overlaps["n_test_overlapping"]
    return metrics


def write_predictions(path: Path, test: pd.DataFrame, probas: Mapping[ModelKey, np.ndarray], task: Task, novel) -> None:
    """predictions.tsv: one row per test sequence, its truth, whether it is novel, and each model's outputs.

    Single-label: ``label``, then per model ``p_<model>`` (the positive class's probability, or the
    top class's with 3+ classes) and ``pred_<model>`` (the class called). Multi-output: the truth
    columns (``label:NAME``/``target:NAME``, empty where missing), then per model one column per
    output, ``p_<label>_<model>`` or ``pred_<target>_<model>`` (:meth:`Task.prediction_columns`).
    """
    truth = {column: test[column] for column in task.truth_columns()}
    table = pd.DataFrame({"id": test["id"], **truth, "novel": np.asarray(novel, dtype=bool)})
    for key, proba in probas.items():
        if task.single_label:
            table[f"p_{key.column}"] = proba[:, 1] if task.n_outputs == 2 else proba.max(axis=1)
            table[f"pred_{key.column}"] = task.decide(proba)
        else:
            columns = task.prediction_columns(f"_{key.column}")
            table = table.assign(**dict(zip(columns, np.asarray(proba).T)))
    with atomic_path(path) as tmp:
        # 9 significant digits hold a float32 output exactly: metrics recomputed from this file are metrics.json's
        table.to_csv(tmp, sep="\t", index=False, float_format="%.9g")


def report_stage(
    out: Path,
    cfg: RunConfig,
    metrics: dict,
    y_test,
    probas: Mapping[ModelKey, np.ndarray],
    task: Task,
    audit,
    history,
    search,
) -> Path:
    """Figures (the task's test-set figures, training curves, search) and the self-contained report.html."""
    from enhancerlm.evaluate import plots
    from enhancerlm.evaluate.report import PUBLISHED_DNABERT6_2023, write_report
    from enhancerlm.evaluate.task_plots import test_figures

    figures = test_figures(y_test, {k.column: p for k, p in probas.items()}, task)
    # a multi-output task's curves: its loss and the metric that ranks its epochs
    curve_metrics = CURVE_METRICS if task.single_label else ("loss", task.default_metric)
    if history is not None and len(history):
        bases = {m.split("_", 1)[1] for m in history["metric"]}
        figures["training"] = plots.plot_training_curves(history, metrics=[m for m in curve_metrics if m in bases])
    if search is not None:
        shown = [f"val_{m}" for m in curve_metrics if f"val_{m}" in set(search.history["metric"])]
        figures["search"] = plots.plot_search(search.history, metrics=shown)
    figures_dir = out / "figures"
    figures_dir.mkdir(exist_ok=True)
    for name, fig in figures.items():
        with atomic_path(figures_dir / f"{name}.png") as tmp:
            fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    report = out / "report.html"
    write_report(
        report,
        title=f"enhancerlm run: {cfg.backbone}",
        metrics=metrics,
        figures=figures,
        audit=audit.to_dict(),
        config=cfg.to_dict(),
        reference=PUBLISHED_DNABERT6_2023 if task.single_label else None,  # a binary study's numbers
        warnings=metrics.get("warnings"),
    )
    return report
