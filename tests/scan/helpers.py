"""Tiny FASTA builders for scan tests, readable by eye."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from enhancerlm.scan import ScanConfig


def random_dna(n: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), n))


def write_fasta(path: Path, records: dict[str, str], width: int = 60) -> Path:
    """Write ``records`` (name -> sequence) as a FASTA with ``width``-character lines."""
    with open(path, "w") as handle:
        for name, seq in records.items():
            handle.write(f">{name} test record\n")
            handle.writelines(seq[i : i + width] + "\n" for i in range(0, len(seq), width))
    return path


# chr2 comes first in the file: outputs must still be in name order (chr1, chr2).
GENOME = {
    "chr2": random_dna(150, seed=2),
    "chr1": random_dna(600, seed=1) + "N" * 200 + random_dna(400, seed=3).lower(),
}

# 64 bp windows every 32 bp: chr1 (1,200 bp) has 37 windows, chr2 (150 bp) 4; 6 chunks of 8.
SCAN_CONFIG = ScanConfig(window_bp=64, stride_bp=32, chunk_windows=8, threshold=0.0, batch_size=16)
SCAN_ARGS = ["--window-bp", "64", "--stride-bp", "32", "--chunk-windows", "8", "--threshold", "0", "--batch-size", "16"]
