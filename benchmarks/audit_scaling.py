"""Time the leakage audit on synthetic data and extrapolate to Genomic Benchmarks human_enhancers_ensembl size.

Usage: python benchmarks/audit_scaling.py [--n-train 20000] [--n-test 5000] [--genome FASTA]

Sequences are 200-600 bp drawn from the default Markov background, or (``--genome``) windows cut at
random from a real FASTA, which brings repeats and overlapping windows, the hard case for LSH. 5% of
the test set are exact copies of training records, 5% reverse complements, 5% copies with 2%
substitutions (near duplicates). The audit is timed at two sizes; its time grows about linearly
with the number of sequences, so the larger run is extrapolated linearly to 124k x 31k.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from enhancerlm.data.generate.synthetic import MarkovBackground
from enhancerlm.data.leakage.audit import audit
from enhancerlm.sequences.dna import ACGT_LETTERS, ascii_bytes, code_strings, reverse_complement
from enhancerlm.sequences.records import make_table

TARGET_TRAIN, TARGET_TEST = 124_000, 31_000  # human_enhancers_ensembl, rounded


def random_sequences(n: int, rng: np.random.Generator, genome: str | None) -> list[str]:
    lengths = rng.integers(200, 601, size=n)
    if genome is None:
        codes = MarkovBackground.default().sample(n, int(lengths.max()), rng)
        return code_strings([row[:length] for row, length in zip(codes, lengths)])
    starts = rng.integers(0, len(genome) - 600, size=n)
    return [genome[s : s + length] for s, length in zip(starts, lengths)]


def mutate(seq: str, rate: float, rng: np.random.Generator) -> str:
    chars = ascii_bytes(seq).copy()
    hit = rng.random(len(chars)) < rate
    chars[hit] = ACGT_LETTERS[rng.integers(0, 4, hit.sum())]
    return chars.tobytes().decode()


def make_pair(n_train: int, n_test: int, seed: int, genome: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    train = random_sequences(n_train, rng, genome)
    test = random_sequences(n_test, rng, genome)
    k = n_test // 20
    src = rng.choice(n_train, size=3 * k, replace=False)
    test[:k] = [train[i] for i in src[:k]]
    test[k : 2 * k] = [reverse_complement(train[i]) for i in src[k : 2 * k]]
    test[2 * k : 3 * k] = [mutate(train[i], 0.02, rng) for i in src[2 * k :]]

    def labels(n):
        return rng.choice(["enhancer", "not_enhancer"], size=n)

    return (
        make_table([f"tr{i}" for i in range(n_train)], train, labels(n_train)),
        make_table([f"te{i}" for i in range(n_test)], test, labels(n_test)),
    )


def read_genome(path: str) -> str:
    with open(path) as handle:
        seq = "".join(line.strip() for line in handle if not line.startswith(">")).upper()
    return seq.replace("N", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=20_000)
    parser.add_argument("--n-test", type=int, default=5_000)
    parser.add_argument("--genome", help="FASTA to cut windows from (default: Markov background)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    genome = read_genome(args.genome) if args.genome else None
    times = []
    for scale in (0.25, 1.0):
        n_train, n_test = int(args.n_train * scale), int(args.n_test * scale)
        train, test = make_pair(n_train, n_test, args.seed, genome)
        start = time.perf_counter()
        report = audit(train, test)
        times.append(time.perf_counter() - start)
        print(
            f"{n_train:>7} train x {n_test:>6} test: {times[-1]:6.1f} s   exact {report.exact_duplicates}, "
            f"revcomp {report.revcomp_duplicates}, near {report.near_duplicates} "
            f"(planted {n_test // 20} each)"
        )
    growth = times[1] / times[0]
    factor = (TARGET_TRAIN + TARGET_TEST) / (args.n_train + args.n_test)
    print(f"4x the sequences took {growth:.1f}x the time (1.0 = constant, 4.0 = linear)")
    print(f"extrapolated to {TARGET_TRAIN} x {TARGET_TEST} (linear): {times[1] * factor / 60:.1f} min")


if __name__ == "__main__":
    main()
