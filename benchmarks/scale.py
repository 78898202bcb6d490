"""The study's scale on a laptop: wall time and peak memory of ``enhancerlm run`` as the training set grows.

    python benchmarks/scale.py [--sizes 10000 40000 123872] [--backbones kmer-lr gkm-lr offline-best]
                               [--before SRC --before-sizes 10000 20000] [--tiny-steps 12] [--rule-check 40000]

For each training size, a set shaped like Genomic Benchmarks ``human_enhancers_ensembl`` is written by
``enhancerlm data ensembl-like`` (test rows: a quarter of the training rows, the hub's 30,970 at its
123,872), and ``enhancerlm run --backbone B`` runs on it as a user would (defaults: audit, dedup, fit,
test, the k-mer and GC baselines, bootstrap, report), one fresh process per run. Wall time and peak
resident memory, and its CPU time (user + system), come from the process itself (``os.wait4``); the
load average is printed beside each run: on a shared machine wall time follows the other jobs, CPU time
much less, so the growth exponents are computed on CPU time.

``--before SRC``: the same runs with ``PYTHONPATH=SRC`` (the ``src`` folder of an earlier checkout, e.g.
``git archive <commit> src | tar -x -C /tmp/before``), interleaved with the current code's, so that both
columns come from one invocation. Runs over ``--timeout`` seconds or ``--max-rss-gb`` are stopped and
reported as such. ``--tiny-steps``: training sequences/s of ``tiny-dnabert-6`` over that many timed
training steps of its registry batch (32) on the largest set, and the full default job's training time
extrapolated from it (search + final fine-tune; evaluation passes not counted). ``--rule-check N``: on the
N-row set, ``kmer-lr`` and ``gkm-lr`` fitted with C chosen by 5-fold cross-validation and by the held-out
fold the fit uses above 20,000 rows: the C each picks, test AUROC and fit time.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

HUB_TRAIN, HUB_TEST = 123_872, 30_970


class Measure(NamedTuple):
    wall_s: float
    cpu_s: float  # user + system: what the run itself computed, less sensitive to other jobs than wall time
    peak_mb: float
    load: tuple[float, float]  # 1-minute load average before and after
    status: str  # "ok", "timeout", "memory cap" or "exit N"


def n_test(n_train: int) -> int:
    return HUB_TEST if n_train == HUB_TRAIN else n_train // 4


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from enhancerlm.cli.main import main; main()", *args]


def make_set(n_train: int, root: Path) -> tuple[Path, float]:
    """The hub-shaped set of ``n_train`` rows, written by the CLI; returns its folder and the seconds it took."""
    folder = root / f"hub-{n_train}"
    start = time.perf_counter()
    if not (folder / "train.csv").is_file():
        command = ["data", "ensembl-like", "--n-train", str(n_train), "--n-test", str(n_test(n_train))]
        subprocess.run(cli(*command, "--out", str(folder)), check=True, stderr=subprocess.DEVNULL)
    return folder, time.perf_counter() - start


def _watch(pid: int, cap_kb: float, stopped: list) -> None:
    """Kill ``pid`` once its resident memory passes ``cap_kb`` (polled twice a second)."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            rss = next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            return
        if rss > cap_kb:
            stopped.append("memory cap")
            os.kill(pid, 9)
            return
        time.sleep(0.5)


