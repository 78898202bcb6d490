"""The CUDA paths in one short run: fine-tuning, predict, embed and scan throughput of a DNABERT-size BERT.

Run through ``benchmarks/gpu_check.sh`` (offline, from a copy of the repository, package not installed).
Synthetic data of the study's shape (270 bp, 6-mers, two classes), a random-init BERT of DNABERT-6's
shape (12 layers x 768, 4,101-token vocabulary), everything through enhancerlm's own code: fine-tuning
with ``enhancerlm.train.finetune`` (bf16 autocast on GPUs, length-grouped dynamically padded batches),
``predict_proba``, ``embed_sequences`` and ``scan_genome``. Prints one table; any error ends the run
with a traceback and a non-zero exit status. ``--device cpu --tiny``: the same steps on the tiny model
in well under a minute (tested in CI by tests/benchmarks/test_gpu_check.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--tiny", action="store_true", help="tiny-dnabert-6 and small sizes (the CI path)")
    parser.add_argument("--seq-bp", type=int, default=270)
    parser.add_argument("--n-train", type=int, default=None, help="fine-tuning sequences (one epoch)")
    parser.add_argument("--n-infer", type=int, default=None, help="sequences scored by predict and embed")
    parser.add_argument("--genome-bp", type=int, default=None, help="length of the synthetic genome scanned")
    parser.add_argument("--batch-size", type=int, default=None, help="inference batch (default: the device's)")
    parser.add_argument("--train-batch-size", type=int, default=32)
    parser.add_argument("--compile", action="store_true", help="also time predict after torch.compile")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: 1 with --tiny)")
    args = parser.parse_args()
    gpu = not args.tiny
    args.n_train = args.n_train or (8192 if gpu else 32)
    args.n_infer = args.n_infer or (16384 if gpu else 32)
    args.genome_bp = args.genome_bp or (4_000_000 if gpu else 5_000)
    # tiny matmuls gain nothing from threads, and on shared busy cores spinning threads run far slower
    args.threads = args.threads or (None if gpu else 1)
    return args


def dnabert_size_config(label_map):
    """BERT-base on the DNABERT-6 vocabulary: DNABERT-6's shape (its config.json), without its weights."""
    from transformers import BertConfig

    from enhancerlm.models.hf import label_kwargs

    return BertConfig(
        vocab_size=4101,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=512,
        **label_kwargs(label_map),
    )


def build_classifier(tiny: bool, label_map):
    import torch
    from transformers import BertForSequenceClassification

    from enhancerlm.models import create_classifier
    from enhancerlm.models.dnabert import DnabertClassifier
    from enhancerlm.tokenization.kmer import KmerTokenizer

    if tiny:
        return create_classifier("tiny-dnabert-6", label_map)
    torch.manual_seed(0)
    tokenizer = KmerTokenizer(6)
    model = BertForSequenceClassification(dnabert_size_config(label_map))
    return DnabertClassifier(model, tokenizer, label_map, "dnabert-6", tokenizer.max_bp(512))


def random_table(n: int, length_bp: int, seed: int):
    """``n`` random A/C/G/T records of ``length_bp`` bp, half labelled enhancer."""
    import numpy as np

    from enhancerlm.sequences.records import make_table

    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length_bp))
    seqs = ["".join(np.array(list("ACGT"))[row]) for row in codes]
    labels = ["enhancer" if i % 2 else "not_enhancer" for i in range(n)]
    return make_table([f"r{i}" for i in range(n)], seqs, labels)


def write_genome(path: Path, length_bp: int, seed: int) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    seq = "".join(np.array(list("ACGT"))[rng.integers(0, 4, size=length_bp)])
    lines = [seq[i : i + 80] for i in range(0, len(seq), 80)]
    path.write_text(">chrS\n" + "\n".join(lines) + "\n")


