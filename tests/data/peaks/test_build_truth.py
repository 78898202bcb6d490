"""`data build` for several labels (--multi-label) and for activity (--targets bigWig, --target-column), on a tiny genome."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from enhancerlm.data.peaks.build import build
from enhancerlm.data.peaks.build_config import BuildConfig
from enhancerlm.data.peaks.build_outputs import write_build
from enhancerlm.data.peaks.build_truth import overlap_labels
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.sequences.spec import read_specs
from enhancerlm.sequences.task import infer_task

pyBigWig = pytest.importorskip("pyBigWig")
runner = CliRunner()
CHROMS = ("chr1", "chr2", "chr7", "chr8")
SIZE = 40_000


def _peaks(path, rows):
    """narrowPeak lines (chrom, start, end, signalValue, summit offset)."""
    lines = [f"{c}\t{s}\t{e}\tp{i}\t0\t.\t{v}\t-1\t-1\t{summit}" for i, (c, s, e, v, summit) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Random DNA on chr1, chr2 (train), chr7 (val), chr8 (test); peaks of A and B; a bigWig of start/1000."""
    folder = tmp_path_factory.mktemp("tiny")
    rng = np.random.default_rng(0)
    with open(folder / "genome.fa", "w") as handle:
        for chrom in CHROMS:
            handle.write(f">{chrom}\n{''.join(rng.choice(list('ACGT'), SIZE))}\n")
    a, b = [], []
    for chrom in CHROMS:
        for k in range(6):
            x = 3000 + k * 5000
            a.append((chrom, x, x + 300, k + 1, 150))  # A: summit at x + 150
            if k % 2 == 0:
                b.append((chrom, x + 100, x + 400, 2 * k, 50))  # B: summit x + 150, the same element
            else:
                b.append((chrom, x + 2000, x + 2300, 2 * k, 150))  # B alone
    bw = pyBigWig.open(str(folder / "signal.bw"), "w")
    bw.addHeader([(c, SIZE) for c in CHROMS])
    for chrom in CHROMS:
        starts = np.arange(0, SIZE - 10_000, 10)  # the last 10 kbp not covered
        bw.addEntries(
            [chrom] * len(starts), starts.tolist(), ends=(starts + 10).tolist(), values=(starts / 1000).tolist()
        )
    bw.close()
    return {
        "folder": folder,
        "genome": str(folder / "genome.fa"),
        "a": _peaks(folder / "A.narrowPeak", a),
        "b": _peaks(folder / "B.narrowPeak", b),
        "bigwig": str(folder / "signal.bw"),
    }


def _config(**kwargs) -> BuildConfig:
    return BuildConfig(**{"test_chroms": ("chr8",), "flank": 200, **kwargs})


def test_overlap_rule_summit_or_half_the_window():
    windows = pd.DataFrame({"chrom": ["c"] * 3, "start": [100, 1000, 2000], "end": [300, 1200, 2200]})
    regions = pd.DataFrame(
        [
            ("c", 150, 400, 50, "A"),  # summit 200: inside window 0
            ("c", 0, 170, -1, "B"),  # window 0: 70 bp, midpoint 85 outside
            ("c", 0, 140, -1, "B"),  # 40 bp more, but inside the first: union 70 < 100 (their sum 110 is not asked)
            ("c", 0, 170, -1, "D"),  # 70 bp and
            ("c", 260, 700, 340, "D"),  # 40 bp apart, summit 600 outside: union 110 >= half of 200
            ("c", 1150, 1400, 200, "C"),  # window 1: 50 bp, summit 1350 outside -> partial
            ("c", 2100, 2600, 400, "C"),  # window 2: exactly half inside, summit outside -> C
        ],
        columns=["chrom", "start", "end", "summit", "label"],
    )
    labels, partial = overlap_labels(windows, regions, ("A", "B", "C", "D"))
    np.testing.assert_array_equal(labels, [[1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0]])
    assert partial == {"A": 0, "B": 1, "C": 1, "D": 0}


def test_multi_label_build(tiny, tmp_path):
    config = _config(multi_label=True, label_columns=("B", "A"))
    built = build([f"{tiny['a']}:A", f"{tiny['b']}:B"], tiny["genome"], config)
    manifest = write_build(built, tiny["genome"], tmp_path / "ml", config)
    assert manifest["task"] == {"kind": "multilabel", "names": ["B", "A"]}
    # per chromosome: 6 A windows (3 of them also B: B's summit inside), 3 B-only windows, 9 negatives
    assert manifest["truth"]["train"] == {
        "n": 36,
        "per_label": {"B": 12, "A": 12},
        "no_label": 18,
        "gc_only_auroc": manifest["truth"]["train"]["gc_only_auroc"],
    }
    assert manifest["counts"]["positives"]["label_conflict"] == 0 and manifest["counts"]["labels"]["partial"] == {
        "B": 0,
        "A": 0,
    }
    header = (tmp_path / "ml" / "test.tsv").read_text().splitlines()[0].split("\t")
    assert header[:5] == ["id", "sequence", "label", "label:B", "label:A"]
    table = read_specs([str(tmp_path / "ml" / "test.tsv")], "test")
    task = infer_task(table)
    assert (task.kind, task.names) == ("multilabel", ("B", "A"))
    y = task.encode(table)
    written = pd.read_csv(tmp_path / "ml" / "test.tsv", sep="\t", keep_default_na=False)
    negatives = written["source"].str.startswith("background").to_numpy()  # read_specs names the file instead
    assert (written["label"] == "").all() and negatives.sum() == 9
    assert (y[negatives] == 0).all() and (y[~negatives].sum(axis=1) >= 1).all()
    both = table["start"].isin([x + 50 for x in range(3000, 33000, 10000)]).to_numpy()  # k = 0, 2, 4
    assert both.sum() == 3 and (y[both] == 1).all()
    assert (tmp_path / "ml" / "composition.png").stat().st_size > 0


