"""From peaks to a data set, where the truth is known: motif-bearing enhancers planted in real human DNA.

1. A pseudo-genome: the shared GRCh38 chrY PAR1 scaffold (1.94 Mbp of real human DNA) cut into nine
   chromosomes chr1..chr9 and soft-masked in runs (tests/data/peaks/pseudo_genome.py, the tests' builder).
2. Peaks at GC-rich windows (where enhancer peaks sit in a real genome), written as an ENCODE
   narrowPeak with summits; into each peak's 200 bp summit window the motif sites of one synthetic
   enhancer (``enhancerlm.data.generate.synthetic``, 2-4 JASPAR sites) are written over the genome's bases.
   So a positive differs from its GC-matched neighbours by the planted motifs alone, and from
   random genomic windows also by GC.
3. ``enhancerlm data build`` with ``--background gc-matched`` and with ``random``; on each,
   ``enhancerlm run --backbone cnn --baselines kmer-lr --baselines gc`` (the CNN fine-tuned, a k-mer
   logistic regression and GC alone, on the held-out chromosomes chr8 and chr9).

Prints the Markdown table of docs/results.md and every command it ran.

    python experiments/peaks_to_dataset.py --out /tmp/peaks-e2e        # 10-20 minutes on 2 CPU cores
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

from enhancerlm.data.generate.synthetic import make_synthetic

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
WIDTH = 200


def _pseudo_genome_module():
    spec = importlib.util.spec_from_file_location(
        "pseudo_genome", REPO / "tests" / "data" / "peaks" / "pseudo_genome.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plant(chroms: dict[str, str], summits: list[tuple[str, int]], seed: int) -> int:
    """Write one synthetic enhancer's motif sites into each summit window; returns the sites planted."""
    data = make_synthetic(n_per_class=len(summits), length_bp=WIDTH, seed=seed)
    enhancers = data.table[data.table["label"] == "enhancer"].set_index("id")["sequence"]
    sites = data.planted[data.planted["kind"] == "motif"]
    edits: dict[str, list[str]] = {c: list(s) for c, s in chroms.items()}
    for (chrom, summit), (seq_id, seq) in zip(summits, enhancers.items()):
        first = summit - WIDTH // 2
        for site in sites[sites["id"] == seq_id].itertuples():
            edits[chrom][first + site.start : first + site.end] = seq[site.start : site.end]
    chroms.update({c: "".join(bases) for c, bases in edits.items()})
    return len(sites)


def sh(command: list[str], log: list[str]) -> None:
    log.append(" ".join(shlex.quote(part) for part in command))
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-chrom", type=int, default=40, help="Peaks per chromosome.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    pg = _pseudo_genome_module()
    args.out.mkdir(parents=True, exist_ok=True)
    chroms = pg.pseudo_chroms(SHARED, seed=args.seed)
    summits = pg.gc_rich_summits(chroms, args.per_chrom, width=WIDTH, spacing=2500, seed=args.seed)
    n_sites = plant(chroms, summits, args.seed)
    genome = pg.write_fasta(args.out / "genome.fa", chroms)
    peaks = args.out / "ENCFF000PLT.narrowPeak"
    peaks.write_text("\n".join(pg.narrowpeak_lines(summits, np.random.default_rng(args.seed))) + "\n")
    print(f"{len(summits)} peaks, {n_sites} planted motif sites", file=sys.stderr)
    enhancerlm, commands, rows = str(Path(sys.executable).with_name("enhancerlm")), [], []
    for background in ("gc-matched", "random"):
        built, run = args.out / f"built-{background}", args.out / f"run-{background}"
        sh(
            [
                enhancerlm,
                "data",
                "build",
                "--positives",
                f"{peaks}:enhancer",
                "--genome",
                str(genome),
                "--background",
                background,
                "--flank",
                "500",
                "--seed",
                str(args.seed),
                "--out",
                str(built),
            ],
            commands,
        )
        sh(
            [
                enhancerlm,
                "run",
                "--train",
                str(built / "train.tsv"),
                "--test",
                str(built / "test.tsv"),
                "--backbone",
                "cnn",
                "--baselines",
                "kmer-lr",
                "--baselines",
                "gc",
                "--no-search",
                "--seed",
                str(args.seed),
                "--out",
                str(run),
            ],
            commands,
        )
        rows.append(_row(background, built, run))
    print("\n".join(commands))
    print(_table(rows))


def _row(background: str, built: Path, run: Path) -> dict:
    manifest = json.loads((built / "manifest.json").read_text())
    metrics = json.loads((run / "metrics.json").read_text())
    test = manifest["statistics"]["test"]
    return {
        "background": background,
        "n_test": sum(test["n"].values()),
        "gc_ks": test["gc"]["ks_statistic"],
        "gc_only_built": test["gc_only_auroc"],
        "gc": metrics["baselines"]["gc"],
        "kmer_lr": metrics["baselines"]["kmer_lr"],
        "cnn": metrics["fine_tuned"],
        "overlaps": metrics["audit"].get("test_overlapping_train_intervals"),
    }


def _value(block: dict) -> str:
    """AUROC with its bootstrap 95% interval, from a metrics.json block."""
    low, high = block["ci"]["auroc"]
    return f"{block['auroc']:.3f} [{low:.2f}, {high:.2f}]"


def _table(rows: list[dict]) -> str:
    lines = [
        "| negatives | test records | GC KS (pos vs neg) | GC-only AUROC (built set) | GC baseline (run) | kmer-lr | cnn "
        "| test intervals overlapping train |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['background']} | {r['n_test']} | {r['gc_ks']:.3f} | {r['gc_only_built']:.3f} | {_value(r['gc'])} | "
            f"{_value(r['kmer_lr'])} | {_value(r['cnn'])} | {r['overlaps']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
