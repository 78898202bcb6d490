"""Genome-scan speed: ``enhancerlm scan`` vs a naive one-window-at-a-time loop, and FLOP/s vs a plain matmul.

Run from the repository root::

    python benchmarks/scan_speed.py                   # 128 kbp of the shared chrY scaffold, tiny model
    python benchmarks/scan_speed.py --bp 2000000 --batch-size 512 --compile   # on a GPU

Prints bp/s of both, their ratio, the model FLOP/s achieved by the scan, and that as a share of a
large matmul's FLOP/s on the same device (fp32 on CPUs, bf16 on GPUs, as the scan runs).
Both paths score the same windows of the same region with the same random-init tiny-dnabert-6.
On a CPU both are compute-bound, so expect a ratio near 1 there (more on a busy machine, where the
naive loop's many small multi-threaded calls suffer most); the batching gain is a GPU effect.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from enhancerlm.device import best_device
from enhancerlm.models import create_classifier, load_classifier
from enhancerlm.scan import ScanConfig, scan_genome
from enhancerlm.scan.score import place_model
from enhancerlm.scan.tiling import Tiling
from enhancerlm.sequences.genome import Region, open_genome
from enhancerlm.sequences.records import LabelMap

CHRY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "human-chrY-par" / "chrY_PAR1_scaffold.fa"


def bert_flops_per_window(config, n_tokens: int) -> float:
    """Forward FLOPs of a BERT encoder on one sequence: 2 x weights x tokens, plus attention's two T x T products."""
    d, layers = config.hidden_size, config.num_hidden_layers
    weights_per_layer = 4 * d * d + 2 * d * config.intermediate_size  # Q, K, V, output; two feed-forward
    return 2.0 * layers * weights_per_layer * n_tokens + 4.0 * layers * n_tokens**2 * d


def matmul_flops_per_s(device: torch.device, n: int = 2048, repeats: int = 10) -> float:
    """Best-of FLOP/s of an n x n matmul: fp32 on CPU, bf16 on CUDA."""
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    a, b = (torch.randn(n, n, device=device, dtype=dtype) for _ in range(2))
    best = float("inf")
    for _ in range(repeats):
        _sync(device)
        began = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - began)
    return 2.0 * n**3 / best


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def naive_bp_per_s(model_dir: Path, fasta: Path, region: Region, args, n_windows: int) -> float:
    """Genome bp per second of a loop that reads and scores one window per model call."""
    classifier = load_classifier(model_dir)
    place_model(classifier, best_device())
    tiling = Tiling([region], args.window_bp, args.stride_bp)
    block = tiling.windows(0, n_windows)
    with open_genome(fasta, index_dir=model_dir.parent / "index") as genome:
        classifier.predict_proba([genome.fetch(region.chrom, int(block.start[0]), int(block.end[0]))])  # warm-up
        began = time.perf_counter()
        for start, end in zip(block.start, block.end):
            classifier.predict_proba([genome.fetch(region.chrom, int(start), int(end))])
        seconds = time.perf_counter() - began
    return len(block) * args.stride_bp / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fasta", type=Path, default=CHRY)
    parser.add_argument("--start", type=int, default=1_000_000, help="Region start on the first sequence, bp.")
    parser.add_argument("--bp", type=int, default=128_000, help="Region length, bp.")
    parser.add_argument("--window-bp", type=int, default=512)
    parser.add_argument("--stride-bp", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--naive-windows", type=int, default=64, help="Windows timed in the naive loop.")
    args = parser.parse_args()
    device = best_device()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = create_classifier("tiny-dnabert-6", LabelMap.from_labels(["enhancer", "not_enhancer"]))
        model.save(tmp / "model")
        with open_genome(args.fasta, index_dir=tmp / "index") as genome:
            chrom = next(iter(genome.chrom_sizes))
        region = Region(chrom, args.start, args.start + args.bp)
        (tmp / "region.bed").write_text(f"{region.chrom}\t{region.start}\t{region.end}\n")
        config = ScanConfig(
            window_bp=args.window_bp, stride_bp=args.stride_bp, batch_size=args.batch_size, compile=args.compile
        )
        naive = naive_bp_per_s(tmp / "model", args.fasta, region, args, args.naive_windows)
        result = scan_genome(tmp / "model", args.fasta, tmp / "out", config, regions=tmp / "region.bed")
    scan_bp_s = args.bp / result.seconds
    flops = bert_flops_per_window(model.model.config, args.window_bp - 6 + 3) * result.summary["n_windows_scored"]
    achieved, peak = flops / result.seconds, matmul_flops_per_s(device)
    print(
        f"device: {device} ({torch.get_num_threads()} CPU threads, load average {os.getloadavg()[0]:.1f}), "
        f"region {region.chrom}:{region.start}-{region.end}"
    )
    print(
        f"scan : {scan_bp_s:12,.0f} bp/s  ({result.n_windows} windows in {result.seconds:.2f} s, model load included)"
    )
    print(f"naive: {naive:12,.0f} bp/s  ({args.naive_windows} windows, one per call)")
    print(f"speed-up: {scan_bp_s / naive:.1f}x")
    print(
        f"model FLOP/s: {achieved / 1e9:,.1f} GFLOP/s = {achieved / peak:.1%} of a plain matmul's "
        f"{peak / 1e9:,.1f} GFLOP/s"
    )


if __name__ == "__main__":
    main()
