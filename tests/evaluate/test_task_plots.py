"""Per-label curves and predicted-vs-measured panels draw the numbers they are given."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score

from enhancerlm.errors import InputError
from enhancerlm.evaluate import task_plots
from enhancerlm.evaluate.plots import figure_png

PNG = b"\x89PNG\r\n\x1a\n"


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _labels(n=80, n_labels=3, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, n_labels)) < 0.4).astype(float)
    return y, {"fine_tuned": np.clip(0.4 * y + 0.6 * rng.random(y.shape), 0, 1), "gc": rng.random(y.shape)}


def test_one_roc_panel_per_label_with_the_label_auroc():
    y, predictions = _labels()
    y[:5, 1] = np.nan  # left out of label 1's panel
    fig = task_plots.plot_label_curves(y, predictions, ["heart", "liver", "brain"], kind="roc")
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["heart", "liver", "brain"]
    liver = roc_auc_score(y[5:, 1], predictions["fine_tuned"][5:, 1])
    assert _legend(panels[1])[0] == f"fine_tuned (AUROC {liver:.3f})"
    assert figure_png(fig).startswith(PNG)


def test_pr_panels_and_a_label_with_one_class():
    y, predictions = _labels()
    y[:, 2] = 0
    fig = task_plots.plot_label_curves(y, predictions, ["heart", "liver", "brain"], kind="pr")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[2] == "brain: one class only, no curve"
    heart = average_precision_score(y[:, 0], predictions["gc"][:, 0])
    assert _legend(fig.axes[0])[1] == f"gc (AUPRC {heart:.3f})"


def test_many_labels_pool_into_one_micro_panel():
    y, predictions = _labels(n_labels=task_plots.MAX_LABEL_PANELS + 1)
    fig = task_plots.plot_label_curves(y, predictions, [f"c{i}" for i in range(13)])
    (panel,) = [ax for ax in fig.axes if ax.get_title()]
    assert panel.get_title() == "all 13 labels pooled (micro-average)"
    assert _legend(panel)[0] == f"fine_tuned (AUROC {roc_auc_score(y.ravel(), predictions['fine_tuned'].ravel()):.3f})"


def test_scatter_one_row_per_target_one_column_per_model():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(50, 2))
    predictions = {"fine_tuned": y + rng.normal(scale=0.5, size=y.shape), "gc": rng.normal(size=y.shape)}
    y[0, 1] = np.nan
    fig = task_plots.plot_predicted_vs_measured(y, predictions, ["dev", "hk"])
    assert len(fig.axes) == 4
    dev_tuned, dev_gc, hk_tuned, _ = fig.axes
    r = stats.pearsonr(y[:, 0], predictions["fine_tuned"][:, 0]).statistic
    rho = stats.spearmanr(y[:, 0], predictions["fine_tuned"][:, 0]).statistic
    assert dev_tuned.get_title() == f"fine_tuned: dev\nn=50, Pearson {r:.3f}, Spearman {rho:.3f}"
    assert hk_tuned.get_title().startswith("fine_tuned: hk\nn=49,") and dev_gc.get_xlabel() == "measured dev"
    assert len(hk_tuned.collections[0].get_offsets()) == 49
    with pytest.raises(InputError, match="expected shape"):
        task_plots.plot_predicted_vs_measured(y[:, :1], predictions, ["dev", "hk"])
