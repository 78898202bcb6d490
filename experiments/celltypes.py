"""Which cell types, and how strong? Multi-label and activity models where the truth is known.

1. ``enhancerlm data synthetic --cell-types 3 --site-sampling consensus``: cell type ct1 owns GATA1 sites, ct2 Spi1/CEBPB sites, AP-1
   is shared (ubiquitous enhancers), and ``no_motif`` owns nothing (its label is drawn at random); the
   activity of ct1 and ct2 is a known sum of site effects plus Gaussian noise, whose noise ceiling the
   generator computes (``motifs.json``). Consensus sites, so that every planted site can be seen and the
   noise ceiling is the bound a model can reach (``--site-sampling pwm`` draws weak sites too: harder).
2. ``enhancerlm run --backbone cnn`` on the labels (a multi-label task, read from the ``label:`` columns)
   and on the activity (a regression task, from the ``target:`` columns), the k-mer and GC baselines
   beside it.
3. Edits that break one cell type's motif: every planted site of that cell type in a test sequence
   replaced by random bases; the mean change of each label's probability (the model from step 2).
4. The cost of one multi-task head vs one model per label: the time of one ``predict_outputs`` pass of
   the 3-label CNN and of a 1-output CNN of the same shape on the same sequences.

Prints the Markdown tables of docs/results.md and every command it ran.

    python experiments/celltypes.py --out /tmp/celltypes        # about 10-20 minutes on 2 CPU cores
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import enhancerlm as elm
from enhancerlm.models.registry import create_classifier
from enhancerlm.sequences.task import Task


def sh(command: list[str], log: list[str]) -> None:
    log.append(" ".join(shlex.quote(part) for part in command))
    print("$", log[-1], flush=True)
    subprocess.run(command, check=True)


def run_command(data: Path, table: str, out: Path, args) -> list[str]:
    return [
        "enhancerlm", "-q", "run",
        "--train", str(data / f"{table}_train.tsv"),
        "--test", str(data / f"{table}_test.tsv"),
        "--backbone", "cnn",
        "--epochs", str(args.epochs),
        "--no-search",
        "--baselines", "kmer-lr",
        "--baselines", "gc",
        "--n-boot", "200",
        "--out", str(out),
    ]  # fmt: skip


def label_table(metrics: dict) -> str:
    """Per-label test AUROC/AUPRC of the CNN and its baselines."""
    rows = ["| label | CNN AUROC | CNN AUPRC | k-mer LR AUROC | GC AUROC |", "|---|---|---|---|---|"]
    cnn, kmer, gc = metrics["fine_tuned"], metrics["baselines"]["kmer_lr"], metrics["baselines"]["gc"]
    for label, block in cnn["per_label"].items():
        rows.append(
            f"| {label} | {block['auroc']:.3f} | {block['auprc']:.3f} | "
            f"{kmer['per_label'][label]['auroc']:.3f} | {gc['per_label'][label]['auroc']:.3f} |"
        )
    rows.append(f"| macro | {cnn['auroc_macro']:.3f} | {cnn['auprc_macro']:.3f} | {kmer['auroc_macro']:.3f} | "
                f"{gc['auroc_macro']:.3f} |")  # fmt: skip
    return "\n".join(rows)


def activity_table(metrics: dict, ceiling: dict) -> str:
    """Per-target Spearman/Pearson of the CNN and the k-mer baseline beside the noise ceiling."""
    rows = [
        "| target | CNN Spearman | CNN Pearson | CNN R² | k-mer Spearman | noise ceiling Spearman | ceiling Pearson |",
        "|---|---|---|---|---|---|---|",
    ]
    cnn, kmer = metrics["fine_tuned"], metrics["baselines"]["kmer_lr"]
    for target, block in cnn["per_target"].items():
        top = ceiling[target]
        rows.append(
            f"| {target} | {block['spearman']:.3f} | {block['pearson']:.3f} | {block['r2']:.3f} | "
            f"{kmer['per_target'][target]['spearman']:.3f} | {top['spearman_observed']:.3f} | "
            f"{top['pearson_observed']:.3f} |"
        )
    return "\n".join(rows)


def broken(test: pd.DataFrame, planted: pd.DataFrame, program: str, seed: int) -> tuple[list[str], list[str]]:
    """Test sequences carrying ``program``'s sites, before and after those sites are replaced by random bases."""
    rng = np.random.default_rng(seed)
    sites = planted[(planted["kind"] == "motif") & (planted["program"] == program)]
    seqs = test.set_index("id")["sequence"]
    before, after = [], []
    for seq_id, group in sites[sites["id"].isin(seqs.index)].groupby("id"):
        bases = list(seqs[seq_id])
        for site in group.itertuples():
            bases[site.start : site.end] = rng.choice(list("ACGT"), site.end - site.start)
        before.append(seqs[seq_id])
        after.append("".join(bases))
    return before, after


def edit_table(model, test: pd.DataFrame, planted: pd.DataFrame, seed: int) -> str:
    names = list(model.task.names)
    rows = ["| sites broken | n | " + " | ".join(f"Δp({n})" for n in names) + " |", "|---" * (len(names) + 2) + "|"]
    for program in ("ct1", "ct2"):
        before, after = broken(test, planted, program, seed)
        delta = model.predict_outputs(after) - model.predict_outputs(before)
        cells = " | ".join(f"{d:+.3f}" for d in delta.mean(axis=0))
        rows.append(f"| {program} | {len(before)} | {cells} |")
    return "\n".join(rows)


def head_cost(model, seqs: list[str], repeats: int = 3) -> str:
    """Seconds of one pass of the n-label model and of a 1-output model of the same shape."""
    single = create_classifier("cnn", Task("binary", ("no", "yes")))

    def best(m) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            m.predict_outputs(seqs, 256)
            times.append(time.perf_counter() - start)
        return min(times)

    multi_s, single_s = best(model), best(single)
    n = model.task.n_outputs
    return (
        f"{len(seqs)} sequences: one pass of the {n}-label CNN {multi_s:.2f} s, of a 1-output CNN {single_s:.2f} s; "
        f"{n} separate models would take about {n * single_s:.2f} s ({n * single_s / multi_s:.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n-sequences", type=int, default=8000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--site-sampling", choices=("consensus", "pwm"), default="consensus")
    args = parser.parse_args()
    if args.out.exists():
        sys.exit(f"{args.out} exists; give a new folder")
    log: list[str] = []
    data = args.out / "data"
    sh(["enhancerlm", "-q", "data", "synthetic", "--cell-types", "3", "--n-sequences", str(args.n_sequences),
        "--site-sampling", args.site_sampling, "--seed", str(args.seed), "--out", str(data)], log)  # fmt: skip
    sh(run_command(data, "celltypes", args.out / "multilabel", args), log)
    sh(run_command(data, "activity", args.out / "activity", args), log)
    ceiling = json.loads((data / "motifs.json").read_text())["noise_ceiling"]["test"]
    multi = json.loads((args.out / "multilabel" / "metrics.json").read_text())
    activity = json.loads((args.out / "activity" / "metrics.json").read_text())
    model = elm.load(args.out / "multilabel")
    test = pd.read_csv(data / "celltypes_test.tsv", sep="\t", dtype=str)
    planted = pd.read_csv(data / "planted.tsv", sep="\t", dtype={"program": str})
    print("\ncommands:\n" + "\n".join(log))
    print("\n" + label_table(multi) + "\n\n" + activity_table(activity, ceiling))
    print("\n" + edit_table(model, test, planted, args.seed))
    print("\n" + head_cost(model, list(test["sequence"])))


if __name__ == "__main__":
    main()
