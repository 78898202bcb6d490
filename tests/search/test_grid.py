"""Learning-rate grid search: balanced subset, stratified split, every epoch scored, stated rule, resume."""

import pandas as pd
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.search import SearchSetup, balanced_subset, grid_search
from enhancerlm.search.grid import choose_best
from enhancerlm.sequences.records import make_table
from enhancerlm.train import TrainConfig

BASE = TrainConfig(batch_size=8, warmup_ratio=0.0)


def test_balanced_subset_draws_equal_seeded_classes():
    table = make_table([f"s{i}" for i in range(30)], ["ACGTACGT"] * 30, ["enhancer"] * 20 + ["not_enhancer"] * 10)
    sub = balanced_subset(table, per_class=6, seed=0)
    assert sub.label.value_counts().to_dict() == {"enhancer": 6, "not_enhancer": 6}
    assert sub.id.tolist() == balanced_subset(table, per_class=6, seed=0).id.tolist()
    assert sub.id.tolist() != balanced_subset(table, per_class=6, seed=1).id.tolist()
    assert balanced_subset(table, per_class=50, seed=0).label.value_counts().to_dict() == {
        "enhancer": 10,
        "not_enhancer": 10,
    }


def test_rule_prefers_best_value_then_fewer_epochs_then_lower_lr():
    rows = [(5e-5, 1, 0.5), (5e-5, 2, 0.8), (5e-5, 3, 0.8), (2e-5, 2, 0.8), (2e-5, 3, 0.7), (3e-5, 1, 0.6)]
    history = pd.DataFrame([(lr, e, "val_mcc", v) for lr, e, v in rows], columns=["lr", "epoch", "metric", "value"])
    best = choose_best(history, "mcc")
    assert (best.best_lr, best.best_epochs, best.best_value) == (2e-5, 2, 0.8)
    assert "ties -> fewer epochs, then lower learning rate" in best.rule
    loss = choose_best(history.assign(metric="val_loss"), "loss")
    assert (loss.best_lr, loss.best_epochs) == (5e-5, 1)


def test_grid_scores_every_epoch_of_every_lr_and_resumes(factory, toy, tmp_path):
    setup = SearchSetup(out_dir=tmp_path, subset_per_class=30, seed=3, base_config=BASE, progress=False)
    result = grid_search(factory, toy, setup, lrs=(5e-3, 1e-4), max_epochs=2)
    history = result.history
    assert list(history.columns) == ["lr", "epoch", "metric", "value"]
    mcc = history[history.metric == "val_mcc"]
    assert sorted(zip(mcc.lr, mcc.epoch)) == [(1e-4, 1.0), (1e-4, 2.0), (5e-3, 1.0), (5e-3, 2.0)]
    assert factory.seeds == [3, 3]
    best = mcc.sort_values(["value", "epoch", "lr"], ascending=[False, True, True]).iloc[0]
    assert (result.best_lr, result.best_epochs, result.best_value) == (best.lr, best.epoch, best.value)
    assert result.best_params == {"lr": result.best_lr, "epochs": result.best_epochs}
    split = pd.read_csv(tmp_path / "split.tsv", sep="\t")
    assert split.groupby(["split", "label"]).size().to_dict() == {
        ("train", "enhancer"): 24,
        ("train", "not_enhancer"): 24,
        ("val", "enhancer"): 6,
        ("val", "not_enhancer"): 6,
    }

    # A killed search: one trial finished, the other not. Only the unfinished one runs again.
    (tmp_path / "lr=0.0001" / "trial_history.tsv").unlink()
    again = grid_search(factory, toy, setup, lrs=(5e-3, 1e-4), max_epochs=2)
    assert factory.seeds == [3, 3, 3]
    pd.testing.assert_frame_equal(again.history, history, atol=1e-6)


def test_resumed_search_with_other_settings_is_refused(factory, toy, tmp_path):
    setup = SearchSetup(out_dir=tmp_path, subset_per_class=10, base_config=BASE, progress=False)
    grid_search(factory, toy, setup, lrs=(1e-3,), max_epochs=1)
    with pytest.raises(ConfigError, match=r"other settings \(\['max_epochs'\]\)"):
        grid_search(factory, toy, setup, lrs=(1e-3,), max_epochs=2)


def test_search_split_keeps_copies_together_and_resume_checks_it(toy, tmp_path):
    from enhancerlm.data.leakage.splits import twins_across
    from enhancerlm.search.grid import prepare_split

    # Every enhancer twice (second copy reverse-complemented for a third of them), as in human_enhancers_ensembl.
    enhancers = toy[toy.label == "enhancer"]
    copies = enhancers.assign(id=enhancers["id"] + "_copy")
    flip = copies.index[::3]
    copies.loc[flip, "sequence"] = [
        s[::-1].translate(str.maketrans("ACGT", "TGCA")) for s in copies.loc[flip, "sequence"]
    ]
    table = pd.concat([toy, copies], ignore_index=True)
    train, val = prepare_split(table, tmp_path, val_fraction=0.25, subset_per_class=None, seed=0)
    assert not twins_across(train, val).any()
    split = pd.read_csv(tmp_path / "split.tsv", sep="\t")
    assert split["id"].tolist() == train["id"].tolist() + val["id"].tolist()
    assert val["label"].value_counts().to_dict() == {"enhancer": 20, "not_enhancer": 10}
    prepare_split(table, tmp_path, val_fraction=0.25, subset_per_class=None, seed=0)  # same input: resumes
    with pytest.raises(ConfigError, match="another split than the stored one"):
        prepare_split(table, tmp_path, val_fraction=0.25, subset_per_class=None, seed=1)
