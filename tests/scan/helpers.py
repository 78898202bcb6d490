"""The scan tests' genome (readable by eye) and settings."""

from __future__ import annotations

from enhancerlm.scan import ScanConfig
from tests.helpers import random_dna

# chr2 comes first in the file: outputs must still be in name order (chr1, chr2).
GENOME = {
    "chr2": random_dna(150, seed=2),
    "chr1": random_dna(600, seed=1) + "N" * 200 + random_dna(400, seed=3).lower(),
}

# 64 bp windows every 32 bp: chr1 (1,200 bp) has 37 windows, chr2 (150 bp) 4; 6 chunks of 8.
SCAN_CONFIG = ScanConfig(window_bp=64, stride_bp=32, chunk_windows=8, threshold=0.0, batch_size=16)
SCAN_ARGS = ["--window-bp", "64", "--stride-bp", "32", "--chunk-windows", "8", "--threshold", "0", "--batch-size", "16"]
