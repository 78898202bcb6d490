"""The task description: kinds, truth columns read from tables, encoding, strata, saving."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.spec import read_specs
from enhancerlm.sequences.task import Task, infer_task


def _table(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"id": [f"r{i}" for i in range(n)], **columns})


def test_single_label_task_is_the_label_map():
    task = Task.from_label_map(LabelMap(("not_enhancer", "enhancer")))
    assert (task.kind, task.names, task.n_outputs) == ("binary", ("not_enhancer", "enhancer"), 2)
    assert task.truth_columns() == ["label"] and task.prediction_columns() == ["p_not_enhancer", "p_enhancer"]
    y = task.encode(_table(label=["enhancer", "not_enhancer", "enhancer"]))
    assert y.tolist() == [1, 0, 1] and y.dtype == np.int64
    assert Task.from_dict({"id2label": {"0": "a", "1": "b", "2": "c"}}) == Task("multiclass", ("a", "b", "c"))


def test_multilabel_truth_and_strata():
    task = Task("multilabel", ("HepG2", "K562"))
    table = _table(**{"label:HepG2": ["1", "0", "1"], "label:K562": ["0", "0", "1"]})
    assert task.encode(table).tolist() == [[1, 0], [0, 0], [1, 1]]
    assert task.strata(table) == ["10", "00", "11"]
    assert task.prediction_columns("_kmer_lr") == ["p_HepG2_kmer_lr", "p_K562_kmer_lr"]
    assert task.problem_type == "multi_label_classification"


def test_multilabel_values_other_than_0_1_name_the_record():
    task = Task("multilabel", ("A",))
    with pytest.raises(InputError, match=r"record 'r1': label:A = 2; multi-label columns hold 0 or 1"):
        task.encode(_table(**{"label:A": ["0", "2"]}))
    with pytest.raises(InputError, match=r"record 'r0': label:A = 'yes' is not a number"):
        task.encode(_table(**{"label:A": ["yes", "1"]}))


def test_missing_values_are_an_error_unless_masked():
    task = Task("regression", ("activity",))
    table = _table(**{"target:activity": ["1.5", "", "-0.25"]})
    with pytest.raises(InputError, match=r"record 'r1': no value in 'target:activity' \(1 missing in all\)"):
        task.encode(table)
    y = task.encode(table, allow_missing=True)
    assert y[0, 0] == 1.5 and np.isnan(y[1, 0]) and y[2, 0] == -0.25


def test_regression_strata_are_quantile_bins():
    task = Task("regression", ("activity",))
    table = _table(**{"target:activity": [str(v) for v in range(10)]})
    assert task.strata(table) == ["q0", "q0", "q1", "q1", "q2", "q2", "q3", "q3", "q4", "q4"]


def test_activation_by_kind():
    logits = np.array([[0.0, 0.0], [2.0, -2.0]])
    assert np.allclose(Task("binary", ("a", "b")).activate(logits).sum(axis=1), 1.0)
    assert np.allclose(Task("multilabel", ("a", "b")).activate(logits)[1], [1 / (1 + np.exp(-2)), 1 / (1 + np.exp(2))])
    assert np.array_equal(Task("regression", ("a", "b")).activate(logits), logits.astype(np.float32))


def test_save_and_load(tmp_path):
    task = Task("regression", ("Dev", "Hk"))
    task.save(tmp_path / "task.json")
    assert Task.load(tmp_path / "task.json") == task


def test_tasks_that_do_not_fit_their_outputs_are_refused():
    with pytest.raises(InputError, match="do not fit"):
        Task("binary", ("a", "b", "c"))
    with pytest.raises(InputError, match="distinct"):
        Task("multilabel", ("a", "a"))


def test_label_and_target_columns_are_read_from_a_table(tmp_path):
    path = tmp_path / "cells.tsv"
    path.write_text("id\tsequence\tHepG2\tK562\nx\tACGTAC\t1\t0\ny\tGGGCCC\t0\t1\n")
    table = read_specs([str(path)], require_labels=True, label_columns=["HepG2", "K562"])
    assert list(table["label:HepG2"]) == ["1", "0"] and list(table["label:K562"]) == ["0", "1"]
    assert infer_task(table) == Task("multilabel", ("HepG2", "K562"))
    with pytest.raises(InputError, match=r"no target column 'activity'; the columns are"):
        read_specs([str(path)], require_labels=True, target_columns=["activity"])


def test_prefixed_columns_are_read_without_being_named(tmp_path):
    path = tmp_path / "starr.csv"
    path.write_text("sequence,target:activity\nACGTAC,1.25\nGGGCCC,-0.5\n")
    table = read_specs([str(path)], require_labels=True)
    assert infer_task(table) == Task("regression", ("activity",))
    assert infer_task(table, "regression").encode(table)[:, 0].tolist() == [1.25, -0.5]


def test_infer_task_from_labels_and_refusals():
    table = _table(label=["a", "b", "c"])
    assert infer_task(table) == Task("multiclass", ("a", "b", "c"))
    assert infer_task(_table(label=["enhancer", "negative"])) == Task("binary", ("negative", "enhancer"))
    with pytest.raises(InputError, match="--task multilabel needs 0/1 label columns"):
        infer_task(table, "multilabel")
    with pytest.raises(InputError, match="--task binary: the labels have 3 classes"):
        infer_task(table, "binary")
    with pytest.raises(InputError, match="--task binary: the table has target columns"):
        infer_task(_table(**{"target:x": ["1"]}), "binary")
