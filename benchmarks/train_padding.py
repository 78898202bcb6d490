"""Training throughput: dynamic padding with length grouping vs padding every batch to 512 tokens.

Real (non-pad) tokens per second over one epoch of the same data, the same tiny-dnabert-6 model and
the same seed; the reference study padded every sequence to the model's 512 tokens. Lengths follow a
realistic mix of 50-570 bp (sequences longer than the model's 515 bp become windows in both runs).

    python benchmarks/train_padding.py [--n 384] [--batch-size 16] [--threads 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import TrainerCallback

from enhancerlm.models import create_classifier
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.train import PadCollator, TrainConfig, build_dataset
from enhancerlm.train.finetune import make_trainer

FIXED_TOKENS = 512


class EpochTimer(TrainerCallback):
    """Wall time from the first training step to the end of the epoch (excludes setup and saving)."""

    def on_step_begin(self, args, state, control, **kwargs):
        if getattr(self, "start", None) is None:
            self.start = time.perf_counter()

    def on_epoch_end(self, args, state, control, **kwargs):
        self.seconds = time.perf_counter() - self.start


def random_table(n: int, seed: int):
    """``n`` random sequences, lengths uniform in 50..570 bp, two balanced labels."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(50, 571, size=n)
    seqs = ["".join(rng.choice(list("ACGT"), size=int(L))) for L in lengths]
    labels = ["enhancer" if i % 2 else "not_enhancer" for i in range(n)]
    return make_table([f"s{i}" for i in range(n)], seqs, labels)


def tokens_per_second(table, *, dynamic: bool, batch_size: int, out_dir: Path) -> tuple[float, int]:
    """(real tokens per second, padded tokens) of one training epoch."""
    labels = LabelMap.from_labels(["enhancer", "not_enhancer"])
    classifier = create_classifier("tiny-dnabert-6", labels)
    dataset = build_dataset(classifier, table)
    config = TrainConfig(epochs=1, batch_size=batch_size, group_by_length=dynamic, keep_checkpoints=1)
    collator = PadCollator(classifier.encoder.pad_id, pad_to=None if dynamic else FIXED_TOKENS)
    timer = EpochTimer()
    trainer = make_trainer(classifier, dataset, None, config, out_dir, progress=False, callbacks=[timer],
                           collator=collator)
    padded = sum(batch["input_ids"].numel() for batch in trainer.get_train_dataloader())
    trainer.train()
    return int(dataset.lengths.sum()) / timer.seconds, padded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=384, help="training sequences")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    table = random_table(args.n, seed=0)
    device = "cuda" if torch.cuda.is_available() else f"cpu ({torch.get_num_threads()} threads)"
    print(f"tiny-dnabert-6, {args.n} sequences of 50-570 bp, batch {args.batch_size}, on {device}")
    with tempfile.TemporaryDirectory() as tmp:
        fixed, fixed_pad = tokens_per_second(table, dynamic=False, batch_size=args.batch_size, out_dir=Path(tmp, "a"))
        dyn, dyn_pad = tokens_per_second(table, dynamic=True, batch_size=args.batch_size, out_dir=Path(tmp, "b"))
    print(f"padded to {FIXED_TOKENS} tokens:          {fixed:10.0f} real tokens/s ({fixed_pad} tokens incl. padding)")
    print(f"dynamic padding + length grouping: {dyn:10.0f} real tokens/s ({dyn_pad} tokens incl. padding)")
    print(f"speed-up: {dyn / fixed:.2f}x")


if __name__ == "__main__":
    main()
