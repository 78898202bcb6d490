"""Tiny FASTA builders for scan tests, readable by eye."""

from __future__ import annotations

from pathlib import Path

import numpy as np


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