def timed(fn, device) -> tuple[object, float]:
    """(result, wall seconds), the device synchronised on both ends."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    result = fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return result, time.perf_counter() - start


def main() -> int:
    args = parse_args()
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # scan and training pick the best device themselves
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda but torch sees no GPU (torch.cuda.is_available() is False)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).parent))
    from predict_speed import bert_flops
    from scan_speed import matmul_flops_per_s

    from enhancerlm.embeddings import embed_sequences
    from enhancerlm.predict import predict_proba
    from enhancerlm.scan import ScanConfig, scan_genome
    from enhancerlm.sequences.records import LabelMap
    from enhancerlm.train.config import TrainConfig
    from enhancerlm.train.finetune import finetune

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    label_map = LabelMap.from_labels(["enhancer", "not_enhancer"])
    classifier = build_classifier(args.tiny, label_map).to(device)
    config = classifier.model.config
    rows: list[tuple[str, str, str]] = []
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731  progress on stderr
    say(f"gpu_check: {torch.cuda.get_device_name(0) if device.type == 'cuda' else 'CPU'}, torch {torch.__version__}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train = random_table(args.n_train, args.seq_bp, seed=1)
        infer = random_table(args.n_infer, args.seq_bp, seed=2)["sequence"].tolist()
        train_config = TrainConfig(
            epochs=1, lr=3e-5, batch_size=args.train_batch_size, use_cpu=device.type == "cpu", keep_checkpoints=1
        )
        say(
            f"fine-tuning: {args.n_train} x {args.seq_bp} bp, batch {args.train_batch_size}, bf16 {device.type == 'cuda'}"
        )
        _, seconds = timed(
            lambda: finetune(classifier, train, None, train_config, folder / "ft", progress=False), device
        )
        rows.append(
            ("fine-tuning (1 epoch, bf16 autocast on GPU)", f"{args.n_train / seconds:,.1f} seq/s", f"{seconds:.1f} s")
        )

        predict_proba(classifier, infer[:64], batch_size=args.batch_size)  # warm-up: kernels, allocator
        say(f"predict: {args.n_infer} sequences")
        _, seconds = timed(lambda: predict_proba(classifier, infer, batch_size=args.batch_size), device)
        rows.append(("predict_proba", f"{args.n_infer / seconds:,.1f} seq/s", f"{seconds:.1f} s"))
        n_tokens = args.seq_bp - 6 + 3
        achieved = args.n_infer * bert_flops(config, n_tokens) / seconds
        peak = matmul_flops_per_s(device, n=8192 if device.type == "cuda" else 1024)
        kind = "bf16" if device.type == "cuda" else "fp32"
        rows.append(
            (
                f"model FLOP/s in predict vs {kind} matmul",
                f"{achieved / peak:.1%}",
                f"{achieved / 1e12:.2f} / {peak / 1e12:.2f} TFLOP/s",
            )
        )
        if args.compile:
            compiled = type(classifier)(
                classifier.model, classifier.encoder, label_map, classifier.backbone, classifier.max_bp
            )
            compiled.compile()
            _, setup = timed(lambda: predict_proba(compiled, infer[:256], batch_size=args.batch_size), device)
            _, seconds = timed(lambda: predict_proba(compiled, infer, batch_size=args.batch_size), device)
            rows.append(
                (
                    "predict_proba, torch.compile",
                    f"{args.n_infer / seconds:,.1f} seq/s",
                    f"{seconds:.1f} s (+{setup:.0f} s compile)",
                )
            )

        embed_sequences(classifier, infer[:64], batch_size=args.batch_size)
        say(f"embed: {args.n_infer} sequences")
        vectors, seconds = timed(lambda: embed_sequences(classifier, infer, batch_size=args.batch_size), device)
        assert vectors.shape == (args.n_infer, config.hidden_size), vectors.shape
        rows.append(("embed_sequences (mean, last layer)", f"{args.n_infer / seconds:,.1f} seq/s", f"{seconds:.1f} s"))

        classifier.to("cpu").save(folder / "model")
        write_genome(folder / "genome.fa", args.genome_bp, seed=3)
        say(f"scan: {args.genome_bp:,} bp")
        result, seconds = timed(
            lambda: scan_genome(
                folder / "model", folder / "genome.fa", folder / "scan", ScanConfig(batch_size=args.batch_size)
            ),
            device,
        )
        n_windows = result.summary["n_windows_scored"]
        rows.append(
            (
                "scan (512 bp windows, stride 256)",
                f"{args.genome_bp / seconds:,.0f} bp/s",
                f"{n_windows} windows in {seconds:.1f} s",
            )
        )

    name = "tiny-dnabert-6" if args.tiny else "DNABERT-size BERT (12 x 768, random init)"
    print(f"\n{name} on {args.device}; {args.seq_bp} bp sequences, 6-mers")
    width = max(len(r[0]) for r in rows)
    print(f"{'step':{width}s}  {'throughput':>18s}  detail")
    for step, rate, detail in rows:
        print(f"{step:{width}s}  {rate:>18s}  {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
