"""Does masked-language-model pre-training transfer to enhancer classification? Measured on iEnhancer.

Homology-grouped stratified cross-validation of the iEnhancer training set (../shared/data/ienhancer;
no cluster of near-identical sequences straddles a fold), one seed per fold, seven arms:

  gc            GC fraction + logistic regression
  kmer-lr       4/5/6-mer frequencies + logistic regression
  cnn           one-hot CNN, fine-tuned
  untrained     tiny-dnabert-6 pre-trained on chrY, fresh classification head, no fine-tuning
  random-init   tiny-dnabert-6 from random weights, fine-tuned
  chrY          tiny-dnabert-6 pre-trained on the shared chrY DNA, fine-tuned
  chrY+cont     the chrY model, pre-trained further on the fold's unlabelled training sequences
                (never its test fold), fine-tuned

and, with --arms, `chrY-longer` (the chrY model after --longer-steps more chrY steps), `gkm-lr` (gapped k-mer LR) and the registry recipe `offline-best` on the same folds, and two linear probes (frozen
transformer, mean-pooled last-layer embeddings, standardised, logistic regression with C by stratified
cross-validation on the training fold; no fine-tuning):

  probe-random-init   on tiny-dnabert-6 from random weights (seeded by the fold): random features
  probe-chrY          on the chrY pre-trained tiny-dnabert-6

If pre-training taught the model nothing a classifier can use, the two probes tie.

The three fine-tuned transformers share one recipe (lr, epochs, batch; the best epoch by validation AUROC
on 10% of the training fold), so pre-training is the only difference between them. Every result is
written as it finishes (OUT/results/ARM/SPLIT.json) and skipped when present: an interrupted run
continues where it stopped. Prints the Markdown table of mean +- sd over folds.

    python experiments/transfer.py --out runs/transfer            # the 7 arms, 75-90 min on 2 CPU cores
    python experiments/transfer.py --out runs/transfer --arms gkm-lr offline-best   # the recipe, ~10 min
    python experiments/transfer.py --out runs/transfer --arms probe-random-init probe-chrY   # + chrY pre-training
    python experiments/transfer.py --out /tmp/t --limit 200 --pretrain-steps 4 --continue-steps 2 --epochs 1
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from enhancerlm.data.leakage.prepare import homology_clusters
from enhancerlm.evaluate.metrics import compute_metrics
from enhancerlm.io import write_text_atomic
from enhancerlm.models.probe import ProbeClassifier
from enhancerlm.models.registry import CreateOptions, create_classifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.fasta import fasta_text
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.spec import read_specs
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.finetune import finetune
from enhancerlm.train.pretrain import PretrainConfig, pretrain

log = logging.getLogger("transfer")
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ARMS = ("gc", "kmer-lr", "cnn", "untrained", "random-init", "chrY", "chrY+cont")
LONGER = ("chrY-longer",)  # dose-response: the chrY model pre-trained further on chrY, with --arms
RECIPES = ("gkm-lr", "offline-best")  # registry models for the best-recipe search, same folds, with --arms
PROBES = ("probe-random-init", "probe-chrY")  # frozen body + logistic regression: does pre-training transfer?
COLUMNS = ("accuracy", "mcc", "auroc")
MODEL = "tiny-dnabert-6"


def load_ienhancer(data: Path, limit: int | None) -> pd.DataFrame:
    """The 2,968 training sequences: strong and weak enhancers are 'enhancer', the rest 'not_enhancer'."""
    specs = [
        f"{data}/train_strong_enhancers.fa:enhancer",
        f"{data}/train_weak_enhancers.fa:enhancer",
        f"{data}/train_non_enhancers.fa:not_enhancer",
    ]
    table = read_specs(specs, require_labels=True)
    if limit:  # smoke runs: a balanced slice
        table = table.groupby("label").sample(n=limit // 2, random_state=0).reset_index(drop=True)
    return table


def folds(table: pd.DataFrame, n_folds: int):
    """(fold, train_index, test_index): stratified by label, grouped by homology cluster."""
    groups = homology_clusters(table["sequence"])
    cv = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=0)
    yield from ((i, tr, te) for i, (tr, te) in enumerate(cv.split(table, table["label"], groups)))


def pretrain_once(fasta: list[Path], backbone: str, out: Path, config: PretrainConfig) -> Path:
    """Pre-train into ``out`` unless a finished model is there; resume an interrupted run."""
    if (out / "model.safetensors").is_file():
        return out
    resume = any((out / "checkpoints").glob("checkpoint-*"))
    start = time.time()
    result = pretrain(fasta, backbone, out, config, resume=resume, progress=False)
    write_text_atomic(out / "wall.json", json.dumps({"seconds": time.time() - start, **result.final_metrics}) + "\n")
    shutil.rmtree(out / "checkpoints", ignore_errors=True)
    return out


def write_fasta(table: pd.DataFrame, path: Path) -> Path:
    """The sequences without labels, for continued pre-training."""
    write_text_atomic(path, fasta_text(table["id"], table["sequence"]))
    return path


def fine_tune(
    backbone: str,
    label_map: LabelMap,
    train: pd.DataFrame,
    seed: int,
    out: Path,
    *,
    lr: float,
    epochs: int,
    batch_size: int,
):
    """Fine-tune a fresh classifier; the best epoch by AUROC on a stratified 10% of ``train`` is kept."""
    fit, val = train_test_split(train, test_size=0.1, stratify=train["label"], random_state=seed)
    config = TrainConfig(
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        warmup_ratio=0.1,
        seed=seed,
        metric_for_best="auroc",
        keep_checkpoints=1,
    )
    classifier = create_classifier(backbone, label_map, CreateOptions(seed=seed))
    result = finetune(classifier, fit.reset_index(drop=True), val.reset_index(drop=True), config, out, progress=False)
    shutil.rmtree(out, ignore_errors=True)  # checkpoints and the model: only the numbers are kept
    return result.classifier, {"best_epoch": int(result.best_epoch)}


def run_arm(arm: str, fold: int, train: pd.DataFrame, label_map: LabelMap, args, chry: Path) -> tuple:
    """Train one arm on one fold: (classifier, details dict)."""
    seed, work = fold, args.out / "work" / f"{arm}-{fold}"
    if arm in ("gc", "kmer-lr", *RECIPES):  # fitted by their own fit(), no fine-tuning loop
        return create_classifier(arm, label_map, CreateOptions(seed=seed)).fit(train, seed=seed), {}
    if arm == "cnn":  # the settings that suit small convolutional nets, not the transformer's
        return fine_tune("cnn", label_map, train, seed, work, lr=1e-3, epochs=args.cnn_epochs, batch_size=64)
    if arm == "untrained":
        return create_classifier(str(chry), label_map, CreateOptions(seed=seed)), {}
    if arm in PROBES:
        body = create_classifier(
            MODEL if arm == "probe-random-init" else str(chry), label_map, CreateOptions(seed=seed)
        )
        probe = ProbeClassifier(body, label_map).fit(train, seed=seed)
        assert probe.head is not None  # fit sets it
        return probe, {"C": probe.head.C}
    backbone = {"random-init": MODEL, "chrY": str(chry)}.get(arm)
    if arm == "chrY-longer":
        backbone = str(longer_pretraining(args, chry))
    if arm == "chrY+cont":
        backbone = str(continued_pretraining(fold, train, args, chry))
    # One recipe for the three transformer arms, so that pre-training is the only difference.
    return fine_tune(backbone, label_map, train, seed, work, lr=args.lr, epochs=args.epochs, batch_size=32)


def longer_pretraining(args, chry: Path) -> Path:
    """The chrY model after ``--longer-steps`` more chrY steps: does more pre-training change the answer?"""
    return pretrain_once(
        [args.genome],
        str(chry),
        args.out / "pretrain" / "chrY-longer",
        PretrainConfig(
            max_steps=args.longer_steps,
            lr=args.pretrain_lr / 2,
            batch_size=32,
            seed=1,
            crop_bp=200,
            rc_augment=True,
            eval_steps=max(1, args.longer_steps // 4),
            keep_checkpoints=1,
        ),
    )


def continued_pretraining(fold: int, train: pd.DataFrame, args, chry: Path) -> Path:
    """The chrY model pre-trained further on this fold's training sequences (labels unused)."""
    out = args.out / "pretrain" / f"continued-{fold}"
    if (out / "model.safetensors").is_file():
        return out
    fasta = write_fasta(train, args.out / "pretrain" / f"train-fold-{fold}.fa")
    # 200 bp records: a held-out tail would be too short to crop, so no MLM evaluation here.
    config = PretrainConfig(
        max_steps=args.continue_steps,
        lr=args.continue_lr,
        batch_size=32,
        seed=fold,
        eval_fraction=0.0,
        crop_bp=200,
        rc_augment=True,
        short_crop_prob=0.0,
        keep_checkpoints=1,
    )
    return pretrain_once([fasta], str(chry), out, config)


