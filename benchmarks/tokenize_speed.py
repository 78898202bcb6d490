"""Tokenizer throughput: enhancerlm's vectorised k-mer tokenizer vs BertTokenizerFast with the DNABERT vocab.

Both tokenize the same sequences in one run (the machine's speed drifts, so only the ratio is meaningful).
The reference is given what DNABERT's own pipeline gives it: space-joined overlapping k-mers (building that
string is counted too, since a user of the reference must do it).

    python benchmarks/tokenize_speed.py [--n 10000] [--length-bp 200] [--k 6] [--repeats 3]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time

from transformers import BertTokenizerFast

from enhancerlm.tokenization.kmer import KmerTokenizer


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--length-bp", type=int, default=200)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(0)
    seqs = ["".join(rng.choices("ACGT", k=args.length_bp)) for _ in range(args.n)]
    ours = KmerTokenizer(args.k)
    with tempfile.TemporaryDirectory() as folder:
        ours.save_pretrained(folder)
        ref = BertTokenizerFast.from_pretrained(folder, do_lower_case=False)

    def run_ref():
        return ref([" ".join(ours.decode_kmers(s)) for s in seqs])["input_ids"]

    assert [x.tolist() for x in ours.encode_batch(seqs[:100])] == ref(
        [" ".join(ours.decode_kmers(s)) for s in seqs[:100]]
    )["input_ids"]
    t_ours = best_time(lambda: ours.encode_batch(seqs), args.repeats)
    t_ref = best_time(run_ref, args.repeats)
    print(f"{args.n} sequences x {args.length_bp} bp, k={args.k}, best of {args.repeats}")
    print(f"enhancerlm KmerTokenizer : {args.n / t_ours:12,.0f} seq/s")
    print(f"BertTokenizerFast (ref)  : {args.n / t_ref:12,.0f} seq/s")
    print(f"speed-up                 : {t_ref / t_ours:12.1f}x (target >= 50x)")


if __name__ == "__main__":
    main()
