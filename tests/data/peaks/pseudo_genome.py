"""A pseudo-genome cut from real human DNA (chrY PAR1) and peak files in the published formats, for data build tests.

The 1.94 Mbp scaffold is cut into nine "chromosomes" chr1..chr9 (so DeepSEA's default hold-out,
chr7 validation and chr8+chr9 test, applies as it would on hg38), and soft-masked in runs covering
about a third of it, as RepeatMasker soft-masks hg38. Peaks are placed where the DNA is GC-rich, as
enhancer peaks are: random genomic windows then differ from them in GC, and matched ones do not.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from enhancerlm.sequences.dna import gc_fraction

N_CHROMS = 9


def write_fasta(path: Path, records: dict[str, str], width: int = 60) -> Path:
    with open(path, "w") as handle:
        for name, seq in records.items():
            handle.write(f">{name}\n")
            handle.writelines(seq[i : i + width] + "\n" for i in range(0, len(seq), width))
    return path


def scaffold(shared_data: Path) -> str:
    lines = (shared_data / "human-chrY-par" / "chrY_PAR1_scaffold.fa").read_text().splitlines()
    return "".join(line.strip() for line in lines if not line.startswith(">"))


def soft_mask(seq: str, rng: np.random.Generator, share: float = 0.33, run_bp: int = 300) -> str:
    """Lower-case runs of about ``run_bp`` covering about ``share`` of ``seq``."""
    chars = np.frombuffer(seq.encode(), dtype=np.uint8).copy()
    n_runs = int(len(seq) * share / run_bp)
    for start in rng.integers(0, max(len(seq) - run_bp, 1), size=n_runs):
        length = int(rng.integers(run_bp // 2, run_bp * 2))
        chars[start : start + length] = np.char.lower(chars[start : start + length].view("S1")).view(np.uint8)
    return chars.tobytes().decode()


def pseudo_chroms(shared_data: Path, seed: int = 0) -> dict[str, str]:
    """chr1..chr9 from the scaffold's bases after its leading gap, each about 200 kbp, soft-masked."""
    dna = scaffold(shared_data)
    dna = dna[len(dna) - len(dna.lstrip("N")) :]
    size = len(dna) // N_CHROMS
    rng = np.random.default_rng(seed)
    return {f"chr{i + 1}": soft_mask(dna[i * size : (i + 1) * size], rng) for i in range(N_CHROMS)}


def gc_rich_summits(chroms: dict[str, str], per_chrom: int, width: int = 200, spacing: int = 3000, seed: int = 0):
    """(chrom, summit) pairs at GC-rich, N-free windows at least ``spacing`` apart, ``per_chrom`` per chromosome."""
    rng = np.random.default_rng(seed)
    picked = []
    for chrom, seq in chroms.items():
        starts = np.arange(5000, len(seq) - 5000, spacing) + rng.integers(
            0, spacing // 3, size=len(range(5000, len(seq) - 5000, spacing))
        )
        windows = [seq[s : s + width].upper() for s in starts]
        gc = gc_fraction(windows)
        ok = np.array(["N" not in w for w in windows]) & (gc > np.nanquantile(gc, 0.55))
        chosen = rng.permutation(np.flatnonzero(ok))[:per_chrom]
        picked += [(chrom, int(starts[i] + width // 2)) for i in sorted(chosen)]
    return picked


def narrowpeak_lines(summits, rng: np.random.Generator) -> list[str]:
    """ENCODE/MACS2 narrowPeak lines: peaks of 250-600 bp around each summit (column 10 = summit offset)."""
    lines = []
    for i, (chrom, summit) in enumerate(summits):
        left, right = int(rng.integers(100, 300)), int(rng.integers(150, 300))
        start, end = summit - left, summit + right
        signal, p, q = rng.uniform(5, 200), rng.uniform(5, 50), rng.uniform(2, 40)
        lines.append(
            f"{chrom}\t{start}\t{end}\tpeak_{i + 1}\t{min(1000, int(signal * 5))}\t.\t{signal:.5f}\t{p:.5f}\t{q:.5f}\t{left}"
        )
    return lines


def write_peak_files(folder: Path, chroms: dict[str, str], per_chrom: int = 12, seed: int = 0) -> dict[str, Path]:
    """narrowPeak (+ one peak called twice, one off chromosome, one on an absent contig), BED6 with strands,
    a GB coordinate .csv.gz, a blacklist BED over one peak. Returns the paths by kind."""
    rng = np.random.default_rng(seed)
    summits = gc_rich_summits(chroms, per_chrom, seed=seed)
    lines = narrowpeak_lines(summits, rng)
    twice = lines[3].split("\t")
    twice[6], twice[9] = "1.00000", str(int(twice[9]) + 40)  # the same peak, a weaker second summit
    lines.insert(4, "\t".join(twice))
    size1 = len(chroms["chr1"])
    lines.append(f"chr1\t{size1 - 100}\t{size1 + 50}\tpeak_off\t10\t.\t2.0\t3.0\t1.0\t60")
    lines.append("chrUn_KI270742v1\t100\t400\tpeak_contig\t10\t.\t2.0\t3.0\t1.0\t150")
    paths = {"narrowpeak": folder / "ENCFF000EXA.bed.gz"}
    paths["narrowpeak"].write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    blacklisted = summits[1]
    paths["blacklist"] = folder / "hg38-blacklist.v2.bed"
    paths["blacklist"].write_text(
        f"{blacklisted[0]}\t{blacklisted[1] - 50}\t{blacklisted[1] + 50}\tHigh Signal Region\n"
    )
    other = gc_rich_summits(chroms, per_chrom // 3, seed=seed + 1)
    strands = rng.choice(["+", "-"], size=len(other))
    bed = [f"{c}\t{s - 150}\t{s + 150}\tenh_{i}\t0\t{strand}" for i, ((c, s), strand) in enumerate(zip(other, strands))]
    paths["bed6"] = folder / "enhancers_hg38.bed"
    paths["bed6"].write_text('track name="enhancers" description="BED6 export"\n' + "\n".join(bed) + "\n")
    gb = [f"{i},{c},{s - 100},{s + 100},{strand}" for i, ((c, s), strand) in enumerate(zip(other, strands))]
    paths["gb"] = folder / "positive.csv.gz"
    paths["gb"].write_bytes(gzip.compress(("id,region,start,end,strand\n" + "\n".join(gb) + "\n").encode()))
    return paths