def measure_run(data: Path, backbone: str, out: Path, src: str | None, timeout: float, cap_gb: float) -> Measure:
    """``enhancerlm run`` in a fresh process; its own peak RSS (``ru_maxrss``) and wall time."""
    env = dict(os.environ, **({"PYTHONPATH": src} if src else {}))
    command = cli("-q", "run", "--train", f"{data}/train.csv", "--test", f"{data}/test.csv")
    command += ["--backbone", backbone, "--out", str(out)]
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stopped: list[str] = []
    threading.Thread(target=_watch, args=(process.pid, cap_gb * 2**20, stopped), daemon=True).start()
    timer = threading.Timer(timeout, lambda: (stopped.append("timeout"), process.kill()))
    timer.start()
    _, raw, usage = os.wait4(process.pid, 0)
    timer.cancel()
    process.returncode = code = os.waitstatus_to_exitcode(raw)  # reaped by wait4: keep Popen from waiting again
    status = stopped[0] if stopped else ("ok" if code == 0 else f"exit {code}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(time.perf_counter() - start, cpu, usage.ru_maxrss / 1024, (load, os.getloadavg()[0]), status)


def growth(previous: tuple[int, Measure] | None, n: int, m: Measure) -> str:
    """CPU time and peak memory exponents against the previous size: ``n^1.00`` grows linearly in n."""
    if previous is None or previous[1].status != "ok" or m.status != "ok":
        return ""
    scale = math.log(n / previous[0])
    a = previous[1]
    return (
        f"CPU ~ n^{math.log(m.cpu_s / a.cpu_s) / scale:.2f}, memory ~ n^{math.log(m.peak_mb / a.peak_mb) / scale:.2f}"
    )


def print_runs(results: dict) -> None:
    """One table: backbone, code, n_train, wall, CPU, peak, growth exponents, load."""
    print("\n| backbone | code | train x test | wall | CPU | peak memory | growth from the previous size | load avg |")
    print("|---|---|---|---|---|---|---|---|")
    for (backbone, code), rows in results.items():
        for previous, (n, m) in zip([None, *rows], rows):
            wall = f"{m.wall_s:.0f} s" if m.status == "ok" else f"> {m.wall_s:.0f} s ({m.status})"
            print(
                f"| {backbone} | {code} | {n:,} x {n_test(n):,} | {wall} | {m.cpu_s:.0f} s | {m.peak_mb:,.0f} MB | "
                f"{growth(previous, n, m)} | {m.load[0]:.1f} -> {m.load[1]:.1f} |"
            )


def tiny_throughput(data: Path, steps: int) -> str:
    """tiny-dnabert-6 training sequences/s over ``steps`` batches of its registry size, and the extrapolation."""
    import numpy as np
    import pandas as pd
    import torch

    from enhancerlm.experiment.config import RunConfig
    from enhancerlm.models import create_classifier
    from enhancerlm.models.catalog import TINY_FINETUNE
    from enhancerlm.sequences.records import LabelMap, make_table
    from enhancerlm.train import TrainConfig, build_dataset
    from enhancerlm.train.finetune import make_trainer

    train, test = pd.read_csv(data / "train.csv"), pd.read_csv(data / "test.csv")
    n_train_dedup = int((~train["seq"].isin(set(test["seq"]))).sum())  # what run trains on (no reverse copies here)
    frame = train.sample(n=TINY_FINETUNE.batch_size * (steps + 1), random_state=0)
    table = make_table([f"r{i}" for i in range(len(frame))], frame["seq"].tolist(), frame["label"].astype(str).tolist())
    classifier = create_classifier("tiny-dnabert-6", LabelMap.from_labels(table["label"]))
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(batch_size=TINY_FINETUNE.batch_size, lr=TINY_FINETUNE.lr)
        trainer = make_trainer(classifier, build_dataset(classifier, table), None, config, Path(tmp), progress=False)
        batches = list(trainer.get_train_dataloader())
    model = classifier.model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
    seconds, n_seen = 0.0, 0
    for i, batch in enumerate(batches[: steps + 1]):
        start = time.perf_counter()
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if i:  # the first step allocates: not throughput
            seconds, n_seen = seconds + time.perf_counter() - start, n_seen + len(batch["input_ids"])
    rate = n_seen / seconds
    # run's defaults: the lr grid x search epochs on the balanced search subset's training share, then the
    # final fine-tune's epochs on the training set less its validation share.
    cfg = RunConfig(train=["x"], test=["x"], out="x")
    n_search = 2 * cfg.search_per_class * (1 - cfg.search_val_fraction)
    n_final = (1 - cfg.val_fraction) * n_train_dedup
    total = len(TINY_FINETUNE.search_lrs) * TINY_FINETUNE.search_epochs * n_search + TINY_FINETUNE.epochs * n_final
    mean_bp = float(np.mean(table["sequence"].str.len()))
    return (
        f"tiny-dnabert-6: {rate:.1f} training sequences/s (batch {TINY_FINETUNE.batch_size}, {steps} timed steps, "
        f"mean {mean_bp:.0f} bp, {torch.get_num_threads()} torch threads); the default run's training passes "
        f"({total:,.0f} sequences) would take about {total / rate / 3600:.1f} h (extrapolated, evaluation not counted)"
    )


def rule_check(data: Path) -> None:
    """C by 5-fold CV vs by the held-out fold, for kmer-lr and gkm-lr on one set: C, test AUROC, fit time."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    from enhancerlm.models import create_classifier, logistic
    from enhancerlm.sequences.records import LabelMap, make_table

    def table(split: str):
        frame = pd.read_csv(data / f"{split}.csv")
        ids = [f"{split}{i}" for i in range(len(frame))]
        return make_table(ids, frame["seq"].tolist(), frame["label"].astype(str).tolist())

    train, test = table("train"), table("test")
    labels = LabelMap.from_labels(train["label"])
    y = np.asarray(labels.encode(test["label"]))
    print(f"\nC rule on {len(train):,} training rows (test {len(test):,}):")
    default = logistic.CV_MAX_N
    try:
        for backbone in ("kmer-lr", "gkm-lr"):
            for rule, limit in (("5-fold", len(train)), ("held-out fold", default)):
                logistic.CV_MAX_N = limit  # read at each fit: the size up to which C is chosen by k folds
                start, cpu = time.perf_counter(), time.process_time()
                model = create_classifier(backbone, labels).fit(train, seed=0)
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                auroc = roc_auc_score(y, model.predict_proba(test["sequence"].tolist())[:, 1])
                print(
                    f"  {backbone:8s} {rule:14s} C={model.head.C:<7g} test AUROC {auroc:.4f}  fit {seconds:.0f} s ({cpu:.0f} s CPU)"
                )
    finally:
        logistic.CV_MAX_N = default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 40_000, HUB_TRAIN])
    parser.add_argument("--backbones", nargs="+", default=["kmer-lr", "gkm-lr", "offline-best"])
    parser.add_argument("--before", help="src folder of the code to compare with (PYTHONPATH)")
    parser.add_argument("--before-sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is stopped")
    parser.add_argument("--max-rss-gb", type=float, default=10, help="resident memory at which a run is stopped")
    parser.add_argument("--tiny-steps", type=int, default=12, help="timed tiny-dnabert-6 steps (0: none)")
    parser.add_argument("--rule-check", type=int, default=0, help="training rows of the C-rule comparison (0: none)")
    parser.add_argument("--keep", help="write the sets and runs here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp)
        runs = root / time.strftime("runs-%Y%m%d-%H%M%S")  # a fresh folder: run refuses a non-empty --out
        results: dict = {}
        for n in sorted(set(args.sizes) | set(args.before_sizes if args.before else [])):
            data, seconds = make_set(n, root)
            print(f"set {n:,} x {n_test(n):,}: written in {seconds:.0f} s", flush=True)
            codes = [("after", None)] if n in args.sizes else []
            codes += [("before", args.before)] if args.before and n in args.before_sizes else []
            for backbone in args.backbones:
                for code, src in codes:  # before and after side by side, under the same load
                    out = runs / f"{code}-{backbone}-{n}"
                    m = measure_run(data, backbone, out, src, args.timeout, args.max_rss_gb)
                    results.setdefault((backbone, code), []).append((n, m))
                    print(
                        f"  {backbone} {code} {n:,}: {m.wall_s:.0f} s wall, {m.cpu_s:.0f} s CPU, {m.peak_mb:,.0f} MB, "
                        f"{m.status}, load {m.load[0]:.1f} -> {m.load[1]:.1f}",
                        flush=True,
                    )
        print_runs(results)
        if args.tiny_steps:
            print("\n" + tiny_throughput(root / f"hub-{max(args.sizes)}", args.tiny_steps))
        if args.rule_check:
            rule_check(make_set(args.rule_check, root)[0])


if __name__ == "__main__":
    main()
