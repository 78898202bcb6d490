"""Inference speed: ``enhancerlm.predict.predict_proba`` against the reference study's one-at-a-time loop.

The study scored each sequence alone: Hugging Face ``BertTokenizer`` on space-separated 6-mers with
``padding="max_length", max_length=512, truncation=True``, then one forward pass. enhancerlm encodes
all sequences at once with numpy, sorts them by length, pads each batch only to its longest member
and runs batches under ``torch.inference_mode`` (and windows sequences longer than the model, where
the study truncated). Both use the same random-init tiny-dnabert-6 model and the same sequences.

Also printed: achieved model FLOP/s (matmul FLOPs of the real tokens; for the study also counting
its padding) as a fraction of a plain fp32 ``torch.matmul`` on this machine.

    python benchmarks/predict_speed.py                 # 500 sequences, 50-570 bp, CPU
    python benchmarks/predict_speed.py --n 200 --threads 2
    python benchmarks/predict_speed.py --threads 2 --quantize int8 --whole-process   # + `enhancerlm predict`

``--whole-process`` also times the ``enhancerlm predict`` command as a fresh process on the same model
(saved) and sequences (a FASTA): start-up, model loading, reading and writing included.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import BertTokenizer

from enhancerlm.models import create_classifier
from enhancerlm.models.quantize import quantize
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.records import LabelMap
from enhancerlm.tokenization.kmer import KmerTokenizer
from enhancerlm.tokenization.windows import split_windows

STUDY_MAX_TOKENS = 512


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="sequences scored by enhancerlm")
    parser.add_argument(
        "--study-n",
        type=int,
        default=100,
        help="of those, how many the slow study loop scores (its seq/s; same length mix)",
    )
    parser.add_argument("--min-bp", type=int, default=50)
    parser.add_argument("--max-bp", type=int, default=570)
    parser.add_argument("--batch-size", type=int, default=None, help="enhancerlm batch (default: its own)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument(
        "--repeats", type=int, default=1, help="time each way this often, keep the fastest (steadier on a busy machine)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quantize", default="none", help="enhancerlm's side: none or int8 (the study: fp32)")
    parser.add_argument("--whole-process", action="store_true", help="also time `enhancerlm predict` as a process")
    return parser.parse_args()


def make_sequences(n: int, min_bp: int, max_bp: int, seed: int) -> list[str]:
    """Random A/C/G/T sequences with uniformly drawn lengths, like enhancer sets of mixed length."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, max_bp))
    lengths = rng.integers(min_bp, max_bp + 1, size=n)
    return ["".join(np.array(list("ACGT"))[row[:length]]) for row, length in zip(codes, lengths)]


def study_way(model, tokenizer: BertTokenizer, seqs: list[str], device: torch.device) -> np.ndarray:
    """One sequence at a time, padded to 512 tokens: the reference study's inference loop."""
    kmers = KmerTokenizer(6)
    out = []
    model.eval()
    with torch.no_grad():
        for seq in seqs:
            batch = tokenizer(
                " ".join(kmers.decode_kmers(seq)),
                padding="max_length",
                max_length=STUDY_MAX_TOKENS,
                truncation=True,
                return_tensors="pt",
            ).to(device)
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            out.append(torch.softmax(logits, dim=-1)[0].cpu().numpy())
    return np.stack(out)


def bert_flops(config, n_tokens: int) -> float:
    """Matmul FLOPs of one BERT classification forward pass on ``n_tokens`` tokens (2 per multiply-add)."""
    h, inter, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    dense = 2 * n_tokens * (4 * h * h + 2 * h * inter)  # Q, K, V, output projections; feed-forward
    attention = 2 * 2 * n_tokens * n_tokens * h  # scores QK^T and the weighted sum of V
    head = 2 * (h * h + h * config.num_labels)  # pooler and classifier, [CLS] only
    return layers * (dense + attention) + head


