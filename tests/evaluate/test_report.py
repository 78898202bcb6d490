"""The HTML report: tables with intervals, warnings, escaping, self-containment, and images that load."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from enhancerlm.errors import InputError
from enhancerlm.evaluate.bootstrap import evaluate
from enhancerlm.evaluate.report import PUBLISHED_DNABERT6_2023, write_report

NAMES = ["not_enhancer", "enhancer"]
PNG = b"\x89PNG\r\n\x1a\n"
VOID = {"img", "meta", "br", "hr", "link", "input", "col", "wbr", "source"}


class _Page(HTMLParser):
    """Collects tag balance errors, image sources and table cells (text per cell, rows per table)."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.images, self.tables = [], [], [], []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}> at {self.getpos()}")
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _block(y, score, novel, n_boot=100):
    return evaluate(y, np.column_stack([1 - score, score]), NAMES, novel_mask=novel, n_boot=n_boot, seed=0)


@pytest.fixture(scope="module")
def metrics() -> dict:
    """metrics.json content for 200 test sequences; GC separates the classes (AUROC > 0.7)."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    novel = np.arange(200) % 4 != 0

    def model(signal):
        return 1 / (1 + np.exp(-(signal * (2 * y - 1) + rng.normal(size=200))))

    return {
        "labels": NAMES,
        "n_test": 200,
        "audit": {"n_test": 200, "exact_duplicates": 7},
        "fine_tuning": {"lr": 2e-5},
        "zero_shot": _block(y, np.clip(0.5 + rng.normal(0, 0.01, 200), 0, 1), novel),
        "fine_tuned": _block(y, model(2.0), novel),
        "baselines": {"kmer_lr": _block(y, model(1.5), novel), "gc": _block(y, model(1.0), novel)},
    }


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict:
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [0, 1])
    path = tmp_path_factory.mktemp("figs") / "line.png"
    fig.savefig(path)
    return {"roc": fig, "from_file": path, "from_bytes": path.read_bytes()}


@pytest.fixture(scope="module")
def report(metrics, figures, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    audit = {
        "n_test": 200,
        "exact_duplicates": 40,
        "revcomp_duplicates": 10,
        "gc_warning": True,
        "gc_auroc": 0.74,
        "novel_test_ids": [f"t{i}" for i in range(150)],
    }
    return write_report(
        path,
        title="Run <b>&</b>",
        metrics=metrics,
        figures=figures,
        audit=audit,
        config={"backbone": "dnabert6", "lr": 2e-5},
        notes=["note with <tag>"],
        captions={"from_file": "A line <from> a file."},
        reference=PUBLISHED_DNABERT6_2023,
    )


def _row(table, label):
    return next(r for r in table if r and r[0] == label)


def test_report_is_balanced_html_with_embedded_pngs_only(report):
    page = _parse(report)
    text = report.read_text(encoding="utf-8")
    assert page.errors == [] and page.stack == []
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert len(page.images) == 3
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    for outside in ('src="http', "href=", "<link", "<script", "url(", "@import"):
        assert outside not in text


def test_table_1_rows_and_cells_with_intervals(report, metrics):
    table = _parse(report).tables[0]
    assert table[0][:4] == ["Model", "n", "Accuracy", "Precision"] and table[0][-1] == "AUPRC"
    labels = [r[0] for r in table[1:]]
    assert labels == [
        "Zero-shot (untrained head)",
        "Fine-tuned",
        "Baseline: k-mer logistic regression",
        "Baseline: GC content only",
    ]
    tuned = metrics["fine_tuned"]
    low, high = tuned["ci"]["specificity"]
    assert _row(table, "Fine-tuned")[:2] == ["Fine-tuned", "200"]
    assert _row(table, "Fine-tuned")[5] == f"{tuned['specificity']:.3f} [{low:.2f}, {high:.2f}]"


def test_table_2_is_the_novel_subset(report, metrics):
    table = _parse(report).tables[1]
    novel = metrics["baselines"]["gc"]["novel"]
    assert _row(table, "Baseline: GC content only")[1] == "150"
    assert _row(table, "Baseline: GC content only")[2].startswith(f"{novel['accuracy']:.3f} [")


def test_reference_and_audit_tables(report):
    reference, audit = _parse(report).tables[2:4]
    assert _row(reference, "Fine-tuned")[1:5] == ["0.813", "0.826", "0.793", "0.833"]
    assert _row(audit, "novel_test_ids")[1] == "150 items: t0, t1, t2, t3, t4, ..."


def test_warnings_escaping_captions_and_config(report):
    text = report.read_text(encoding="utf-8")
    assert "<title>Run &lt;b&gt;&amp;&lt;/b&gt;</title>" in text and "<b>&</b>" not in text
    assert "note with &lt;tag&gt;" in text and "A line &lt;from&gt; a file." in text
    assert "50 of 200 test sequences duplicate a training sequence" in text
    assert "GC content alone reaches AUROC" in text  # from the GC baseline's metrics
    assert "Data audit: GC content alone separates the classes (GC AUROC 0.740" in text
    assert "&quot;backbone&quot;: &quot;dnabert6&quot;" in text


def test_no_gc_warning_when_gc_is_uninformative_and_audit_from_metrics(metrics, tmp_path):
    quiet = dict(
        metrics,
        baselines={"kmer_lr": metrics["baselines"]["kmer_lr"], "gc": dict(metrics["baselines"]["gc"], auroc=0.55)},
    )
    text = write_report(tmp_path / "r.html", title="t", metrics=quiet).read_text(encoding="utf-8")
    assert "GC content alone" not in text
    assert "7 of 200 test sequences duplicate a training sequence" in text  # metrics["audit"] stands in
    del quiet["audit"]
    text = write_report(tmp_path / "r.html", title="t", metrics=quiet).read_text(encoding="utf-8")
    assert "No data audit was run" in text


def test_result_warnings_come_first_in_one_box_and_default_to_metrics(metrics, tmp_path):
    """A degenerate result is flagged above everything else; no box when there is nothing to flag."""
    warned = dict(metrics, warnings=["400 of 400 test sequences were called <enhancer>.", "Flat curve."])
    text = write_report(tmp_path / "r.html", title="t", metrics=warned).read_text(encoding="utf-8")
    box = text.index('<div class="alert" id="result-warnings">')
    assert text.index("<h1>") < box < min(text.index('class="warn"'), text.index("<table"), text.index('class="meta"'))
    assert "<li>400 of 400 test sequences were called &lt;enhancer&gt;.</li><li>Flat curve.</li></ul></div>" in text
    explicit = write_report(tmp_path / "r.html", title="t", metrics=warned, warnings=["Only this."])
    assert "<li>Only this.</li></ul>" in explicit.read_text(encoding="utf-8")
    assert 'id="result-warnings"' not in write_report(tmp_path / "r.html", title="t", metrics=metrics).read_text(
        encoding="utf-8"
    )


def test_when_every_test_sequence_is_novel_the_report_says_so_instead_of_a_second_table(metrics, tmp_path):
    def whole_set_novel(block):
        return dict(block, novel=dict(block, fraction_of_test=1.0))

    every = {
        "fine_tuned": whole_set_novel(metrics["fine_tuned"]),
        "baselines": {k: whole_set_novel(v) for k, v in metrics["baselines"].items()},
    }
    path = write_report(tmp_path / "r.html", title="t", metrics=every)
    text, page = path.read_text(encoding="utf-8"), _parse(path)
    assert "All 200 test sequences are novel: none duplicates a training sequence" in text
    assert "Table 2" not in text and "Table 1. All test sequences." in text
    assert len(page.tables) == 1  # Table 1 only (no audit here), no repeat of it


def test_skipped_novel_subset_row_says_why(metrics, tmp_path):
    block = dict(metrics["fine_tuned"], novel={"n": 0, "skipped": "no novel test sequence: all 200 ..."})
    page = _parse(write_report(tmp_path / "r.html", title="t", metrics={"fine_tuned": block}))
    assert page.tables[1][1] == ["Fine-tuned", "0", "no novel test sequence: all 200 ..."]


def test_multiclass_table_has_macro_columns(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 60)
    block = evaluate(y, rng.dirichlet(np.ones(3), 60), ["none", "weak", "strong"], n_boot=50)
    page = _parse(write_report(tmp_path / "r.html", title="t", metrics={"fine_tuned": block}))
    assert page.tables[0][0][2:] == [
        "Accuracy",
        "Precision (macro)",
        "Recall (macro)",
        "F1 (macro)",
        "MCC",
        "AUROC (macro, one-vs-rest)",
    ]


def test_failure_leaves_no_file(metrics, tmp_path):
    bad = tmp_path / "not.png"
    bad.write_text("not a png")
    with pytest.raises(InputError, match="not a PNG"):
        write_report(tmp_path / "r.html", title="t", metrics=metrics, figures={"x": bad})
    with pytest.raises(InputError, match="no model block"):
        write_report(tmp_path / "r.html", title="t", metrics={"labels": NAMES})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not.png"]


def test_every_image_loads_in_headless_chromium(report, tmp_path, loaded_images):
    assert loaded_images(report, tmp_path) == "3/3"
    # The probe must be able to fail: a corrupted data URI is an image the browser cannot decode.
    broken = tmp_path / "broken.html"
    broken.write_text(report.read_text(encoding="utf-8").replace("base64,iVBOR", "base64,AAAA", 1), encoding="utf-8")
    assert loaded_images(broken, tmp_path) == "2/3"


def _multi_output_metrics(task, y, outputs_by_model) -> dict:
    from enhancerlm.sequences.task import Task

    assert isinstance(task, Task)
    blocks = {k: evaluate(y, p, task, n_boot=50, seed=0) for k, p in outputs_by_model.items()}
    return {"fine_tuned": blocks.pop("fine_tuned"), "baselines": blocks}


def test_multilabel_report_has_summary_columns_and_a_table_per_metric_with_baselines(tmp_path):
    from enhancerlm.sequences.task import Task

    rng = np.random.default_rng(0)
    task = Task("multilabel", ("heart", "liver"))
    y = (rng.random((60, 2)) < 0.5).astype(float)
    outputs = {"fine_tuned": np.clip(0.5 * y + 0.5 * rng.random(y.shape), 0, 1), "gc": rng.random(y.shape)}
    metrics = _multi_output_metrics(task, y, outputs)
    page = _parse(write_report(tmp_path / "r.html", title="t", metrics=metrics))
    assert page.errors == []
    assert page.tables[0][0] == ["Model", "n"] + [
        "AUROC (macro)",
        "AUPRC (macro)",
        "AUROC (micro)",
        "AUPRC (micro)",
        "F1 (macro)",
        "F1 (micro)",
    ]
    auroc = next(t for t in page.tables if t[0] == ["Label", "Fine-tuned", "Baseline: GC content only"])
    tuned = metrics["fine_tuned"]["per_label"]["liver"]
    low, high = tuned["ci"]["auroc"]
    assert _row(auroc, "liver")[1] == f"{tuned['auroc']:.3f} [{low:.2f}, {high:.2f}]"
    assert sum(1 for t in page.tables if t[0][0] == "Label") == 4  # AUROC, AUPRC, F1, MCC


def test_regression_report_has_correlation_columns_and_per_target_tables(tmp_path):
    from enhancerlm.sequences.task import Task

    rng = np.random.default_rng(0)
    task = Task("regression", ("dev", "hk"))
    y = rng.normal(size=(40, 2))
    metrics = _multi_output_metrics(
        task, y, {"fine_tuned": y + rng.normal(size=y.shape), "kmer_lr": rng.random(y.shape)}
    )
    text = write_report(tmp_path / "r.html", title="t", metrics=metrics).read_text()
    page = _parse(tmp_path / "r.html")
    assert page.tables[0][0] == ["Model", "n", "Pearson r", "Spearman ρ", "R²", "MSE"]
    spearman = next(t for t in page.tables if t[0][0] == "Target" and "Spearman" in text)
    assert [r[0] for r in spearman[1:]] == ["dev", "hk"]
    assert "Per target" in text
    one = _multi_output_metrics(Task("regression", ("dev",)), y[:, :1], {"fine_tuned": y[:, :1], "gc": y[:, :1] * 2})
    page = _parse(write_report(tmp_path / "one.html", title="t", metrics=one))
    assert not any(t[0][0] == "Target" for t in page.tables)  # one target: Table 1 is its table
