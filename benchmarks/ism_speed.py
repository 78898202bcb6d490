"""In-silico saturation mutagenesis speed: batched `saturation_mutagenesis` against a one-mutant-at-a-time loop.

Both score the same 3L single-base mutants of each sequence with the same random-init tiny-dnabert-6
model. The batched way builds every mutant with numpy and sends them through
``enhancerlm.predict.predict_proba`` in full, length-sorted batches; the naive way calls the model
once per mutant. Naive is timed on a few sequences and extrapolated linearly (its cost is the
same for every sequence of a given length); so is batched when ``--n`` is below the target. Also
printed: the model FLOP/s each way reaches, as a share of a plain fp32 matmul on this machine
(``predict_speed.py``'s counters), which shows how close to compute-bound batched ISM runs.

    python benchmarks/ism_speed.py --threads 2                 # 1,000 x 200 bp (30-60 min on 2 cores)
    python benchmarks/ism_speed.py --threads 2 --n 20          # 20 sequences, extrapolated to --target

``--long-bp 3000`` times instead ISM of one sequence longer than the model's window (515 bp), side by
side: windowed (`saturation_mutagenesis`: only the windows that hold a substitution are scored, the
others reused) against brute force (every mutant scored whole through ``predict_proba``, all of its
windows). Brute force is timed on ``--brute-mutants`` mutants and extrapolated to all 3L (each mutant
costs it the same windows); on those mutants both give the same log-odds, which is checked.

    python benchmarks/ism_speed.py --threads 2 --long-bp 3000 --brute-mutants 300
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from predict_speed import bert_flops, matmul_flops_per_s  # sibling script: same FLOP counting

from enhancerlm.interpret.ism import log_odds, saturation_mutagenesis, single_mutants
from enhancerlm.models import create_classifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.windows import split_windows


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="sequences scored the batched way")
    parser.add_argument("--naive-n", type=int, default=2, help="sequences scored one mutant at a time")
    parser.add_argument("--target", type=int, default=1000, help="sequences the timings are extrapolated to")
    parser.add_argument("--length-bp", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=None, help="batched ISM batch (default: the device's)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--long-bp", type=int, default=0, help="time windowed vs brute-force ISM of one long sequence")
    parser.add_argument("--brute-mutants", type=int, default=300, help="mutants brute force is timed on (--long-bp)")
    return parser.parse_args()


def naive_ism(classifier, seq: str) -> np.ndarray:
    """Log-odds of each mutant, one model call per mutant, shape=(3L,)."""
    mutants, _, _ = single_mutants(seq)
    return np.array([log_odds(classifier.predict_proba([m]), 1)[0] for m in mutants])


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def long_sequence(classifier, args: argparse.Namespace) -> None:
    """Windowed vs brute-force ISM of one ``--long-bp`` sequence, printed side by side."""
    seq = "".join(np.random.default_rng(args.seed).choice(list("ACGT"), args.long_bp))
    mutants, positions, alts = single_mutants(seq)
    n_windows = len(split_windows([seq], classifier.max_bp).seqs)
    saturation_mutagenesis(classifier, [seq[: classifier.max_bp]], batch_size=args.batch_size)  # warm-up
    scored: list[int] = []  # model inputs, as the progress callback counts them

    def windowed_ism():
        return saturation_mutagenesis(
            classifier, [seq], batch_size=args.batch_size, progress=lambda done, total: scored.append(done)
        )

    windowed, t_windowed = timed(windowed_ism)
    k = min(args.brute_mutants, len(mutants))
    brute, t_subset = timed(
        lambda: log_odds(predict_proba(classifier, [seq] + mutants[:k], batch_size=args.batch_size), 1)
    )
    brute_windows = (1 + len(mutants)) * n_windows
    t_brute = t_subset * (1 + len(mutants)) / (1 + k)  # every mutant costs brute force its n_windows windows
    diff = np.abs(windowed.deltas[0][positions[:k], alts[:k]] + windowed.ref_logit[0] - brute[1:]).max()
    print(
        f"torch threads {torch.get_num_threads()}, tiny-dnabert-6, one {len(seq)} bp sequence: "
        f"{n_windows} windows of {classifier.max_bp} bp, {len(mutants)} mutants"
    )
    print(
        f"brute force: {brute_windows:7d} windows scored {t_brute:8.1f} s  "
        f"(timed on {k} mutants: {t_subset:.1f} s, extrapolated)"
    )
    print(f"windowed   : {scored[-1]:7d} windows scored {t_windowed:8.1f} s")
    print(f"speed-up   : {t_brute / t_windowed:7.1f} x  (windows scored: {brute_windows / scored[-1]:.1f} x fewer)")
    print(f"max |log-odds difference| windowed vs brute force on those {k} mutants: {diff:.2e}")


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    classifier = create_classifier("tiny-dnabert-6", LabelMap.from_labels(["enhancer", "not_enhancer"]))
    if args.long_bp:
        long_sequence(classifier, args)
        return
    rng = np.random.default_rng(args.seed)
    seqs = ["".join(row) for row in rng.choice(list("ACGT"), size=(max(args.n, args.naive_n), args.length_bp))]
    saturation_mutagenesis(classifier, seqs[:1], batch_size=args.batch_size)  # warm-up: first calls allocate

    batched, t_batched = timed(lambda: saturation_mutagenesis(classifier, seqs[: args.n], batch_size=args.batch_size))
    naive, t_naive = timed(lambda: [naive_ism(classifier, s) for s in seqs[: args.naive_n]])

    # Same numbers both ways: the batched deltas, re-expressed as mutant log-odds, equal the naive ones.
    check = []
    for i, scores in enumerate(naive):
        _, positions, alts = single_mutants(seqs[i])
        check.append(np.abs(batched.deltas[i][positions, alts] + batched.ref_logit[i] - scores).max())
    per_seq_batched, per_seq_naive = t_batched / args.n, t_naive / args.naive_n
    mutants = 3 * args.length_bp
    print(
        f"torch threads {torch.get_num_threads()}, tiny-dnabert-6, {args.length_bp} bp, {mutants} mutants per sequence"
    )
    print(
        f"batched : {args.n / t_batched:8.3f} seq/s  {args.n * mutants / t_batched:8.0f} mutants/s  "
        f"({args.n} sequences in {t_batched:.1f} s)"
    )
    print(
        f"naive   : {args.naive_n / t_naive:8.3f} seq/s  {args.naive_n * mutants / t_naive:8.0f} mutants/s  "
        f"({args.naive_n} sequences in {t_naive:.1f} s)"
    )
    print(f"speed-up: {per_seq_naive / per_seq_batched:8.1f} x")
    print(
        f"{args.target} sequences, extrapolated: batched {args.target * per_seq_batched / 60:.1f} min, "
        f"naive {args.target * per_seq_naive / 60:.1f} min"
    )
    print(f"max |log-odds difference| batched vs naive: {max(check):.2e}")
    flops = bert_flops(classifier.model.config, args.length_bp - 6 + 3)  # 6-mers plus [CLS], [SEP]
    peak = matmul_flops_per_s(torch.device("cpu"))
    for name, per_seq in (("batched", per_seq_batched), ("naive", per_seq_naive)):
        achieved = mutants * flops / per_seq
        print(
            f"{name:8s}: {achieved / 1e9:6.1f} GFLOP/s = {achieved / peak:6.1%} of a plain fp32 matmul "
            f"({peak / 1e9:.1f} GFLOP/s)"
        )


if __name__ == "__main__":
    main()
