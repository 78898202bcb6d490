import json
import time

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from enhancerlm.data.leakage.audit import audit, gc_auroc
from enhancerlm.data.leakage.audit_report import to_markdown, write_audit
from enhancerlm.errors import InputError
from enhancerlm.sequences.records import make_table


def _gc_by_hand(seqs):
    return np.array([(s.count("G") + s.count("C")) / sum(s.count(b) for b in "ACGT") for s in seqs])


def test_duplicate_counts_and_ids(train, test):
    report = audit(train, test)
    assert (report.n_train, report.n_test) == (5, 6)
    assert report.exact_duplicate_ids == ["t_exact"]
    assert report.revcomp_duplicate_ids == ["t_rc"]
    assert report.near_duplicate_ids == ["t_near"]
    assert (report.exact_duplicates, report.revcomp_duplicates, report.near_duplicates) == (1, 1, 1)
    assert report.near_duplicate_matches[0]["train_id"] == "d"
    assert report.within_train_duplicate_ids == ["a2"] and report.within_test_duplicate_ids == ["t_e2"]
    assert report.label_conflicts == 1  # t_rc is "enhancer", its twin b is "not_enhancer"
    assert report.class_counts == {
        "train": {"enhancer": 3, "not_enhancer": 2},
        "test": {"enhancer": 3, "not_enhancer": 3},
    }


def test_novel_subset(train, test):
    report = audit(train, test)
    assert report.novel_test_ids == ["t_near", "t_e1", "t_e2", "t_f"]
    assert report.n_novel == 4
    assert report.novel_mask().tolist() == [False, False, True, True, True, True]
    assert report.novel_mask(include_near=False).tolist() == [False, False, False, True, True, True]


def test_near_threshold_above_the_pair_makes_it_novel(train, test):
    report = audit(train, test, near_threshold=0.99)
    assert report.near_duplicates == 0 and report.near_params["threshold"] == 0.99


def test_case_does_not_hide_duplicates(train, test):
    test = test.assign(sequence=test["sequence"].str.lower())
    assert audit(train, test).exact_duplicate_ids == ["t_exact"]


def test_gc_auroc_equals_sklearn_by_hand(train, test):
    report = audit(train, test)
    seqs = train["sequence"].tolist() + test["sequence"].tolist()
    labels = np.array(train["label"].tolist() + test["label"].tolist())
    assert report.gc_auroc == pytest.approx(roc_auc_score(labels == "enhancer", _gc_by_hand(seqs)))
    train_only = roc_auc_score(train["label"] == "enhancer", _gc_by_hand(train["sequence"]))
    assert report.gc_auroc_by_split["train"] == pytest.approx(train_only)


def test_the_log_shows_the_gc_auroc_to_three_decimals(train, test, caplog):
    with caplog.at_level("INFO", logger="enhancerlm.data.leakage.audit"):
        report = audit(train, test)
    said = [r.getMessage() for r in caplog.records if r.name == "enhancerlm.data.leakage.audit"]
    assert said[0].endswith(f"GC AUROC {report.gc_auroc:.3f}")  # not 0.7333333333333334
    assert f"(AUROC {report.gc_auroc:.3f})" in said[1]


def test_gc_auroc_multiclass_is_macro_of_better_direction():
    gc = np.array([0.1, 0.2, 0.5, 0.6, 0.9, 0.8])
    labels = ["a", "a", "b", "b", "c", "c"]
    per_class = [roc_auc_score(np.array(labels) == c, gc) for c in "abc"]
    assert gc_auroc(labels, gc) == pytest.approx(np.mean([max(a, 1 - a) for a in per_class]))
    assert gc_auroc(["a", "a", ""], np.array([0.1, 0.2, 0.3])) is None


def test_gc_warning_follows_the_threshold():
    high_gc = ["GCGCGCGCGCGC", "GGGCCCGGGCCA"]
    low_gc = ["ATATATATATAT", "AATTAATTAATG"]
    train = make_table(["p1", "p2", "n1", "n2"], high_gc + low_gc, ["enhancer"] * 2 + ["not_enhancer"] * 2)
    report = audit(train, train.assign(id=lambda t: "t" + t["id"]))
    assert report.gc_auroc == 1.0 and report.gc_warning
    swapped = train.assign(label=["not_enhancer"] * 2 + ["enhancer"] * 2)
    report = audit(swapped, swapped)
    assert report.gc_auroc == 0.0 and report.gc_warning  # GC lower in enhancers is a bias too


def test_report_is_json_and_markdown(train, test):
    report = audit(train, test)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["near_params"]["k"] == 8 and "test_category" not in data
    text = to_markdown(report)
    assert "| exact duplicate | 1 | 16.7% |" in text
    assert "| **novel** (no exact or reverse-complement twin) | 4 | 66.7% |" in text


