"""Leakage of a set shaped like human_enhancers_ensembl: what the audit finds, what a plain validation split leaks.

Usage: python benchmarks/ensembl_like.py [--n-train 20000] [--n-test 5000] [--seed 0] [--keep DIR]

Generates a set with :func:`enhancerlm.data.generate.ensembl_like.make_ensembl_like` (train positives twinned,
38% of test copied from train positives, lengths 2-573 bp), writes it as ``train.csv`` / ``test.csv``,
runs ``enhancerlm data audit`` on it (the real entry point, ``--val-fraction`` of the run's fine-tuning
split), and prints one table: the generator's planted counts beside the audit's, and for the run's
(0.1) and the search's (0.2) validation share the share of validation records that a plain
stratified split would give a training twin, beside the duplicate-aware split's (always 0).
About a minute at the default size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from enhancerlm.data.generate.ensembl_like import (
    EnsemblLikeShape,
    make_ensembl_like,
    planned_counts,
    shape_params,
    write_ensembl_like,
)
from enhancerlm.data.leakage.splits import split_leakage
from enhancerlm.sequences.records import make_table

RUN_VAL_FRACTION, SEARCH_VAL_FRACTION = 0.1, 0.2  # RunConfig's val_fraction and search_val_fraction defaults


def audit_cli(folder: Path, seed: int) -> dict:
    """``enhancerlm data audit`` on the written CSVs, in a subprocess as a user would run it."""
    out = folder / "audit"
    command = [
        sys.executable,
        "-c",
        "from enhancerlm.cli.main import main; main()",
        "data",
        "audit",
        "--train",
        str(folder / "train.csv"),
        "--test",
        str(folder / "test.csv"),
        "--out",
        str(out),
        "--val-fraction",
        str(RUN_VAL_FRACTION),
        "--seed",
        str(seed),
    ]
    subprocess.run(command, check=True)
    return json.loads((out / "audit.json").read_text())


def rows(planned: dict, report: dict, search: dict) -> list[tuple[str, str, str]]:
    n_test = report["n_test"]
    run = report["validation_split"]["validation"]
    lines = [
        (
            "test rows identical to a train row",
            f"{planned['test_copies']}",
            f"{report['exact_duplicates']} ({100 * report['exact_duplicates'] / n_test:.1f}%)",
        ),
        ("test rows reverse complement of a train row", "0", f"{report['revcomp_duplicates']}"),
        ("novel test rows", f"{n_test - planned['test_copies']}", f"{report['n_novel']}"),
        (
            "train rows repeating an earlier train row",
            f"{planned['train_twin_rows'] // 2}",
            f"{report['within_train_duplicates']}",
        ),
        ("test rows repeating an earlier test row", "0", f"{report['within_test_duplicates']}"),
    ]
    for name, check in (("run", run), ("search", search)):
        naive, aware = check["naive"], check["duplicate_aware"]
        lines.append(
            (
                f"{name} validation ({check['val_fraction']:g}) records with a train twin",
                f"plain split {naive['n_val_with_train_twin']}/{naive['n_val']} ({100 * naive['share']:.1f}%)",
                f"duplicate-aware {aware['n_val_with_train_twin']}/{aware['n_val']}",
            )
        )
    return lines


def print_table(lines: list[tuple[str, str, str]]) -> None:
    table = [("quantity", "planted / plain split", "measured / split used")] + lines
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=20_000)
    parser.add_argument("--n-test", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", help="write the set and the audit here instead of a temporary folder")
    args = parser.parse_args()
    start = time.perf_counter()
    shape = EnsemblLikeShape()
    data = make_ensembl_like(args.n_train, args.n_test, args.seed, shape)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp) / "ensembl_like"
        write_ensembl_like(data, folder, params=shape_params(args.n_train, args.n_test, args.seed, shape))
        report = audit_cli(folder, args.seed)
    train = make_table(
        [f"train_{i + 1}" for i in range(len(data.train))],
        data.train["seq"].tolist(),
        data.train["label"].astype(str).tolist(),
    )
    search = split_leakage(train, SEARCH_VAL_FRACTION, args.seed)
    print(
        f"ensembl-like set: {args.n_train} train x {args.n_test} test, seed {args.seed} "
        f"({time.perf_counter() - start:.0f} s with the audit)"
    )
    print_table(rows(planned_counts(args.n_train, args.n_test, shape), report, search))


if __name__ == "__main__":
    main()
