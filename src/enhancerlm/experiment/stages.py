"""The steps of `run_experiment`, each a small function of plain data, in the order they run."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from enhancerlm.experiment.config import RunConfig
from enhancerlm.io import atomic_dir, atomic_path
from enhancerlm.models.registry import CreateOptions, create_classifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.records import LabelMap

log = logging.getLogger(__name__)

# The study's final setting, used when neither search nor flags choose one.
STUDY_LR, STUDY_EPOCHS = 3e-5, 2
# Panels of the curve figures: enough to judge a run, few enough to read.
CURVE_METRICS = ("loss", "accuracy", "mcc", "auroc")


def audit_stage(train: pd.DataFrame, test: pd.DataFrame, out: Path, seed: int, positive: str | None):
    """Leakage audit of the pair as given (before any dedup), written to ``out``."""
    from enhancerlm.data.audit_report import write_audit

    report = write_audit(train, test, out, seed=seed, positive=positive)
    log.info("audit: %d of %d test sequences duplicate train (exact %d, reverse complement %d); novel %d",
             report.exact_duplicates + report.revcomp_duplicates, report.n_test, report.exact_duplicates,
             report.revcomp_duplicates, int(report.novel_mask().sum()))
    return report


def dedup_stage(train: pd.DataFrame, test: pd.DataFrame, out: Path) -> pd.DataFrame:
    """Train without the sequences that also occur in test (either strand); removed ids recorded."""
    from enhancerlm.data.prepare import remove_test_overlap

    kept, removed = remove_test_overlap(train, test, mode="exact")
    with atomic_path(out / "removed_from_train.tsv") as tmp:
        removed.to_csv(tmp, sep="\t", index=False)
    return kept


def _options(cfg: RunConfig, seed: int | None = None) -> CreateOptions:
    return CreateOptions(trust_remote_code=cfg.trust_remote_code, allow_bin_weights=cfg.allow_bin_weights,
                         seed=cfg.seed if seed is None else seed)


def fits_in_closed_form(backbone: str) -> bool:
    """True for backbones trained by their own ``fit`` (k-mer LR, GC, ensembles): no untrained head, no lr to search."""
    from enhancerlm.models.registry import family_class, resolve_backbone

    return hasattr(family_class(resolve_backbone(backbone)[0].family), "fit")


def zero_shot_stage(cfg: RunConfig, label_map: LabelMap, test: pd.DataFrame) -> np.ndarray:
    """The study's baseline: the backbone with a fresh, untrained classification head."""
    classifier = create_classifier(cfg.backbone, label_map, _options(cfg))
    return predict_proba(classifier, test["sequence"].tolist(), stride_bp=None, both_strands=cfg.both_strands)


def train_config(cfg: RunConfig, lr: float, epochs: int):
    """The fine-tuning settings of this run."""
    from enhancerlm.train.config import TrainConfig

    return TrainConfig(epochs=epochs, lr=lr, batch_size=cfg.batch_size, gradient_accumulation=cfg.gradient_accumulation,
                       warmup_ratio=cfg.warmup_ratio, weight_decay=cfg.weight_decay, seed=cfg.seed,
                       early_stopping_patience=cfg.early_stopping_patience,
                       metric_for_best="mcc" if cfg.early_stopping_patience else None,
                       gradient_checkpointing=cfg.gradient_checkpointing, lora=cfg.lora)


def search_stage(cfg: RunConfig, label_map: LabelMap, train: pd.DataFrame, out: Path):
    """Learning-rate x epoch search on a balanced subset, unless flags fix both (or --no-search)."""
    if not cfg.search or (cfg.lr is not None and cfg.epochs is not None):
        return None
    from enhancerlm.search.grid import grid_search

    def make(seed: int):
        return create_classifier(cfg.backbone, label_map, _options(cfg, seed))

    base = train_config(cfg, cfg.search_lrs[0], cfg.search_epochs)
    if cfg.search_trials:
        from enhancerlm.search.optuna_search import optuna_search

        return optuna_search(make, train, n_trials=cfg.search_trials, max_epochs=cfg.search_epochs,
                             val_fraction=cfg.search_val_fraction, subset_per_class=cfg.search_per_class,
                             seed=cfg.seed, base_config=base, out_dir=out, metric=cfg.search_metric)
    return grid_search(make, train, lrs=tuple(cfg.search_lrs), max_epochs=cfg.search_epochs,
                       val_fraction=cfg.search_val_fraction, subset_per_class=cfg.search_per_class,
                       seed=cfg.seed, base_config=base, out_dir=out, metric=cfg.search_metric)