def test_write_audit_files(train, test, tmp_path):
    write_audit(train, test, tmp_path / "audit")
    names = sorted(p.name for p in (tmp_path / "audit").iterdir())
    assert names == ["audit.json", "audit.md", "gc_histogram.png", "length_histogram.png"]
    assert json.loads((tmp_path / "audit" / "audit.json").read_text())["exact_duplicates"] == 1
    assert "validation_split" not in json.loads((tmp_path / "audit" / "audit.json").read_text())


def test_write_audit_validation_split_section(train, test, tmp_path):
    check = {
        "val_fraction": 0.2,
        "seed": 0,
        "n_records": 5,
        "naive": {"n_val": 1, "n_val_with_train_twin": 1, "share": 1.0},
        "duplicate_aware": {"n_val": 1, "n_val_with_train_twin": 0, "share": 0.0},
    }
    write_audit(train, test, tmp_path / "audit", validation_split={"fine_tuning": check})
    assert json.loads((tmp_path / "audit" / "audit.json").read_text())["validation_split"] == {"fine_tuning": check}
    text = (tmp_path / "audit" / "audit.md").read_text()
    assert (
        "- fine tuning (fraction 0.2, seed 0, 5 training records): a plain stratified split would have put "
        "**1 of 1** validation records (100.0%) beside an exact or reverse-complement twin"
    ) in text


def test_empty_or_unlabelled_column_tables_are_input_errors(train, tmp_path):
    with pytest.raises(InputError, match="test: no records"):
        write_audit(train, train.iloc[:0], tmp_path / "audit")
    with pytest.raises(InputError, match="label"):
        audit(train, train.drop(columns="label"))
    assert not (tmp_path / "audit").exists()


def test_ienhancer_audit_is_fast_and_gc_auroc_matches_sklearn(shared_data):
    from enhancerlm.sequences.spec import read_specs

    folder = shared_data / "ienhancer"
    table = read_specs(
        [
            f"{folder}/train_strong_enhancers.fa:enhancer",
            f"{folder}/train_weak_enhancers.fa:enhancer",
            f"{folder}/train_non_enhancers.fa:not_enhancer",
        ]
    )
    train, test = train_test_split(table, test_size=0.2, stratify=table["label"], random_state=0)
    start = time.perf_counter()
    report = audit(train, test)
    assert time.perf_counter() - start < 10
    expected = roc_auc_score(table["label"] == "enhancer", _gc_by_hand(table["sequence"].tolist()))
    assert report.gc_auroc == pytest.approx(expected)
    assert report.gc_auroc == pytest.approx(0.8307, abs=1e-4) and report.gc_warning
    assert (report.n_train, report.n_test) == (2374, 594)
    assert (report.exact_duplicates, report.revcomp_duplicates, report.within_train_duplicates) == (0, 0, 0)
    assert report.near_duplicates == 2


def test_renamed_ids_and_short_records_are_recorded(tmp_path):
    """Test ids repeated across its files were renamed on reading; the audit lists them, and short records."""
    train = make_table(
        ["Positive_1", "Negative_1"],
        ["ACGTACGTAA", "GGGCCCGGTT"],
        ["enhancer", "not_enhancer"],
        split="train",
        source="train.fa",
    )
    test = make_table(
        ["Positive_1", "x", "x~2"],
        ["TTGACG", "AC", "GGA"],
        ["enhancer", "not_enhancer", "enhancer"],
        split="test",
        source="test.fa",
        descriptions=["Positive_1 range=chr1:1-6", "x range=chr2:1-2", "x range=chr3:1-3"],
    )
    report = write_audit(train, test, tmp_path / "audit", min_bp=6)
    assert report.n_renamed == 1
    assert report.renamed_ids == [{"split": "test", "source": "test.fa", "record": 3, "original_id": "x", "id": "x~2"}]
    assert report.short_records == {"train": 0, "test": 2} and report.short_records_min_bp == 6
    saved = json.loads((tmp_path / "audit" / "audit.json").read_text())
    assert saved["renamed_ids"] == report.renamed_ids and saved["short_records"] == {"train": 0, "test": 2}
    text = (tmp_path / "audit" / "audit.md").read_text()
    assert "## Ids renamed on reading" in text and "| test | test.fa | 3 | x | x~2 |" in text
    assert "records shorter than 6 bp (the model's k; kept, scored with no k-mer of their own): train 0, test 2" in text


def test_no_renaming_no_section():
    table = make_table(["a", "b"], ["ACGT", "GGCC"], ["enhancer", "not_enhancer"])
    report = audit(table, table)
    assert report.n_renamed == 0 and report.renamed_ids == [] and report.short_records == {}
    assert "renamed" not in to_markdown(report) and report.short_records_min_bp is None
