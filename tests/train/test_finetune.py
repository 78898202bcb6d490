"""finetune: learns a separable toy task, writes history and a loadable model, early stopping, LoRA, grouping."""

import re

import numpy as np
import pytest
import torch
from transformers import BertForSequenceClassification, TrainerCallback

from enhancerlm.errors import ConfigError
from enhancerlm.models import load_classifier
from enhancerlm.train import TrainConfig, build_dataset
from enhancerlm.train.finetune import finetune, make_trainer

FAST = dict(lr=5e-3, batch_size=8, warmup_ratio=0.0)


def test_learns_separable_toy_task_and_writes_a_run_folder(make_tiny, make_toy, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("enhancerlm.train.callbacks.on_terminal", lambda: True)  # bars, as in a terminal
    clf = make_tiny()
    clf.model.eval()
    config = TrainConfig(epochs=3, **FAST)
    result = finetune(clf, make_toy(32, seed=0), make_toy(16, seed=1), config, tmp_path, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "it/s" in err  # progress bars on stderr; stdout stays clean for piped data
    history = result.history
    assert list(history.columns) == ["epoch", "metric", "value"]
    assert sorted(history.epoch.unique()) == [1.0, 2.0, 3.0]
    per_epoch = history.groupby("epoch").metric.apply(set)
    assert all({"train_loss", "val_loss", "val_accuracy", "val_mcc", "val_auroc"} <= m for m in per_epoch)
    final = history.set_index(["epoch", "metric"]).value
    assert final[(3.0, "val_accuracy")] > 0.9
    assert result.best_epoch == 3  # no metric_for_best: the last epoch's weights
    assert not clf.model.training  # mode as found
    loaded = load_classifier(tmp_path / "model")
    seqs = make_toy(4, seed=2).sequence.tolist()
    np.testing.assert_allclose(loaded.predict_proba(seqs), clf.predict_proba(seqs), atol=1e-6)
    assert (tmp_path / "history.tsv").is_file() and (tmp_path / "train_run.json").is_file()


def test_off_a_terminal_progress_is_one_log_line_per_epoch(make_tiny, make_toy, tmp_path, capsys, caplog):
    with caplog.at_level("INFO", logger="enhancerlm.train.callbacks"):
        finetune(make_tiny(), make_toy(8), None, TrainConfig(epochs=2, **FAST), tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err and "it/s]" not in err  # no bar redrawn with carriage returns into a log file
    lines = [m for m in caplog.messages if " done: step " in m]
    assert [m.split(",")[0] for m in lines] == ["epoch 1 of 2 done: step 2 of 4", "epoch 2 of 2 done: step 4 of 4"]
    assert lines[1].endswith("so far, about 00:00 left")
    epochs = [m for m in caplog.messages if m.startswith("epoch 1.00: ")]  # the Trainer's numbers, 3 decimals
    assert epochs and all(re.fullmatch(r"epoch 1\.00:( \w+=-?\d+\.\d{3})+", m) for m in epochs), epochs


def test_early_stopping_stops_and_keeps_best(make_tiny, make_toy, tmp_path):
    # lr = 0: validation loss never improves after epoch 1, so patience 1 stops after epoch 2.
    config = TrainConfig(epochs=6, lr=0.0, batch_size=16, metric_for_best="loss", early_stopping_patience=1)
    result = finetune(make_tiny(), make_toy(16), make_toy(8, seed=1), config, tmp_path, progress=False)
    assert sorted(result.history.epoch.unique()) == [1.0, 2.0]
    assert result.best_epoch == 1


def test_lora_trains_adapters_and_saves_a_plain_transformers_model(make_tiny, make_toy, tmp_path):
    clf = make_tiny()
    before = {k: v.clone() for k, v in clf.model.state_dict().items()}
    config = TrainConfig(epochs=1, lora=True, lora_r=4, **FAST)
    result = finetune(clf, make_toy(16), None, config, tmp_path, progress=False)
    after = result.classifier.model.state_dict()
    assert set(after) == set(before)  # merged: no lora_A/lora_B or wrapper keys left
    query = "bert.encoder.layer.0.attention.self.query.weight"
    key = "bert.encoder.layer.0.attention.self.key.weight"
    assert not torch.equal(after[query], before[query])  # adapter merged into query
    assert torch.equal(after[key], before[key])  # key is not a LoRA target: frozen
    plain = BertForSequenceClassification.from_pretrained(tmp_path / "model").eval()
    batch = torch.from_numpy(np.stack(clf.encoder.encode_batch(["ACGTAGGATTACAGATTACA"])))
    with torch.no_grad():
        logits = plain(input_ids=batch).logits.numpy()
    np.testing.assert_allclose(logits, clf.predict_logits(["ACGTAGGATTACAGATTACA"]), atol=1e-5)


def test_length_grouping_pads_less_than_random_order(make_tiny, make_toy, tmp_path):
    clf = make_tiny()
    ds = build_dataset(clf, make_toy(64, min_bp=10, max_bp=67))

    def padded_tokens(group: bool) -> int:
        config = TrainConfig(batch_size=8, group_by_length=group)
        trainer = make_trainer(clf, ds, None, config, tmp_path / str(group), progress=False)
        return sum(b["attention_mask"].numel() for b in trainer.get_train_dataloader())

    real = int(ds.lengths.sum())
    grouped, shuffled = padded_tokens(True), padded_tokens(False)
    # Lengths 7..64 tokens; megabatches of 4 batches are sorted by length, so a batch spans ~1/4 of the range.
    assert grouped - real < 0.4 * (shuffled - real)


def test_fresh_run_refuses_old_checkpoints_and_resume_refuses_changed_config(make_tiny, make_toy, tmp_path):
    config = TrainConfig(epochs=1, **FAST)
    finetune(make_tiny(), make_toy(8), None, config, tmp_path, progress=False)
    with pytest.raises(ConfigError, match="holds checkpoints of an earlier run"):
        finetune(make_tiny(), make_toy(8), None, config, tmp_path, progress=False)
    with pytest.raises(ConfigError, match=r"changed settings \['lr'\]"):
        finetune(make_tiny(), make_toy(8), None, config.replace(lr=1e-4), tmp_path, resume=True, progress=False)


def test_metric_for_best_needs_validation(make_tiny, make_toy, tmp_path):
    with pytest.raises(ConfigError, match="needs a validation table"):
        finetune(make_tiny(), make_toy(8), None, TrainConfig(metric_for_best="mcc"), tmp_path, progress=False)


def test_gradient_checkpointing_trains_the_same_weights(make_tiny, make_toy, tmp_path):
    # Recomputed activations replay dropout's random stream: results equal, memory lower.
    runs, seen = [], []

    class Spy(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **kwargs):
            seen.append(model.is_activation_checkpointing)

    for checkpointing in (False, True):
        config = TrainConfig(epochs=1, gradient_checkpointing=checkpointing, **FAST)
        result = finetune(
            make_tiny(), make_toy(8), None, config, tmp_path / str(checkpointing), progress=False, callbacks=[Spy()]
        )
        runs.append(result.classifier.model.state_dict())
        assert not result.classifier.model.is_activation_checkpointing  # switched off again, as found
    assert seen == [False, False, True, True]
    assert max((runs[0][k] - runs[1][k]).abs().max().item() for k in runs[0]) <= 1e-6
