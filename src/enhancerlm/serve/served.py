"""The served model and what its run folder says about it: the model card, and the training set's sequences.

``enhancerlm run`` writes the model to ``OUT/model`` beside ``metrics.json`` (test metrics with
bootstrap intervals, the GC and k-mer baselines), ``audit/audit.json`` (the training data's counts)
and ``config.yaml`` (the training SPECs). A model folder outside a run folder still serves; the
card then shows only what the model folder itself holds.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from enhancerlm.data.leakage.audit import EXACT, NEAR, NOVEL, REVCOMP
from enhancerlm.data.leakage.near_duplicates import best_matches
from enhancerlm.errors import EnhancerlmError
from enhancerlm.experiment.folder import run_folder
from enhancerlm.models.base import SequenceClassifier, read_manifest
from enhancerlm.sequences.dna import canonical_sequences

log = logging.getLogger(__name__)

CARD_METRICS = ("auroc", "auprc", "accuracy", "mcc", "f1")


@dataclass
class ServedModel:
    """A loaded classifier with its card and, when its run folder says where, its training sequences.

    Attributes
    ----------
    classifier : SequenceClassifier
    card : dict
        JSON-able: ``model`` (backbone, task kind, classes or labels or targets, window), ``training``
        (audit counts), ``metrics`` (one row per model: name, n, then value and 95% interval per
        metric), ``per_output`` (a multi-label or regression model: one row per label or target of the
        fine-tuned model's test metrics), ``warnings``.
    training : pandas.DataFrame or None
        id, sequence, canonical of the sequences the model was fine-tuned on (None: not known).
    """

    classifier: SequenceClassifier
    card: dict
    training: pd.DataFrame | None = None

    @property
    def knows_training(self) -> bool:
        return self.training is not None


def load_served_model(model_dir: str | Path) -> ServedModel:
    """Load ``model_dir`` (``OUT/model`` of a run, or a run folder ``OUT`` itself) and its run's records."""
    from enhancerlm.models import load_classifier

    model_dir = Path(model_dir)
    if (model_dir / "model").is_dir() and (model_dir / "metrics.json").is_file():
        model_dir = model_dir / "model"
    classifier = load_classifier(model_dir)
    run = run_folder(model_dir)
    return ServedModel(classifier, model_card(classifier, model_dir, run), training_table(run))


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError) as err:
        log.warning("%s: not read (%s); the model card leaves it out", path, err)
        return {}


def model_card(classifier: SequenceClassifier, model_dir: Path, run: Path | None) -> dict:
    """What the page shows about the model; see :class:`ServedModel` for the keys."""
    manifest = read_manifest(model_dir)
    task = classifier.task
    card: dict = {
        "model": {
            "folder": str(model_dir),
            "backbone": classifier.backbone,
            "family": manifest.get("family", ""),
            "task": task.kind,
            "classes": list(task.names),  # classes, labels (cell types) or targets, in output order
            "positive": task.label_map.positive if task.single_label else None,
            "window_bp": classifier.max_bp,
        },
        "run": str(run) if run else None,
        "training": {},
        "metrics": [],
        "per_output": [],
        "warnings": [],
    }
    if run is None:
        return card
    metrics, audit = _read_json(run / "metrics.json"), _read_json(run / "audit" / "audit.json")
    card["training"] = _training_summary(audit, metrics)
    card["metrics"] = _metric_rows(metrics)
    card["per_output"] = per_output_rows(metrics.get("fine_tuned") or {}, task.names)
    card["warnings"] = list(metrics.get("warnings", []))
    return card


def _training_summary(audit: dict, metrics: dict) -> dict:
    lengths = audit.get("length_stats", {}).get("train", {})
    return {
        "n_train": audit.get("n_train"),
        "class_counts": audit.get("class_counts", {}).get("train", {}),
        "median_length_bp": {label: stats.get("median") for label, stats in lengths.items()},
        "n_test": audit.get("n_test"),
        "test_duplicates_of_train": _sum(audit, ("exact_duplicates", "revcomp_duplicates")),
        "n_novel_test": audit.get("n_novel"),
        "gc_auroc": audit.get("gc_auroc"),
        "fine_tuning": {k: v for k, v in metrics.get("fine_tuning", {}).items() if k in ("lr", "epochs")},
    }


