"""Training throughput: dynamic padding with length grouping vs padding every batch to 512 tokens.

Both arms train the same tiny-dnabert-6 model on the same data with the same seed; the reference
study padded every sequence to the model's 512 tokens. Lengths follow a realistic mix of 50-570 bp
(sequences longer than the model's 515 bp become windows in both arms); 800 sequences is the
training side of the study's 1,000-sequence search subset.

Each arm's batches are the Trainer's own (its length-grouped or random sampler and our collator) for
a whole epoch. To stay within minutes on a CPU, training steps (forward, backward, AdamW) are timed on
``--steps`` batches spread evenly over that epoch, the arms alternating in rounds so that load from
other processes hits both alike. Reported: real (non-pad) tokens per second of training.

    python benchmarks/train_padding.py [--n 800] [--batch-size 8] [--steps 24] [--threads N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from enhancerlm.models import create_classifier
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.train import PadCollator, TrainConfig, build_dataset
from enhancerlm.train.finetune import make_trainer

FIXED_TOKENS = 512
ROUNDS = 3


def random_table(n: int, seed: int):
    """``n`` random sequences, lengths uniform in 50..570 bp, two balanced labels."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(50, 571, size=n)
    seqs = ["".join(rng.choice(list("ACGT"), size=int(L))) for L in lengths]
    labels = ["enhancer" if i % 2 else "not_enhancer" for i in range(n)]
    return make_table([f"s{i}" for i in range(n)], seqs, labels)


class Arm:
    """One way of batching: its model, optimizer and one epoch of batches from a Trainer."""

    def __init__(self, table, *, dynamic: bool, batch_size: int, out_dir: Path, device: torch.device):
        labels = LabelMap.from_labels(["enhancer", "not_enhancer"])
        self.classifier = create_classifier("tiny-dnabert-6", labels)
        dataset = build_dataset(self.classifier, table)
        config = TrainConfig(batch_size=batch_size, group_by_length=dynamic)
        collator = PadCollator(self.classifier.encoder.pad_id, pad_to=None if dynamic else FIXED_TOKENS)
        trainer = make_trainer(self.classifier, dataset, None, config, out_dir, progress=False, collator=collator)
        self.batches = [{k: v.to(device) for k, v in b.items()} for b in trainer.get_train_dataloader()]
        self.model = self.classifier.model.to(device).train()
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr)
        self.seconds, self.real_tokens = 0.0, 0

    def step(self, batch: dict) -> None:
        self.model(**batch).loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()

    def timed(self, batches: list[dict]) -> None:
        sync = torch.cuda.synchronize if self.batches[0]["input_ids"].is_cuda else (lambda: None)
        sync()
        start = time.perf_counter()
        for batch in batches:
            self.step(batch)
        sync()
        self.seconds += time.perf_counter() - start
        self.real_tokens += int(sum(b["attention_mask"].sum() for b in batches))

    def epoch_padding(self) -> float:
        """Padded tokens / real tokens over the whole epoch."""
        return sum(b["attention_mask"].numel() for b in self.batches) / sum(
            int(b["attention_mask"].sum()) for b in self.batches
        )


def spread(batches: list, n: int) -> list:
    """``n`` batches evenly spaced over the epoch."""
    return [batches[i] for i in np.linspace(0, len(batches) - 1, n).round().astype(int)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=800, help="training sequences")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--steps", type=int, default=24, help="timed training steps per arm")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    where = "cuda" if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    table = random_table(args.n, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        arms = {
            name: Arm(
                table, dynamic=name == "dynamic", batch_size=args.batch_size, out_dir=Path(tmp, name), device=device
            )
            for name in ("fixed", "dynamic")
        }
    print(
        f"tiny-dnabert-6, {args.n} sequences of 50-570 bp, batch {args.batch_size}, "
        f"{args.steps} timed steps per arm ({where})"
    )
    for arm in arms.values():
        arm.step(arm.batches[0])  # warm-up: first-call allocations are not throughput
    for r in range(ROUNDS):
        for arm in arms.values():
            arm.timed(spread(arm.batches, args.steps)[r::ROUNDS])
    fixed, dynamic = (arms[k].real_tokens / arms[k].seconds for k in ("fixed", "dynamic"))
    print(
        f"padded to {FIXED_TOKENS} tokens:            {fixed:9.0f} real tokens/s "
        f"(padded/real tokens over the epoch: {arms['fixed'].epoch_padding():.2f})"
    )
    print(
        f"dynamic padding + length grouping: {dynamic:9.0f} real tokens/s "
        f"(padded/real tokens over the epoch: {arms['dynamic'].epoch_padding():.2f})"
    )
    print(f"speed-up: {dynamic / fixed:.2f}x")


if __name__ == "__main__":
    main()
