"""Frozen-embedding throughput of a DNABERT-size BERT on CPU, fp32 and int8, and what 155k sequences would take.

``enhancerlm.embeddings.embed_sequences`` (mean pooling, last layer) on a random-init 12 x 768 BERT with the
DNABERT-6 vocabulary (the same arithmetic as the pre-trained DNABERT-6), for 200 bp records, the
study's 270 bp, and full 512-token windows (515 bp); the fp32 and int8 runs alternate so that both see the
same machine load. Printed: sequences/s and the hours to embed the study's 155,000 sequences.

    python benchmarks/embed_speed.py --threads 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from predict_speed import make_sequences, timed
from quantize_speed import DNABERT_CONFIG, dnabert_size

from enhancerlm.embeddings import embed_sequences
from enhancerlm.models.quantize import quantize
from enhancerlm.sequences.records import LabelMap

STUDY_N = 155_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n", type=int, default=32, help="sequences per length")
    parser.add_argument("--lengths", default="200,270,515", help="comma-separated bp (515 bp = 512 6-mer tokens)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--dnabert-config", type=Path, default=DNABERT_CONFIG)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    fp32 = dnabert_size(args.dnabert_config, LabelMap.from_labels(["enhancer", "not_enhancer"]))
    int8 = quantize(fp32, "int8")
    print(f"DNABERT-size BERT (random init), {torch.get_num_threads()} threads, batch {args.batch_size}, n={args.n}")
    print(
        f"{'bp':>5s} {'tokens':>6s} {'fp32 seq/s':>10s} {'int8 seq/s':>10s} {'int8/fp32':>9s} "
        f"{'155k: fp32 h':>12s} {'int8 h':>7s} {'max|dv|/|v|':>11s}"
    )
    for length in map(int, args.lengths.split(",")):
        seqs = make_sequences(args.n, length, length, seed=length)
        embed_sequences(fp32, seqs[:2], batch_size=args.batch_size)
        embed_sequences(int8, seqs[:2], batch_size=args.batch_size)
        v32, t32 = timed(lambda: embed_sequences(fp32, seqs, batch_size=args.batch_size), args.repeats)
        v8, t8 = timed(lambda: embed_sequences(int8, seqs, batch_size=args.batch_size), args.repeats)
        rate32, rate8 = len(seqs) / t32, len(seqs) / t8
        rel = float(np.max(np.linalg.norm(v8 - v32, axis=1) / np.linalg.norm(v32, axis=1)))
        print(
            f"{length:5d} {length - 6 + 3:6d} {rate32:10.2f} {rate8:10.2f} {rate8 / rate32:8.2f}x "
            f"{STUDY_N / rate32 / 3600:12.1f} {STUDY_N / rate8 / 3600:7.1f} {rel:11.3f}"
        )
    print(f"hours = {STUDY_N:,} / (seq/s) / 3600, one process on {torch.get_num_threads()} threads", file=sys.stderr)


if __name__ == "__main__":
    main()
