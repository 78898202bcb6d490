"""Every family on a real multi-label and a real regression task: iEnhancer's three classes read as two.

Usage: python benchmarks/task_kinds_ienhancer.py [--data DIR] [--backbones gc kmer-lr cnn] [--epochs 10]

iEnhancer (2,968 human 200 bp sequences: strong, weak, non-enhancers) holds a natural multi-label
task, ``enhancer`` (strong or weak) and ``strong``, and an ordinal activity (non 0, weak 1, strong 2)
to regress. Each backbone is trained the way ``enhancerlm run`` trains it (:func:`fit_classifier`:
closed-form fits, or fine-tuning with a 10% validation split and the best epoch by the task's metric)
on a stratified 80% and scored on the other 20%: per-label AUROC and the macro/micro averages;
Pearson, Spearman, R² and MSE. Prints one line per backbone and task, with the training time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sklearn.metrics import roc_auc_score

from enhancerlm.data.leakage.splits import stratified_split
from enhancerlm.models.registry import create_classifier, get_backbone
from enhancerlm.sequences.spec import read_specs
from enhancerlm.sequences.task import Task
from enhancerlm.train.fit import fit_classifier, recipe_config
from enhancerlm.train.metrics import epoch_metrics, task_metric

TASKS = (Task("multilabel", ("enhancer", "strong")), Task("regression", ("activity",)))


def read_tasks(folder: Path):
    """The three FASTA files as one table with ``label:enhancer``, ``label:strong`` and ``target:activity``."""
    names = ("strong", "weak", "non")
    table = read_specs([f"{folder}/train_{n}_enhancers.fa:{n}" for n in names])
    table["label:enhancer"] = (table["label"] != "non").astype(int).astype(str)
    table["label:strong"] = (table["label"] == "strong").astype(int).astype(str)
    table["target:activity"] = table["label"].map({"non": 0, "weak": 1, "strong": 2}).astype(str)
    return stratified_split(table, 0.2, seed=0)


def score(backbone: str, task: Task, train, test, epochs: int) -> dict:
    """Train ``backbone`` on ``train`` for ``task``; its held-out metrics and training time (s)."""
    start = time.perf_counter()
    recipe = get_backbone(backbone).finetune
    with tempfile.TemporaryDirectory() as work:
        model = fit_classifier(
            create_classifier(backbone, task),
            train,
            Path(work),
            seed=0,
            val_fraction=0.1,
            progress=False,
            config_for=lambda has_val: recipe_config(
                recipe, 0, task_metric(task, recipe.metric_for_best) if has_val else None, epochs=epochs
            ),
        ).classifier
    seconds = time.perf_counter() - start
    outputs, truth = model.predict_outputs(test["sequence"].tolist()), task.encode(test)
    metrics = epoch_metrics(task, truth, outputs)
    if task.kind == "multilabel":
        metrics |= {f"auroc_{n}": roc_auc_score(truth[:, j], outputs[:, j]) for j, n in enumerate(task.names)}
    return {"seconds": seconds, **metrics}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared/data/ienhancer")
    parser.add_argument("--backbones", nargs="+", default=["gc", "kmer-lr", "cnn"])
    parser.add_argument("--epochs", type=int, default=10, help="fine-tuned backbones only")
    args = parser.parse_args()
    train, test = read_tasks(args.data)
    print(f"{len(train)} training, {len(test)} test sequences")
    for backbone in args.backbones:
        for task in TASKS:
            result = score(backbone, task, train, test, args.epochs)
            print(backbone, task.kind, "  ".join(f"{k}={v:.3f}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
