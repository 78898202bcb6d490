"""Time one model's evaluation block (metrics + bootstrap intervals) for multi-label and regression sets.

Usage: python benchmarks/evaluate_multioutput.py [--n 2000] [--n-boot 1000]

A multi-label block scores each label as a binary task on the same replicates, plus the pooled
(micro) metrics over every (sequence, label) pair, so its cost should grow about linearly with the
labels: the script prints each block's time beside a binary block on the same number of sequences
and the ratio per label (near 1 means a label costs what a binary task does). Regression is printed
per target the same way. ``run`` evaluates each model twice (the test set and its novel subset).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from enhancerlm.evaluate.bootstrap import evaluate
from enhancerlm.sequences.task import Task


def timed(y, outputs, task, n_boot: int) -> float:
    start = time.perf_counter()
    evaluate(y, outputs, task, n_boot=n_boot, seed=0)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="test sequences")
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, args.n)
    score = np.clip(0.3 * y + 0.7 * rng.random(args.n), 0, 1)
    binary = timed(y, np.column_stack([1 - score, score]), ["no", "yes"], args.n_boot)
    print(f"binary, n={args.n}, n_boot={args.n_boot}: {binary:.2f} s")
    for n_labels in (4, 16, 64):
        truth = (rng.random((args.n, n_labels)) < 0.3).astype(float)
        proba = np.clip(0.3 * truth + 0.7 * rng.random(truth.shape), 0, 1).astype(np.float32)
        seconds = timed(truth, proba, Task("multilabel", tuple(f"c{i}" for i in range(n_labels))), args.n_boot)
        print(f"multi-label, {n_labels} labels: {seconds:.2f} s = {seconds / binary / n_labels:.2f} x binary per label")
    for n_targets in (1, 4):
        values = rng.normal(size=(args.n, n_targets))
        predicted = (values + rng.normal(size=values.shape)).astype(np.float32)
        seconds = timed(values, predicted, Task("regression", tuple(f"t{i}" for i in range(n_targets))), args.n_boot)
        print(
            f"regression, {n_targets} target(s): {seconds:.2f} s = {seconds / binary / n_targets:.2f} x binary per target"
        )


if __name__ == "__main__":
    main()