def matmul_flops_per_s(device: torch.device, size: int = 1024, repeats: int = 20) -> float:
    """Plain fp32 ``torch.matmul`` throughput on ``device`` (FLOP/s)."""
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    torch.matmul(a, b)
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        torch.matmul(a, b)
    _sync(device)
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, repeats: int = 1):
    """(result, fastest wall time in s over ``repeats`` calls)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.set_float32_matmul_precision("highest")  # fp32 both sides: a fair, like-for-like comparison
    classifier = create_classifier("tiny-dnabert-6", LabelMap.from_labels(["enhancer", "not_enhancer"]))
    classifier.model.to(device)
    fp32 = classifier
    classifier = quantize(classifier, args.quantize)
    with tempfile.TemporaryDirectory() as folder:
        KmerTokenizer(6).save_pretrained(folder)
        tokenizer = BertTokenizer.from_pretrained(folder)
    seqs = make_sequences(args.n, args.min_bp, args.max_bp, args.seed)
    predict_proba(classifier, seqs[:8], batch_size=args.batch_size)  # warm-up: first calls allocate

    ours, t_ours = timed(lambda: predict_proba(classifier, seqs, batch_size=args.batch_size), args.repeats)
    study_seqs = seqs[: args.study_n]
    study_way(fp32.model, tokenizer, seqs[:2], device)
    theirs, t_theirs = timed(lambda: study_way(fp32.model, tokenizer, study_seqs, device), args.repeats)
    report(args, classifier, seqs, ours, t_ours, theirs, t_theirs, matmul_flops_per_s(device))
    if args.whole_process:
        t_process = whole_process_seconds(fp32, seqs, args)
        study_rate, process_rate = len(theirs) / t_theirs, len(seqs) / t_process
        print(
            f"`enhancerlm predict` process: {process_rate:9.1f} seq/s  ({len(seqs)} sequences in {t_process:.2f} s, "
            f"start-up, model load and I/O included) = {process_rate / study_rate:.1f} x the study loop (target >= 5x)"
        )


def whole_process_seconds(classifier, seqs: list[str], args) -> float:
    """Fastest wall time of ``enhancerlm predict`` as a fresh process on the saved model and a FASTA of ``seqs``."""
    script = Path(sys.executable).with_name("enhancerlm")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "enhancerlm.cli.main"]
    env = {**os.environ, **({"OMP_NUM_THREADS": str(args.threads)} if args.threads else {})}
    with tempfile.TemporaryDirectory() as folder:
        classifier.save(Path(folder) / "model")
        fasta = Path(folder) / "in.fa"
        fasta.write_text("".join(f">s{i}\n{seq}\n" for i, seq in enumerate(seqs)))
        command += ["-q", "predict", "-m", f"{folder}/model", "-i", str(fasta), "-o", f"{folder}/out.tsv"]
        command += ["--quantize", args.quantize] + (["--batch-size", str(args.batch_size)] if args.batch_size else [])
        _, seconds = timed(lambda: subprocess.run(command, check=True, env=env), args.repeats)
    return seconds


def report(args, classifier, seqs, ours, t_ours, theirs, t_theirs, peak) -> None:
    """Print sequences/s, the ratio, agreement, and model FLOP/s relative to plain matmul."""
    config, max_bp = classifier.model.config, classifier.max_bp
    lengths = np.array([len(s) for s in seqs])
    n_study = len(theirs)
    fits = lengths[:n_study] <= max_bp
    useful_ours = sum(bert_flops(config, min(n, max_bp) - 6 + 3) for n in lengths)
    useful_study = sum(bert_flops(config, min(n, max_bp) - 6 + 3) for n in lengths[:n_study])
    executed_study = n_study * bert_flops(config, STUDY_MAX_TOKENS)
    executed_ours = sum(bert_flops(config, len(w) - 6 + 3) for w in split_windows(seqs, max_bp).seqs)
    ours_rate, study_rate = len(seqs) / t_ours, n_study / t_theirs
    print(
        f"device {args.device}, torch threads {torch.get_num_threads()}, sequences {args.min_bp}-{args.max_bp} bp; "
        f"{(lengths > max_bp).sum()} of {len(seqs)} longer than {max_bp} bp (enhancerlm windows, study truncates)"
    )
    print(f"enhancerlm predict_proba : {ours_rate:9.1f} seq/s  ({len(seqs)} sequences in {t_ours:.2f} s)")
    print(f"study (1 at a time, 512) : {study_rate:9.1f} seq/s  (first {n_study} in {t_theirs:.2f} s)")
    print(f"speed-up                 : {ours_rate / study_rate:9.1f} x")
    print(f"max |p difference|, sequences both score whole: {np.abs(ours[:n_study][fits] - theirs[fits]).max():.2e}")
    print(f"plain fp32 matmul 1024^3 : {peak / 1e9:9.1f} GFLOP/s")
    print(
        f"enhancerlm model FLOP/s  : {useful_ours / t_ours / 1e9:9.1f} GFLOP/s = {useful_ours / t_ours / peak:.1%} "
        "of matmul (real tokens; a long sequence counted as one window)"
    )
    print(
        f"study model FLOP/s       : {useful_study / t_theirs / 1e9:9.1f} GFLOP/s = "
        f"{useful_study / t_theirs / peak:.1%} of matmul (real tokens); "
        f"{executed_study / t_theirs / 1e9:.1f} GFLOP/s counting its padding"
    )
    per_ours, per_study = executed_ours / len(seqs), executed_study / n_study
    print(
        f"work per sequence        : enhancerlm {per_ours / 1e6:.0f} MFLOP (windows included), study "
        f"{per_study / 1e6:.0f} MFLOP (512 tokens): at equal FLOP/s the speed-up would be {per_study / per_ours:.1f} x"
    )


if __name__ == "__main__":
    main()
