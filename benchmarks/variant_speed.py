"""Variant-effect speed: ``score_variants`` (batched, shared windows once) vs a one-variant-at-a-time loop.

Both score the REF and ALT windows of the same random SNVs of the shared chrY scaffold
(``../shared/data/human-chrY-par``; its FASTA index is built in a temporary folder, never beside it)
with the same models: kmer-lr fitted on synthetic planted-motif data, and a random-init tiny-dnabert-6.
The batched number is end to end after a 10-variant warm-up run (reading the VCF, windows, model,
variants.tsv, the annotated VCF and summary.json; no plot); the naive loop cuts both windows of one variant and calls the model once per
variant. The naive loop is timed on ``--naive-n`` variants and reported per variant; both give
variants/s, and their ratio is printed in the same run. Same numbers both ways is checked.

    python benchmarks/variant_speed.py --threads 2                  # 10,000 SNVs, 512 bp windows (~25 min on 2 cores)
    python benchmarks/variant_speed.py --threads 2 --n 1000 --naive-n 200   # a quick look

``--plot-top-n N`` times instead what the top-variant plot (``top_variants.png``, the N strongest
variants) adds to a run: the same SNVs scored end to end without the plot and with it, side by side.

    python benchmarks/variant_speed.py --threads 2 --n 200 --models tiny-dnabert-6 --plot-top-n 5
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from enhancerlm.data.generate.synthetic import make_synthetic
from enhancerlm.models import create_classifier, load_classifier
from enhancerlm.models.kmer_lr import KmerLRClassifier
from enhancerlm.sequences.genome import open_genome
from enhancerlm.sequences.records import LabelMap
from enhancerlm.variants import VariantConfig, score_variants
from enhancerlm.variants.windows import alt_window_bounds

CHRY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "human-chrY-par" / "chrY_PAR1_scaffold.fa"
LABELS = LabelMap.from_labels(["enhancer", "not_enhancer"])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fasta", type=Path, default=CHRY)
    parser.add_argument("--n", type=int, default=10_000, help="random SNVs scored the batched way")
    parser.add_argument("--naive-n", type=int, default=1_000, help="of them, scored one at a time")
    parser.add_argument("--window-bp", type=int, default=512)
    parser.add_argument("--models", nargs="+", default=["kmer-lr", "tiny-dnabert-6"])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--plot-top-n", type=int, default=0, help="time the top-variant plot of this many variants instead"
    )
    return parser.parse_args()


def random_snvs(fasta: Path, n: int, window_bp: int, index_dir: Path, rng) -> pd.DataFrame:
    """``n`` SNVs at distinct random A/C/G/T positions whose windows lie inside the sequence."""
    with open_genome(fasta, index_dir=index_dir) as genome:
        chrom = next(iter(genome.chrom_sizes))
        seq = genome.fetch(chrom, 0, genome.chrom_sizes[chrom])
    margin = window_bp
    codes = np.frombuffer(seq.encode(), dtype=np.uint8)
    ok = np.flatnonzero(np.isin(codes, list(b"ACGT")))
    ok = ok[(ok >= margin) & (ok < len(seq) - margin)]
    pos = np.sort(rng.choice(ok, size=n, replace=False))
    ref = np.array([seq[p] for p in pos])
    alt = np.array(["ACGT"[("ACGT".index(r) + int(s)) % 4] for r, s in zip(ref, rng.integers(1, 4, n))])
    return pd.DataFrame({"chrom": chrom, "pos": pos + 1, "ref": ref, "alt": alt, "id": [f"snv{i}" for i in range(n)]})


def write_vcf(snvs: pd.DataFrame, path: Path) -> Path:
    lines = [f"{r.chrom}\t{r.pos}\t{r.id}\t{r.ref}\t{r.alt}\t.\t.\t.\n" for r in snvs.itertuples()]
    header = (
        f"##fileformat=VCFv4.2\n##contig=<ID={snvs['chrom'].iloc[0]}>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    )
    path.write_text(header + "".join(lines))
    return path


def naive(
    model_dir: Path, fasta: Path, snvs: pd.DataFrame, window_bp: int, index_dir: Path
) -> tuple[np.ndarray, float]:
    """p(enhancer) of REF and ALT, one model call per variant; and the seconds the loop took."""
    classifier = load_classifier(model_dir)
    column = LABELS.score_index()
    out = np.empty((len(snvs), 2))
    with open_genome(fasta, index_dir=index_dir) as genome:
        began = time.perf_counter()
        for i, row in enumerate(snvs.itertuples()):
            start, offset, end = alt_window_bounds(row.pos, 1, 1, window_bp)
            ref = genome.fetch(row.chrom, start, end)
            alt = ref[:offset] + row.alt + ref[offset + 1 :]
            out[i] = classifier.predict_proba([ref, alt])[:, column]
        return out, time.perf_counter() - began


def make_model(name: str, folder: Path) -> Path:
    if name == "kmer-lr":
        KmerLRClassifier(LABELS).fit(make_synthetic(300, seed=1).table).save(folder)
    else:
        create_classifier(name, LABELS).save(folder)
    return folder


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="variant-speed-") as tmp:
        tmp = Path(tmp)
        snvs = random_snvs(args.fasta, args.n, args.window_bp, tmp / "index", rng)
        vcf = write_vcf(snvs, tmp / "snvs.vcf")
        print(
            f"{args.n} random SNVs of {args.fasta.name}, {args.window_bp} bp windows, torch threads {torch.get_num_threads()}"
        )
        for name in args.models:
            model = make_model(name, tmp / name)
            if args.plot_top_n:
                plot_cost(model, vcf, snvs, args, tmp / f"plot-{name}")
                continue
            config = VariantConfig(window_bp=args.window_bp, top_n=0)
            # Warm-up on 10 variants: the one-time imports (transformers, ~10 s) are no per-variant cost.
            score_variants(model, write_vcf(snvs.iloc[:10], tmp / "warm.vcf"), args.fasta, tmp / f"warm-{name}", config)
            began = time.perf_counter()
            result = score_variants(model, vcf, args.fasta, tmp / f"out-{name}", config)
            t_batched = time.perf_counter() - began
            subset = snvs.iloc[: args.naive_n]
            p, t_naive = naive(model, args.fasta, subset, args.window_bp, tmp / "index")
            table = result.table.iloc[: args.naive_n]
            diff = max(np.abs(table["p_ref"] - p[:, 0]).max(), np.abs(table["p_alt"] - p[:, 1]).max())
            batched_rate, naive_rate = args.n / t_batched, args.naive_n / t_naive
            print(
                f"{name:15s} batched {batched_rate:9.1f} variants/s ({args.n} in {t_batched:.1f} s, end to end)  "
                f"naive {naive_rate:9.1f} variants/s ({args.naive_n} in {t_naive:.1f} s)  "
                f"ratio {batched_rate / naive_rate:6.1f}x  max |p difference| {diff:.1e}"
            )


def plot_cost(model: Path, vcf: Path, snvs: pd.DataFrame, args: argparse.Namespace, tmp: Path) -> None:
    """The same run without the top-variant plot and with it, end to end, after a warm-up run without it.

    The plot's one-time imports (matplotlib, logomaker) count as its cost: a user's run pays them too.
    """
    tmp.mkdir()
    warm = VariantConfig(window_bp=args.window_bp, top_n=0)
    score_variants(model, write_vcf(snvs.iloc[:10], tmp / "warm.vcf"), args.fasta, tmp / "warm", warm)
    seconds = {}
    for top_n in (0, args.plot_top_n):
        config = VariantConfig(window_bp=args.window_bp, top_n=top_n)
        began = time.perf_counter()
        score_variants(model, vcf, args.fasta, tmp / f"out-top{top_n}", config)
        seconds[top_n] = time.perf_counter() - began
    with_plot = seconds[args.plot_top_n]
    plot = with_plot - seconds[0]
    print(
        f"{model.name:15s} without plot {seconds[0]:7.1f} s  with the top-{args.plot_top_n} plot {with_plot:7.1f} s  "
        f"plot {plot:7.1f} s = {plot / with_plot:.0%} of the run"
    )


if __name__ == "__main__":
    main()