def test_bigwig_targets_are_window_means(tiny, tmp_path):
    with pytest.raises(InputError, match="no value in the bigWig"):  # peaks at 28-33 kbp lie past the covered part
        build([tiny["a"]], tiny["genome"], _config(targets=(tiny["bigwig"],)))
    config = _config(targets=(tiny["bigwig"],), missing_targets="drop")
    built = build([tiny["a"]], tiny["genome"], config)
    manifest = write_build(built, tiny["genome"], tmp_path / "bw", config)
    assert manifest["task"] == {"kind": "regression", "names": ["signal"]}
    assert manifest["counts"]["targets"]["dropped"] > 0 and "target_missing" in manifest["dropped"]["by_reason"]
    table = read_specs([str(tmp_path / "bw" / "train.tsv")], "train")
    task = infer_task(table)
    y = task.encode(table)[:, 0]
    bins = (
        np.floor(np.arange(table["start"].iloc[0], table["end"].iloc[0]) / 10) * 10 / 1000
    )  # 10 bp bins of start/1000
    assert y[0] == pytest.approx(bins.mean(), abs=1e-5) and (table["end"] <= SIZE - 10_000).all()
    zero = build([tiny["a"]], tiny["genome"], _config(targets=(tiny["bigwig"],), missing_targets="zero"))
    far = zero.table[zero.table["start"] >= SIZE - 10_000]
    assert len(far) and (far["target:signal"] == 0).all()


def test_target_column_builds_peaks_only(tiny, tmp_path):
    config = _config(target_column="signalValue", background="none", target_columns=("activity",))
    built = build([tiny["a"]], tiny["genome"], config)
    write_build(built, tiny["genome"], tmp_path / "tc", config)
    table = read_specs([str(tmp_path / "tc" / "test.tsv")], "test")
    assert infer_task(table).names == ("activity",) and len(table) == 6
    starts = (table["start"].to_numpy() + 100 - 3000) // 5000  # peak k sits at 3000 + 5000 k, signalValue k + 1
    np.testing.assert_array_equal(infer_task(table).encode(table)[:, 0], starts + 1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"multi_label": True, "task": "binary"}, "--task"),
        ({"target_column": "7"}, "--background 'gc-matched' must be none"),
        ({"task": "regression"}, "--targets FILE.bw or --target-column"),
        ({"label_columns": ("A",)}, "--label-columns"),
        ({"missing_targets": "skip"}, "--missing-targets"),
    ],
)
def test_task_flags_that_do_not_fit(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        _config(**kwargs)


def test_labels_that_do_not_fit_the_task(tiny):
    with pytest.raises(InputError, match="--label-columns A,C"):
        build([f"{tiny['a']}:A", f"{tiny['b']}:B"], tiny["genome"], _config(multi_label=True, label_columns=("A", "C")))
    with pytest.raises(InputError, match="--task multiclass"):
        build([tiny["a"]], tiny["genome"], _config(task="multiclass"))


def test_cli_multi_label_and_bigwig(cli_app, tiny, tmp_path):
    base = ["data", "build", "--genome", tiny["genome"], "--test-chroms", "chr8", "--flank", "200"]
    out = tmp_path / "ml"
    args = [*base, "--positives", f"{tiny['a']}:A", "--positives", f"{tiny['b']}:B", "--multi-label", "--out", str(out)]
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "multilabel: train: A 12, B 12, none 18" in result.output
    assert "train: peak windows " in result.output and "not_enhancer" not in result.output
    assert json.loads((out / "manifest.json").read_text())["settings"]["multi_label"] is True
    out = tmp_path / "bw"
    result = runner.invoke(cli_app, [*base, "--positives", tiny["a"], "--targets", tiny["bigwig"], "--out", str(out)])
    assert result.exit_code == 2 and "--missing-targets drop" in result.output and not out.exists()
    result = runner.invoke(cli_app, [*base, "--positives", tiny["a"], "--target-column", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "peaks only" in result.output and "regression: train: signal_value mean 3.5 (n=12)" in result.output
