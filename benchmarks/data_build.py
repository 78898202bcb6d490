"""How `enhancerlm data build` grows with the genome: wall time and peak memory at 100 and 300 Mbp.

A synthetic genome is written to a temporary folder: chromosomes of 25 Mbp (4 for 100 Mbp, 12 for
300 Mbp) made of 100 kbp isochores whose GC fraction is drawn around 41% (sd 5%), soft-masked in
runs covering about 45% (as RepeatMasker soft-masks hg38), with 50 kbp N gaps. 20,000 narrowPeak
peaks are placed with a preference for GC-rich isochores, as enhancer peaks are. The same command
(gc-matched negatives, 200 bp windows) runs on each size in its own process; its wall time, CPU time
(user + system: the honest figure on a shared machine) and peak resident memory (ru_maxrss) are
printed side by side with their ratios. The target: time
linear in genome size (ratio about 3), memory flat (ratio about 1) and under 2 GB.

    python benchmarks/data_build.py                       # 100 and 300 Mbp, about 10 minutes on 2 cores
    python benchmarks/data_build.py --sizes-mbp 20 60     # a quick look
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHROM_BP = 25_000_000
ISOCHORE_BP = 100_000
N_PEAKS = 20_000
_MEASURE = (
    "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); print(u.ru_utime + u.ru_stime, u.ru_maxrss); sys.exit(rc)"
)


def chromosome(rng: np.random.Generator, size: int) -> tuple[bytes, np.ndarray]:
    """One chromosome's bases (soft-masked, with an N gap) and its isochores' GC fractions."""
    gc = np.clip(rng.normal(0.41, 0.05, size // ISOCHORE_BP + 1), 0.25, 0.7)
    per_base = np.repeat(gc, ISOCHORE_BP)[:size]
    u = rng.random(size)
    codes = np.where(u < per_base / 2, 1, np.where(u < per_base, 2, np.where(u < (1 + per_base) / 2, 0, 3)))
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[codes]
    masked = np.repeat(rng.random(size // 300 + 1) < 0.45, 300)[:size]
    letters[masked] += 32  # lower case
    gap = int(rng.integers(0, size - 50_000))
    letters[gap : gap + 50_000] = ord("N")
    return letters.tobytes(), gc


def write_genome(path: Path, n_chroms: int, seed: int) -> dict[str, np.ndarray]:
    """FASTA with 50-base lines (25 Mbp chromosomes fill them exactly); returns each chromosome's isochore GC."""
    rng = np.random.default_rng(seed)
    isochores = {}
    with open(path, "wb") as handle:
        for i in range(n_chroms):
            name = f"chr{i + 1}"
            bases, isochores[name] = chromosome(rng, CHROM_BP)
            lines = np.frombuffer(bases, dtype=np.uint8).reshape(-1, 50)
            handle.write(f">{name}\n".encode())
            handle.write(np.hstack([lines, np.full((len(lines), 1), ord("\n"), dtype=np.uint8)]).tobytes())
    return isochores


def write_peaks(path: Path, isochores: dict[str, np.ndarray], seed: int) -> None:
    """N_PEAKS narrowPeak lines, isochores drawn with weight (GC - 0.2)^3."""
    rng = np.random.default_rng(seed + 1)
    names = [c for c, gc in isochores.items() for _ in gc]
    index = np.concatenate([np.arange(len(gc)) for gc in isochores.values()])
    weight = np.concatenate(list(isochores.values())) - 0.2
    pick = rng.choice(len(names), size=N_PEAKS, p=weight**3 / (weight**3).sum())
    summit = index[pick] * ISOCHORE_BP + rng.integers(1_000, ISOCHORE_BP - 1_000, size=N_PEAKS)
    left, right = rng.integers(100, 300, size=N_PEAKS), rng.integers(150, 300, size=N_PEAKS)
    with open(path, "w") as handle:
        for i, p in enumerate(pick):
            start = summit[i] - left[i]
            handle.write(f"{names[p]}\t{start}\t{summit[i] + right[i]}\tpeak_{i}\t500\t.\t20.0\t10.0\t8.0\t{left[i]}\n")


def measure(genome: Path, peaks: Path, out: Path) -> dict:
    enhancerlm = str(Path(sys.executable).with_name("enhancerlm"))
    command = [enhancerlm, "data", "build", "--positives", str(peaks), "--genome", str(genome), "--out", str(out)]
    command += ["--test-chroms", "chr3", "--val-chroms", "chr2"]
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    manifest = json.loads((out / "manifest.json").read_text())
    cpu, rss = result.stdout.split()[-2:]
    return {"seconds": seconds, "cpu_seconds": float(cpu), "peak_rss_mb": int(rss) / 1024, "counts": manifest["counts"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mbp", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="elm-build-bench.") as tmp:
        for size in args.sizes_mbp:
            folder = Path(tmp) / f"{size}mbp"
            folder.mkdir()
            n_chroms = max(size * 1_000_000 // CHROM_BP, 3)
            isochores = write_genome(folder / "genome.fa", n_chroms, args.seed)
            write_peaks(folder / "peaks.narrowPeak", isochores, args.seed)
            subprocess.run(
                [sys.executable, "-c", f"import pyfaidx; pyfaidx.Faidx('{folder / 'genome.fa'}').close()"], check=True
            )
            result = measure(folder / "genome.fa", folder / "peaks.narrowPeak", folder / "built")
            rows.append((n_chroms * CHROM_BP / 1e6, result))
            print(
                f"{rows[-1][0]:.0f} Mbp ({n_chroms} chromosomes): {result['seconds']:.1f} s wall, {result['cpu_seconds']:.1f} s CPU, peak RSS {result['peak_rss_mb']:.0f} MB; counts {json.dumps(result['counts']['final'])}",
                flush=True,
            )
    (small_bp, small), (large_bp, large) = rows[0], rows[-1]
    print(
        f"genome x{large_bp / small_bp:.1f}: time x{large['seconds'] / small['seconds']:.2f}, peak memory x{large['peak_rss_mb'] / small['peak_rss_mb']:.2f}"
    )


if __name__ == "__main__":
    main()
