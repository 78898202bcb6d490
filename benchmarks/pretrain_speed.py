"""Pre-training throughput: tokens/s of tiny-dnabert-6 MLM training on chrY PAR1, and its share of matmul FLOP/s.

Runs the real ``enhancerlm.train.pretrain.pretrain`` (Trainer, crops, span masking, AdamW) for
``--steps`` optimizer steps without held-out evaluation, and times steps after ``--warmup`` with a
Trainer callback, so start-up, corpus building and saving are not counted. Tokens are real
(non-padding) input tokens, [CLS]/[SEP] included.

Achieved model FLOP/s use the usual count for a training step, 6 FLOPs per parameter per token
(forward 2, backward 4) plus attention, 12 * layers * sequence length * hidden per token
(QK^T and AV, forward and backward). Two counts are printed: with non-embedding parameters only
(the customary 6N), and adding the MLM output projection (hidden x vocabulary), which is tied to the
word embedding, so 6N leaves it out, yet it is a real matmul over every position (for this tiny model
it is nearly half the work). The reference is fp32 ``torch.matmul`` of two n x n matrices in the same
process with the same threads (2 n^3 FLOPs each, best of several).

    python benchmarks/pretrain_speed.py [--steps 30] [--warmup 5] [--batch-size 16] [--threads N]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import torch
from transformers import TrainerCallback

from enhancerlm.train.mlm import build_mlm
from enhancerlm.train.pretrain import PretrainConfig, pretrain

CHRY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "human-chrY-par" / "chrY_PAR1_scaffold.fa"


class StepClock(TrainerCallback):
    """Time and tokens seen at the end of every optimizer step."""

    def __init__(self):
        self.marks: list[tuple[int, float, int]] = []

    def on_step_end(self, args, state, control, **kwargs):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.marks.append((state.global_step, time.perf_counter(), int(state.num_input_tokens_seen)))


def matmul_flops_per_s(n: int = 2048, repeats: int = 5) -> float:
    """Best fp32 ``torch.matmul`` FLOP/s for n x n @ n x n on this machine."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.matmul(a, b)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def flops_per_token(seq_tokens: int) -> dict[str, float]:
    """Training FLOPs per token of tiny-dnabert-6 at ``seq_tokens`` tokens per sequence."""
    model, _, _ = build_mlm("tiny-dnabert-6")
    config = model.config
    embeddings = sum(p.numel() for p in model.bert.embeddings.parameters())
    non_embedding = sum(p.numel() for p in model.parameters()) - embeddings  # tied decoder counted once, as embedding
    output_projection = config.hidden_size * config.vocab_size
    attention = 12 * config.num_hidden_layers * seq_tokens * config.hidden_size
    return {
        "6N + attention": 6 * non_embedding + attention,
        "6N + output projection + attention": 6 * (non_embedding + output_projection) + attention,
        "non_embedding_params": non_embedding,
        "output_projection_params": output_projection,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fasta", type=Path, default=CHRY)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.WARNING)
    clock = StepClock()
    config = PretrainConfig(max_steps=args.steps, batch_size=args.batch_size, eval_fraction=0.0, use_cpu=True)
    with tempfile.TemporaryDirectory() as out:
        pretrain([args.fasta], "tiny-dnabert-6", Path(out) / "model", config, progress=False, callbacks=[clock])
    (_, t0, n0), (_, t1, n1) = clock.marks[args.warmup - 1], clock.marks[-1]
    tokens_per_s = (n1 - n0) / (t1 - t0)
    tokens_per_seq = (n1 - n0) / ((len(clock.marks) - args.warmup) * args.batch_size)
    reference = matmul_flops_per_s()
    counts = flops_per_token(round(tokens_per_seq))
    print(
        f"threads: {torch.get_num_threads()}, batch: {args.batch_size} crops, timed steps: "
        f"{len(clock.marks) - args.warmup} (after {args.warmup} warm-up), "
        f"mean real tokens per crop: {tokens_per_seq:.0f}"
    )
    print(f"pre-training throughput: {tokens_per_s:,.0f} tokens/s ({tokens_per_s / tokens_per_seq:.1f} crops/s)")
    print(f"fp32 matmul reference: {reference / 1e9:.1f} GFLOP/s")
    print(
        f"parameters: {counts['non_embedding_params']:,} non-embedding, "
        f"{counts['output_projection_params']:,} in the tied output projection"
    )
    for name in ("6N + attention", "6N + output projection + attention"):
        achieved = counts[name] * tokens_per_s
        print(f"model FLOP/s ({name}): {achieved / 1e9:.2f} GFLOP/s = {achieved / reference:.1%} of matmul")


if __name__ == "__main__":
    main()