def choose_setting(cfg: RunConfig, search) -> tuple[float, int]:
    """Flags win, then the search's best, then the study's setting (lr 3e-5, 2 epochs)."""
    lr = cfg.lr if cfg.lr is not None else (search.best_lr if search else STUDY_LR)
    epochs = cfg.epochs if cfg.epochs is not None else (search.best_epochs if search else STUDY_EPOCHS)
    log.info("fine-tuning setting: lr=%g, epochs=%d (%s)", lr, epochs, "search" if search else "flags/defaults")
    return float(lr), int(epochs)


def split_validation(train: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Stratified hold-out of the training set for the fine-tuning curves (never the test set)."""
    if fraction <= 0:
        return train, None
    from sklearn.model_selection import train_test_split

    fit, val = train_test_split(train, test_size=fraction, stratify=train["label"], random_state=seed)
    return fit.reset_index(drop=True), val.reset_index(drop=True)


def finetune_stage(cfg: RunConfig, label_map: LabelMap, train: pd.DataFrame, lr: float, epochs: int, out: Path):
    """Fine-tune a fresh classifier on the (deduplicated) training set; the model lands in ``out/model``."""
    from enhancerlm.train.finetune import finetune

    classifier = create_classifier(cfg.backbone, label_map, _options(cfg))
    if hasattr(classifier, "fit"):
        classifier.fit(train, seed=cfg.seed)
        with atomic_dir(out / "model") as folder:
            classifier.save(folder)
        return classifier, None
    fit, val = split_validation(train, cfg.val_fraction, cfg.seed)
    result = finetune(classifier, fit, val, train_config(cfg, lr, epochs), out / "finetune", resume=cfg.resume)
    # finetune wrote the model (hub layout) into its run folder; move it rather than write it twice.
    if (out / "model").exists():
        shutil.rmtree(out / "model")
    os.replace(result.out_dir / "model", out / "model")
    return result.classifier, result.history


def test_stage(classifier, test: pd.DataFrame, cfg: RunConfig) -> np.ndarray:
    """Test-set probabilities, shape=(n_test, n_classes), through the one batched primitive."""
    return predict_proba(classifier, test["sequence"].tolist(), both_strands=cfg.both_strands)


def baseline_stage(name: str, label_map: LabelMap, train: pd.DataFrame, test: pd.DataFrame, cfg: RunConfig,
                   out: Path) -> np.ndarray:
    """Fit a cheap baseline on the same training set and score the test set.

    ``kmer-lr`` and ``gc`` fit in closed form; trainable baselines (``cnn``) are fine-tuned with the
    settings that suit small convolutional nets (lr 1e-3, 10 epochs, batch 64), not the LM's.
    """
    classifier = create_classifier(name, label_map, CreateOptions(seed=cfg.seed))
    if hasattr(classifier, "fit"):
        classifier.fit(train, seed=cfg.seed)
    else:
        from enhancerlm.train.config import TrainConfig
        from enhancerlm.train.finetune import finetune

        fit, val = split_validation(train, cfg.val_fraction, cfg.seed)
        config = TrainConfig(epochs=10, lr=1e-3, batch_size=64, seed=cfg.seed, metric_for_best="mcc" if val is not None else None)
        classifier = finetune(classifier, fit, val, config, out / name, resume=cfg.resume).classifier
    return predict_proba(classifier, test["sequence"].tolist(), both_strands=cfg.both_strands)


def explain_stage(classifier, test: pd.DataFrame, cfg: RunConfig, out: Path) -> None:
    """ISM attributions and motifs of the fine-tuned model on (up to ``explain_max_seqs``) test sequences."""
    from enhancerlm.interpret import ExplainConfig, explain

    explain(classifier, test, out, ExplainConfig(max_seqs=cfg.explain_max_seqs, seed=cfg.seed))


def model_key(name: str) -> str:
    """Probability dict key -> metrics.json path (``baselines.kmer-lr`` -> ``baselines.kmer_lr``)."""
    return name.replace("-", "_")


def metrics_stage(y_test, probas: dict, label_map: LabelMap, novel, cfg: RunConfig, audit, lr, epochs) -> dict:
    """metrics.json: one evaluation block per model (whole-set metrics, 95% CIs, novel subset)."""
    from enhancerlm.evaluate.bootstrap import evaluate

    metrics: dict = {"labels": list(label_map.names), "positive_label": label_map.positive,
                     "n_test": int(len(y_test)), "n_novel": int(np.sum(novel)),
                     "fine_tuning": {"lr": lr, "epochs": epochs}, "baselines": {}}
    for name, proba in probas.items():
        block = evaluate(y_test, proba, list(label_map.names), novel_mask=novel, n_boot=cfg.n_boot, seed=cfg.seed)
        if name.startswith("baselines."):
            metrics["baselines"][model_key(name.split(".", 1)[1])] = block
        else:
            metrics[name] = block
    metrics["audit"] = {k: audit.to_dict()[k] for k in ("exact_duplicates", "revcomp_duplicates",
                                                        "near_duplicates", "n_novel", "gc_auroc")}
    return metrics


def write_predictions(path: Path, test: pd.DataFrame, probas: dict, label_map: LabelMap, novel) -> None:
    """predictions.tsv: one row per test sequence, each model's positive-class (or max) probability."""
    table = pd.DataFrame({"id": test["id"], "label": test["label"], "novel": np.asarray(novel, dtype=bool)})
    for name, proba in probas.items():
        key = model_key(name.split(".", 1)[-1])
        table[f"p_{key}"] = proba[:, 1] if label_map.n_classes == 2 else proba.max(axis=1)
        table[f"pred_{key}"] = [label_map.names[i] for i in proba.argmax(axis=1)]
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")


def report_stage(out: Path, cfg: RunConfig, metrics: dict, y_test, probas: dict, label_map: LabelMap,
                 audit, history, search) -> Path:
    """Figures (confusion, ROC, PR, curves, search) and the self-contained report.html."""
    from enhancerlm.evaluate import plots
    from enhancerlm.evaluate.metrics import compute_metrics
    from enhancerlm.evaluate.report import PUBLISHED_DNABERT6_2023, write_report

    names = list(label_map.names)
    labelled = {model_key(k.split(".", 1)[-1]): p for k, p in probas.items()}
    figures = {
        "confusion": plots.plot_confusion_matrices(
            {k: compute_metrics(y_test, p, names)["confusion_matrix"] for k, p in labelled.items()}, names),
        "roc": plots.plot_roc_curves({k: (y_test, p) for k, p in labelled.items()}),
        "pr": plots.plot_pr_curves({k: (y_test, p) for k, p in labelled.items()}),
    }
    if history is not None and len(history):
        bases = {m.split("_", 1)[1] for m in history["metric"]}
        figures["training"] = plots.plot_training_curves(history, metrics=[m for m in CURVE_METRICS if m in bases])
    if search is not None:
        shown = [f"val_{m}" for m in CURVE_METRICS if f"val_{m}" in set(search.history["metric"])]
        figures["search"] = plots.plot_search(search.history, metrics=shown)
    figures_dir = out / "figures"
    figures_dir.mkdir(exist_ok=True)
    for name, fig in figures.items():
        with atomic_path(figures_dir / f"{name}.png") as tmp:
            fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    report = out / "report.html"
    write_report(report, title=f"enhancerlm run: {cfg.backbone}", metrics=metrics, figures=figures,
                 audit=audit.to_dict(), config=cfg.to_dict(), reference=PUBLISHED_DNABERT6_2023)
    return report
