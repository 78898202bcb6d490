"""Training multi-label and regression heads: the loss by task, masked missing truth, per-epoch metrics, best epoch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import average_precision_score, mean_squared_error, r2_score, roc_auc_score

from enhancerlm.errors import ConfigError, InputError
from enhancerlm.models import load_classifier
from enhancerlm.models.ensemble import EnsembleClassifier, Member
from enhancerlm.sequences.task import Task
from enhancerlm.train.collate import PadCollator, build_dataset
from enhancerlm.train.config import TrainConfig
from enhancerlm.train.finetune import finetune
from enhancerlm.train.fit import fit_classifier
from enhancerlm.train.losses import masked_loss
from enhancerlm.train.metrics import epoch_metrics, task_metric
from tests.task_tables import MULTILABEL, REGRESSION, motif_table, small_cnn, tiny_bert

FAST = TrainConfig(epochs=2, lr=3e-3, batch_size=16, warmup_ratio=0.0, keep_checkpoints=1)
TWO_TARGETS = Task("regression", ("activity", "other"))


def _batch(task: Task, n: int = 6, seed: int = 0):
    """Logits of a tiny BERT head with the task's problem_type on ``n`` sequences, and random truth."""
    model = tiny_bert(task).model.eval()
    ids = torch.randint(5, 100, (n, 12), generator=torch.Generator().manual_seed(seed))
    rng = np.random.default_rng(seed)
    truth = (
        rng.integers(0, 2, (n, task.n_outputs)) if task.kind == "multilabel" else rng.normal(size=(n, task.n_outputs))
    )
    return model, ids, torch.tensor(truth, dtype=torch.float32)


@pytest.mark.parametrize("task", [MULTILABEL, REGRESSION, TWO_TARGETS], ids=["multilabel", "regression", "2-targets"])
def test_masked_loss_is_transformers_loss_without_missing_values_and_that_of_the_known_rows_with_them(task):
    model, ids, labels = _batch(task)
    with torch.no_grad():
        own = model(input_ids=ids, labels=labels).loss  # transformers' BCE-with-logits or MSE by problem_type
        logits = model(input_ids=ids).logits
    assert masked_loss(logits, labels, task.problem_type).item() == pytest.approx(own.item(), rel=1e-6)
    missing = labels.clone()
    missing[:2] = float("nan")  # two rows with no truth at all
    with torch.no_grad():
        kept = model(input_ids=ids[2:], labels=labels[2:]).loss
    assert masked_loss(logits, missing, task.problem_type).item() == pytest.approx(kept.item(), rel=1e-6)


def test_masked_loss_averages_over_the_known_entries_of_each_label():
    logits, labels = torch.tensor([[0.0, 2.0], [1.0, -1.0]]), torch.tensor([[1.0, float("nan")], [0.0, 1.0]])
    known = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor([0.0, 1.0, -1.0]), torch.tensor([1.0, 0.0, 1.0])
    )
    assert masked_loss(logits, labels, "multi_label_classification").item() == pytest.approx(known.item())
    assert masked_loss(logits, torch.full((2, 2), float("nan")), "regression").item() == 0.0


def test_the_collator_stacks_float_rows_for_multi_output_tasks_and_class_ids_otherwise(make_tiny, make_toy):
    table = motif_table(5, 0)
    batch = PadCollator(0)([build_dataset(tiny_bert(MULTILABEL), table)[i] for i in range(5)])
    assert batch["labels"].dtype == torch.float32 and batch["labels"].shape == (5, 3)
    np.testing.assert_array_equal(batch["labels"].numpy(), MULTILABEL.encode(table))
    binary = PadCollator(0)([build_dataset(make_tiny(), make_toy(2))[i] for i in range(4)])
    assert binary["labels"].dtype == torch.long and binary["labels"].shape == (4,)


def test_epoch_metrics_are_scikit_learn_s_on_the_known_values():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, (40, 3)).astype(float), rng.random((40, 3))
    y[:5, 0] = np.nan
    got = epoch_metrics(MULTILABEL, y, p)
    known = [~np.isnan(y[:, j]) for j in range(3)]
    aurocs = [roc_auc_score(y[k, j], p[k, j]) for j, k in enumerate(known)]
    auprcs = [average_precision_score(y[k, j], p[k, j]) for j, k in enumerate(known)]
    mask = ~np.isnan(y)
    assert got == pytest.approx(
        {
            "auroc_macro": np.mean(aurocs),
            "auprc_macro": np.mean(auprcs),
            "auroc_micro": roc_auc_score(y[mask], p[mask]),
            "auprc_micro": average_precision_score(y[mask], p[mask]),
        }
    )
    t, v = rng.normal(size=(30, 1)), rng.normal(size=(30, 1))
    assert epoch_metrics(REGRESSION, t, v) == pytest.approx(
        {
            "pearson": pearsonr(t[:, 0], v[:, 0])[0],
            "spearman": spearmanr(t[:, 0], v[:, 0])[0],
            "r2": r2_score(t, v),
            "mse": mean_squared_error(t, v),
        }
    )