def evaluate_arm(arm: str, fold: int, train, test, label_map: LabelMap, args, chry: Path) -> dict:
    """Fit, score the test fold, write OUT/results/ARM/FOLD.json (and its probabilities)."""
    path = args.out / "results" / arm / f"{fold}.json"
    if path.is_file():
        return json.loads(path.read_text())
    start = time.time()
    classifier, details = run_arm(arm, fold, train, label_map, args, chry)
    proba = predict_proba(classifier, test["sequence"].tolist())
    y = np.asarray(label_map.encode(test["label"]))
    metrics = compute_metrics(y, proba, list(label_map.names))
    record = {
        "arm": arm,
        "fold": fold,
        "seed": fold,
        "n_train": len(train),
        "n_test": len(test),
        "seconds": round(time.time() - start, 1),
        **details,
        **{name: metrics[name] for name in COLUMNS},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"id": test["id"], "label": test["label"], "p": proba[:, 1]}).to_csv(
        path.with_suffix(".tsv"), sep="\t", index=False, float_format="%.6g"
    )
    write_text_atomic(path, json.dumps(record) + "\n")
    log.info("%s fold %d: %s", arm, fold, {k: record[k] for k in ("seconds", *COLUMNS)})
    return record


def summary_table(records: list[dict]) -> str:
    """Markdown: one row per arm, mean +- sd over folds, and the mean wall time per fold."""
    frame = pd.DataFrame(records)
    lines = ["| arm | folds | " + " | ".join(COLUMNS) + " | s / fold |", "|---|---|" + "---|" * (len(COLUMNS) + 1)]
    for arm in [a for a in ARMS + LONGER + RECIPES + PROBES if a in set(frame["arm"])]:
        rows = frame[frame["arm"] == arm]
        cells = [f"{rows[c].mean():.3f} +- {rows[c].std(ddof=1) if len(rows) > 1 else 0:.3f}" for c in COLUMNS]
        lines.append(f"| {arm} | {len(rows)} | " + " | ".join(cells) + f" | {rows['seconds'].mean():.0f} |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=SHARED / "ienhancer")
    parser.add_argument("--genome", type=Path, default=SHARED / "human-chrY-par" / "chrY_PAR1_scaffold.fa")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS + LONGER + RECIPES + PROBES)
    parser.add_argument("--epochs", type=int, default=6, help="fine-tuning epochs of the transformer arms")
    parser.add_argument("--lr", type=float, default=1e-3, help="fine-tuning lr of the transformer arms")
    parser.add_argument("--cnn-epochs", type=int, default=10)
    parser.add_argument("--pretrain-steps", type=int, default=600, help="chrY pre-training steps (batch 32)")
    parser.add_argument("--pretrain-lr", type=float, default=1e-3)
    parser.add_argument("--longer-steps", type=int, default=1000, help="chrY-longer: steps after the chrY ones")
    parser.add_argument("--continue-steps", type=int, default=150, help="continued pre-training steps per fold")
    parser.add_argument("--continue-lr", type=float, default=3e-4)
    parser.add_argument("--limit", type=int, default=None, help="use a balanced slice of this many sequences")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.data.is_dir():
        raise SystemExit(f"no {args.data}: the shared data lives beside the checkout (../shared/data)")
    table = load_ienhancer(args.data, args.limit)
    label_map = LabelMap.from_labels(table["label"], positive="enhancer")
    needs_chry = {"untrained", "chrY", "chrY+cont", "probe-chrY", *LONGER} & set(args.arms)
    chry = args.out / "pretrain" / "chrY"
    if needs_chry:
        chry = pretrain_once(
            [args.genome],
            MODEL,
            chry,
            PretrainConfig(
                max_steps=args.pretrain_steps,
                lr=args.pretrain_lr,
                batch_size=32,
                seed=0,
                crop_bp=200,
                rc_augment=True,
                eval_steps=max(1, args.pretrain_steps // 4),
                keep_checkpoints=1,
            ),
        )
    for fold, train_idx, test_idx in folds(table, args.folds):
        train, test = table.iloc[train_idx].reset_index(drop=True), table.iloc[test_idx].reset_index(drop=True)
        for arm in args.arms:
            evaluate_arm(arm, fold, train, test, label_map, args, chry)
    # The table covers every arm finished in OUT, so runs of different --arms add up to one table.
    records = [json.loads(p.read_text()) for p in sorted((args.out / "results").glob("*/*.json"))]
    table_md = summary_table(records)
    write_text_atomic(args.out / "transfer.md", table_md + "\n")
    print(table_md)


if __name__ == "__main__":
    main()
