"""Train/test interval overlaps in the audit, beside the sequence duplicates, when records carry coordinates."""

from __future__ import annotations

import numpy as np

from enhancerlm.data.leakage.audit import audit
from enhancerlm.data.leakage.audit_report import to_markdown
from enhancerlm.evaluate.report import audit_warnings
from enhancerlm.sequences.records import make_table

RNG = np.random.default_rng(0)


def _table(ids, coords):
    seqs = ["".join(RNG.choice(list("ACGT"), 60)) for _ in ids]
    labels = ["enhancer" if i % 2 else "not_enhancer" for i in range(len(ids))]
    table = make_table(ids, seqs, labels)
    chrom, start, end = zip(*coords)
    return table.assign(chrom=list(chrom), start=list(start), end=list(end), strand=".")


def test_overlapping_intervals_are_counted_and_shown():
    train = _table(["a", "b", "c", "d"], [("chr1", 0, 200), ("chr1", 500, 700), ("chr2", 0, 200), ("chr2", 900, 1100)])
    # t1 shares 100 bp with a; t2 touches nothing (book-ended with b); t3 overlaps c and d? only c
    test = _table(
        ["t1", "t2", "t3", "t4"], [("chr1", 100, 300), ("chr1", 700, 900), ("chr2", 150, 350), ("chr3", 0, 50)]
    )
    report = audit(train, test)
    overlaps = report.interval_overlaps
    assert overlaps["n_test_overlapping"] == 2 and overlaps["n_pairs"] == 2
    assert sorted((p["test_id"], p["train_id"], p["overlap_bp"]) for p in overlaps["pairs"]) == [
        ("t1", "a", 100),
        ("t3", "c", 50),
    ]
    assert report.exact_duplicates == 0  # the sequences differ: only the coordinates tell
    assert "| overlaps a training interval (chrom/start/end; 2 pairs) | 2 | 50.0% |" in to_markdown(report)
    assert any(
        "2 of 4 test records overlap a training record's genomic interval" in w
        for w in audit_warnings(report.to_dict())
    )


def test_no_coordinates_no_overlap_section():
    train = make_table(["a", "b"], ["ACGT" * 10, "GGCC" * 10], ["enhancer", "not_enhancer"])
    test = make_table(["t"], ["ACGA" * 10], ["enhancer"])
    report = audit(train, test)
    assert report.interval_overlaps is None and "overlaps a training interval" not in to_markdown(report)