def _sum(data: dict, keys) -> int | None:
    values = [data.get(k) for k in keys]
    return None if any(v is None for v in values) else sum(int(v) for v in values if v is not None)


def _metric_rows(metrics: dict) -> list[dict]:
    """Fine-tuned model first, then the untrained-head model, then the baselines (GC, k-mer LR)."""
    blocks = [("fine-tuned", metrics.get("fine_tuned")), ("untrained head", metrics.get("zero_shot"))]
    blocks += [(f"baseline: {name}", block) for name, block in metrics.get("baselines", {}).items()]
    rows = []
    for name, block in blocks:
        if not block:
            continue
        row = {"model": name, "n": block.get("n"), "n_novel": block.get("novel", {}).get("n")}
        for metric in CARD_METRICS:
            row[metric] = block.get(metric)
            row[f"{metric}_ci"] = block.get("ci", {}).get(metric)
        row["novel_auroc"] = block.get("novel", {}).get("auroc")
        rows.append(row)
    return rows


def per_output_rows(block: dict, names) -> list[dict]:
    """One row per label or target of a metrics block (``per_label.<label>`` or ``per_target.<name>``).

    Each row: ``output`` and every number the block holds for it (AUROC, AUPRC ... of a label;
    Pearson, Spearman, R², MSE of a target), with its 95% interval under ``<metric>_ci`` where given.
    A regression run with one target has no ``per_target``: its top-level numbers are that target's.
    Empty for binary and multi-class blocks.
    """
    per = block.get("per_label") or block.get("per_target")
    if per is None and "spearman" in block and len(names) == 1:
        per = {names[0]: block}
    rows = []
    for name in names:
        numbers = (per or {}).get(name)
        if not numbers:
            continue
        row = {"output": name}
        for metric, value in numbers.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                row[metric] = value
                row[f"{metric}_ci"] = numbers.get("ci", {}).get(metric)
        rows.append(row)
    return rows


def training_table(run: Path | None) -> pd.DataFrame | None:
    """The run's training sequences (id, sequence, canonical), less those its dedup removed; None if unknown.

    Read from the SPECs in ``config.yaml`` with the run's own column settings. Paths come from the
    run's config on this machine, never from a request.
    """
    if run is None or not (run / "config.yaml").is_file():
        return None
    from enhancerlm.sequences.spec import read_specs

    try:
        config = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))["config"]
        table = read_specs(
            config["train"],
            split="train",
            sequence_column=config.get("sequence_column", "sequence"),
            label_column=config.get("label_column", "label"),
        )
    except (EnhancerlmError, OSError, KeyError, TypeError, ValueError) as err:
        log.warning("the training set of %s cannot be read (%s): no novel/duplicate flags", run, err)
        return None
    removed = run / "audit" / "removed_from_train.tsv"
    if removed.is_file():
        dropped = set(pd.read_csv(removed, sep="\t", dtype=str)["id"])
        table = table[~table["id"].isin(dropped)]
    table = table[["id", "sequence"]].reset_index(drop=True)
    return table.assign(canonical=canonical_sequences(table["sequence"].tolist()))


def training_overlap(seqs: list[str], training: pd.DataFrame) -> np.ndarray:
    """Per sequence, as the audit names it: ``exact``, ``revcomp``, ``near`` (k-mer Jaccard) or ``novel``.

    Same categories and order of checks as :class:`enhancerlm.data.leakage.audit.AuditReport`, with the
    submitted sequences in the place of the test set.
    """
    query = pd.DataFrame({"id": [str(i) for i in range(len(seqs))], "sequence": seqs})
    query["canonical"] = canonical_sequences(seqs)
    exact = query["sequence"].isin(set(training["sequence"])).to_numpy()
    either = query["canonical"].isin(set(training["canonical"])).to_numpy()
    category = np.where(exact, EXACT, np.where(either, REVCOMP, NOVEL)).astype(object)
    candidate = ~either
    if candidate.any():
        near = best_matches(query.loc[candidate], training)
        category[near["row"].to_numpy(dtype=np.int64)] = NEAR
    return category
