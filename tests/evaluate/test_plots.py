"""Figures draw the numbers they are given, with titles, labels and legends, and save as PNG."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from enhancerlm.errors import InputError
from enhancerlm.evaluate import plots
from enhancerlm.evaluate.history import history_from_trainer_log, history_to_long, split_metric

PNG = b"\x89PNG\r\n\x1a\n"
NAMES = ["not_enhancer", "enhancer"]


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_confusion_matrices_show_counts_and_row_shares():
    fig = plots.plot_confusion_matrices({"zero-shot": [[3, 1], [2, 2]], "fine-tuned": [[4, 0], [1, 3]]}, NAMES)
    left, right = fig.axes[:2]
    assert _texts(left) == ["3\n(75%)", "1\n(25%)", "2\n(50%)", "2\n(50%)"]
    assert "fine-tuned" in right.get_title() and "accuracy 0.875" in right.get_title()
    assert left.get_xlabel() == "Predicted label" and left.get_ylabel() == "True label"
    assert fig.axes[-1].get_ylabel() == "share of the true class"  # the colour bar
    assert plots.figure_png(fig).startswith(PNG)


def test_confusion_matrices_draw_on_given_axes():
    fig = Figure()
    axes = fig.subplots(1, 3)
    matrices = {name: np.eye(3, dtype=int) for name in "abc"}
    assert plots.plot_confusion_matrices(matrices, ["x", "y", "z"], axes=axes) is fig
    assert "a" in axes[0].get_title()
    with pytest.raises(InputError, match="need 3 axes"):
        plots.plot_confusion_matrices(matrices, ["x", "y", "z"], axes=axes[:2])
    with pytest.raises(InputError, match="does not match"):
        plots.plot_confusion_matrices({"a": np.eye(2)}, ["x", "y", "z"])


def _predictions(seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 100)
    good = np.clip(0.5 * y + 0.5 * rng.random(100), 0, 1)
    return y, {"fine_tuned": (y, np.column_stack([1 - good, good])), "gc": (y, rng.random(100))}


def test_roc_and_pr_curves_put_the_areas_in_the_legend():
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, predictions = _predictions()
    good = predictions["fine_tuned"][1][:, 1]
    roc = plots.plot_roc_curves(predictions).axes[0]
    assert _legend(roc)[0] == f"fine_tuned (AUROC {roc_auc_score(y, good):.3f})"
    assert len(roc.lines) == 3 and roc.get_xlabel().startswith("False positive rate")
    pr = plots.plot_pr_curves(predictions).axes[0]
    assert _legend(pr)[0] == f"fine_tuned (AUPRC {average_precision_score(y, good):.3f})"
    assert _legend(pr)[-1] == f"chance (positive share {y.mean():.2f})"


def test_multiclass_curves_are_micro_averaged():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 60)
    proba = rng.dirichlet(np.ones(3), 60)
    ax = plots.plot_roc_curves({"m": (y, proba)}).axes[0]
    assert "micro-averaged" in ax.get_title()


def test_curves_refuse_one_class():
    with pytest.raises(InputError, match="one class"):
        plots.plot_roc_curves({"m": ([1, 1], [0.2, 0.9])})


HISTORY = pd.DataFrame(
    [
        (e, m, v)
        for e in (1, 2, 3)
        for m, v in (("train_loss", 1 / e), ("val_loss", 1.2 / e), ("val_accuracy", 0.5 + e / 10))
    ],
    columns=["epoch", "metric", "value"],
)


def test_training_curves_one_panel_per_metric_loss_first():
    fig = plots.plot_training_curves(HISTORY.sample(frac=1, random_state=0))  # row order must not matter
    loss, accuracy = fig.axes
    assert (loss.get_title(), accuracy.get_title()) == ("loss", "accuracy")
    assert _legend(loss) == ["train", "val"] and loss.get_xlabel() == "epoch"
    assert list(loss.lines[1].get_ydata()) == pytest.approx([1.2, 0.6, 0.4])
    assert plots.figure_png(fig).startswith(PNG)


def test_training_curves_with_runs_and_chosen_metrics():
    two_runs = pd.concat([HISTORY.assign(run="seed0"), HISTORY.assign(run="seed1")])
    (ax,) = plots.plot_training_curves(two_runs, metrics=["loss"]).axes
    assert _legend(ax) == ["seed0 train", "seed0 val", "seed1 train", "seed1 val"]
    with pytest.raises(InputError, match="not in the history"):
        plots.plot_training_curves(HISTORY, metrics=["auroc"])
    with pytest.raises(InputError, match="missing column"):
        plots.plot_training_curves(HISTORY.rename(columns={"metric": "name"}))


def test_search_figure_one_line_per_learning_rate_with_mean_over_seeds():
    rows = [
        (lr, e, "val_accuracy", 0.5 + e / 10 + seed / 100, seed)
        for lr in (1e-4, 1e-5, 3e-5)
        for e in (1, 2)
        for seed in (0, 1)
    ]
    table = pd.DataFrame(rows, columns=["lr", "epoch", "metric", "value", "seed"])
    (ax,) = plots.plot_search(table).axes
    assert _legend(ax) == ["1e-05", "3e-05", "1e-04"]  # sorted by learning rate
    assert list(ax.lines[0].get_ydata()) == pytest.approx([0.605, 0.705])
    assert len(ax.collections) == 3  # one min-max band per learning rate
    with pytest.raises(InputError, match="'lr'"):
        plots.plot_search(table.drop(columns="lr"))


def test_history_helpers():
    assert split_metric("val_accuracy") == ("val", "accuracy")
    assert split_metric("loss") == ("", "loss")
    wide = pd.DataFrame({"epoch": [1, 2], "train_loss": [0.9, 0.5], "val_loss": [1.0, np.nan]})
    long = history_to_long(wide)
    assert long[["metric", "value"]].values.tolist() == [["train_loss", 0.9], ["train_loss", 0.5], ["val_loss", 1.0]]
    log = [
        {"loss": 0.7, "grad_norm": 2.0, "learning_rate": 1e-5, "epoch": 0.5, "step": 10},
        {"eval_loss": 0.6, "eval_accuracy": 0.8, "eval_runtime": 1.2, "epoch": 1.0, "step": 20},
        {"train_runtime": 9.0, "train_loss": 0.65, "epoch": 1.0, "step": 20},
    ]
    got = history_from_trainer_log(log, run="a")
    assert got.values.tolist() == [
        [0.5, "train_loss", 0.7, "a"],
        [1.0, "val_loss", 0.6, "a"],
        [1.0, "val_accuracy", 0.8, "a"],
    ]
