"""Searches on multi-label and regression tasks: ranked on the task's metric, subsets balanced over its strata."""

from __future__ import annotations

import pandas as pd

from enhancerlm.search import SearchSetup, balanced_subset, grid_search
from enhancerlm.train import TrainConfig
from tests.task_tables import MULTILABEL, REGRESSION, motif_table, small_cnn

from .conftest import CountingFactory

BASE = TrainConfig(batch_size=16, warmup_ratio=0.0)


def test_a_multilabel_search_ranks_by_the_task_s_counterpart_of_the_metric(tmp_path, one_torch_thread):
    factory = CountingFactory(lambda seed: small_cnn(MULTILABEL, seed))
    setup = SearchSetup(
        out_dir=tmp_path, subset_per_class=None, seed=1, base_config=BASE, metric="auroc", progress=False
    )
    result = grid_search(factory, motif_table(80, 1), setup, lrs=(3e-3, 1e-4), max_epochs=2)
    scores = result.history[result.history.metric == "val_auroc_macro"]
    assert len(scores) == 4 and "highest validation auroc_macro" in result.rule
    assert result.best_value == scores["value"].max()
    assert set(pd.read_csv(tmp_path / "split.tsv", sep="\t")["split"]) == {"train", "val"}


def test_a_regression_search_ranks_by_spearman_unless_told_otherwise(tmp_path, one_torch_thread):
    factory = CountingFactory(lambda seed: small_cnn(REGRESSION, seed))
    setup = SearchSetup(out_dir=tmp_path, subset_per_class=None, seed=1, base_config=BASE, progress=False)
    result = grid_search(factory, motif_table(80, 1, "regression"), setup, lrs=(3e-3,), max_epochs=2)
    assert "validation spearman" in result.rule and factory.seeds == [1]
    assert {"val_pearson", "val_spearman", "val_r2", "val_mse"} <= set(result.history.metric)


def test_a_multi_output_subset_draws_up_to_per_class_from_every_stratum():
    table = motif_table(200, 3)
    strata = MULTILABEL.strata(table)
    subset = balanced_subset(table, per_class=5, seed=0, strata=strata)
    drawn = pd.Series(MULTILABEL.strata(subset)).value_counts()
    expected = pd.Series(strata).value_counts().clip(upper=5)
    pd.testing.assert_series_equal(drawn.sort_index(), expected.sort_index(), check_names=False)
    assert subset.id.tolist() == balanced_subset(table, per_class=5, seed=0, strata=strata).id.tolist()
