"""Run stages on plain tables: the duplicate-aware validation split and what a plain split would leak."""

import json

import pandas as pd

from enhancerlm.data.leakage.splits import twins_across
from enhancerlm.experiment import checks
from enhancerlm.sequences.records import make_table
from enhancerlm.train.fit import split_validation

PAIRS = ["ACGTTGCAAGGCT", "TTGACCAGTAGGA", "GGCATTACGATCC", "CAGTAGGCTTAAC", "ATCCGGTAAGCTG", "GTTACGGATCAGA"]
SINGLES = [
    "AAGCTTGGCAAT",
    "TCGATGCATGCA",
    "GGATCCTTAGAC",
    "CCTAGGATTGCA",
    "TGCATTCCGATA",
    "ACTGGTCAATGC",
    "GATCAATCGGTA",
    "CTTAAGGCCATG",
]


def duplicated_train() -> pd.DataFrame:
    """6 positive sequences twice each, 8 distinct negatives."""
    seqs = PAIRS + PAIRS + SINGLES
    return make_table([f"r{i}" for i in range(len(seqs))], seqs, ["1"] * 12 + ["0"] * 8, split="train")


def test_split_validation_keeps_copies_together_and_writes_split_tsv(tmp_path):
    train = duplicated_train()
    fit, val = split_validation(train, 0.25, seed=0, out=tmp_path / "finetune")
    assert not twins_across(fit, val).any() and len(fit) + len(val) == 20
    split = pd.read_csv(tmp_path / "finetune" / "split.tsv", sep="\t", dtype=str)
    assert split.columns.tolist() == ["id", "label", "split"]
    assert split[split.split == "val"]["id"].tolist() == val["id"].tolist()
    fit, val = split_validation(train, 0.0, seed=0)
    assert fit is train and val is None


def test_audit_stage_reports_the_plain_split_twins(tmp_path):
    train = duplicated_train()
    test = make_table(["t1", "t2"], [PAIRS[0], "GGGGCCCCAAAT"], ["1", "0"], split="test")
    checks.audit_stage(train, test, tmp_path / "audit", 0, "1", {"fine_tuning": 0.25, "search": 0.0})
    block = json.loads((tmp_path / "audit" / "audit.json").read_text())["validation_split"]
    assert list(block) == ["fine_tuning"]  # a share of 0 means no split, nothing to check
    assert block["fine_tuning"]["duplicate_aware"]["n_val_with_train_twin"] == 0
    naive = block["fine_tuning"]["naive"]
    markdown = (tmp_path / "audit" / "audit.md").read_text()
    assert f"**{naive['n_val_with_train_twin']} of {naive['n_val']}** validation records" in markdown
    assert "keeps copies of a sequence on one side" in markdown
