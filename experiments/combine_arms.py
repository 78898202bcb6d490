"""What would averaging arms of experiments/transfer.py give? Reads their saved test-fold probabilities.

Each arm wrote OUT/results/ARM/FOLD.tsv (id, label, p); for every combination given, this averages
the arms' probabilities per sequence, scores each fold, and prints mean +- sd over folds, the same
way transfer.py does for single arms. It costs nothing, so it screens ensembles before one is built
as a registry recipe and cross-validated end to end.

    python experiments/combine_arms.py runs/transfer kmer-lr+cnn kmer-lr+cnn+chrY random-init+chrY+chrY+cont
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from enhancerlm.evaluate.metrics import compute_metrics

COLUMNS = ("accuracy", "mcc", "auroc")
POSITIVE = "enhancer"


def split_combo(combo: str, known: list[str]) -> list[str]:
    """'kmer-lr+chrY+cont' -> arm names, matching the longest known names first (arms may hold '+')."""
    arms, rest = [], combo
    while rest:
        name = next((a for a in sorted(known, key=len, reverse=True) if rest == a or rest.startswith(a + "+")), None)
        if name is None:
            raise SystemExit(f"{combo!r}: {rest!r} does not start with a finished arm ({', '.join(known)})")
        arms.append(name)
        rest = rest[len(name) + 1 :]
    return arms


def fold_scores(results: Path, arms: list[str]) -> list[dict]:
    """Metrics of the averaged probabilities on each fold every arm finished."""
    folds = set.intersection(*({p.stem for p in (results / a).glob("*.tsv")} for a in arms))
    scores = []
    for fold in sorted(folds, key=int):
        tables = [pd.read_csv(results / a / f"{fold}.tsv", sep="\t").set_index("id") for a in arms]
        p = np.mean([t["p"].reindex(tables[0].index).to_numpy() for t in tables], axis=0)
        y = (tables[0]["label"] == POSITIVE).to_numpy().astype(int)
        metrics = compute_metrics(y, np.stack([1 - p, p], axis=1), ["not_" + POSITIVE, POSITIVE])
        scores.append({c: metrics[c] for c in COLUMNS})
    return scores


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit(__doc__)
    results = Path(argv[0]) / "results"
    known = sorted(p.name for p in results.iterdir() if p.is_dir())
    print("| arms averaged | folds | " + " | ".join(COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for combo in argv[1:]:
        frame = pd.DataFrame(fold_scores(results, split_combo(combo, known)))
        cells = [f"{frame[c].mean():.3f} +- {frame[c].std(ddof=1) if len(frame) > 1 else 0:.3f}" for c in COLUMNS]
        print(f"| {combo} | {len(frame)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