def test_a_metric_is_named_as_the_task_reports_it():
    assert task_metric(MULTILABEL, "auroc") == "auroc_macro"
    assert task_metric(MULTILABEL, "mcc") == "auprc_macro"  # not reported: the task's default
    assert task_metric(REGRESSION, "auroc") == "spearman" and task_metric(REGRESSION, "r2") == "r2"
    assert task_metric(Task("binary", ("no", "yes")), "mcc") == "mcc"
    assert task_metric(Task("multiclass", ("a", "b", "c")), "auroc") == "auroc_macro"
    assert task_metric(REGRESSION, "loss") == "loss"


def test_the_best_epoch_is_chosen_on_a_metric_the_task_reports(tmp_path, one_torch_thread):
    train, val = motif_table(64, 1), motif_table(32, 2)
    with pytest.raises(ConfigError, match=r"metric_for_best='mcc' is not reported for a multilabel task of 3 outputs"):
        finetune(small_cnn(MULTILABEL), train, val, FAST.replace(metric_for_best="mcc"), tmp_path / "a", progress=False)
    config = FAST.replace(metric_for_best=MULTILABEL.default_metric, epochs=3)
    result = finetune(small_cnn(MULTILABEL), train, val, config, tmp_path / "b", progress=False)
    scores = result.history[result.history.metric == "val_auprc_macro"].set_index("epoch")["value"]
    assert len(scores) == 3 and result.best_epoch == int(scores.idxmax())
    assert {"val_auroc_macro", "val_auroc_micro", "val_auprc_micro", "val_loss"} <= set(result.history.metric)


def test_regression_learns_standardised_targets_and_reports_validation_mse_in_the_user_s_units(
    tmp_path, one_torch_thread
):
    train, val = motif_table(96, 1, "regression"), motif_table(40, 2, "regression")
    train["target:activity"] = (train["target:activity"].astype(float) * 50 + 1000).astype(str)
    val["target:activity"] = (val["target:activity"].astype(float) * 50 + 1000).astype(str)
    result = finetune(small_cnn(REGRESSION), train, val, FAST, tmp_path / "run", progress=False)
    scale = result.classifier.target_scale
    truth = REGRESSION.encode(train)[:, 0]
    assert scale.mean[0] == pytest.approx(truth.mean()) and scale.scale[0] == pytest.approx(truth.std())
    predicted = load_classifier(tmp_path / "run" / "model").predict_outputs(val["sequence"].tolist())
    measured = REGRESSION.encode(val)
    last = result.history[(result.history.epoch == 2) & (result.history.metric == "val_mse")]["value"].item()
    assert last == pytest.approx(mean_squared_error(measured, predicted), rel=1e-4)  # same units, same numbers
    assert abs(predicted.mean() - 1000) < 100


def test_missing_truth_is_refused_unless_masked_and_then_trains(tmp_path, one_torch_thread):
    train, val = motif_table(64, 1), motif_table(32, 2)
    train.loc[:9, "label:beta"] = ""
    val.loc[:3, "label:alpha"] = ""
    with pytest.raises(InputError, match=r"record 's0': no value in 'label:beta' \(10 missing in all\)"):
        finetune(small_cnn(MULTILABEL), train, val, FAST, tmp_path / "a", progress=False)
    result = finetune(
        small_cnn(MULTILABEL), train, val, FAST.replace(mask_missing=True), tmp_path / "b", progress=False
    )
    values = result.history[result.history.metric.isin(["train_loss", "val_loss", "val_auroc_macro"])]["value"]
    assert len(values) == 6 and np.isfinite(values).all()


def test_fit_classifier_threads_mask_missing_to_closed_form_fits_and_ensemble_members(tmp_path, one_torch_thread):
    train = motif_table(80, 1)
    train.loc[:4, "label:noise"] = ""
    ensemble = EnsembleClassifier(MULTILABEL, [Member("gc"), Member("cnn", epochs=1, batch_size=16)])
    with pytest.raises(InputError, match="no value in 'label:noise'"):
        fit_classifier(ensemble, train, tmp_path, seed=0, val_fraction=0.0, config_for=lambda has_val: FAST)
    fitted = fit_classifier(
        ensemble, train, tmp_path, seed=0, val_fraction=0.0, config_for=lambda has_val: FAST, mask_missing=True
    ).classifier
    outputs = fitted.predict_outputs(train["sequence"].tolist()[:5])
    assert outputs.shape == (5, 3) and ((outputs >= 0) & (outputs <= 1)).all()
