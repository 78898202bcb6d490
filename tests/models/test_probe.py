"""The probe family, and embeddings of hub-layout models (their own special-token layout)."""

from __future__ import annotations

import numpy as np
import torch

from enhancerlm.embeddings import embed_sequences, load_backbone
from enhancerlm.models import load_classifier
from enhancerlm.models.probe import ProbeClassifier
from enhancerlm.models.registry import create_classifier

from .conftest import BINARY


def test_hub_model_mean_pools_after_its_cls_token(nt_folder, make_seqs):
    classifier = load_backbone(str(nt_folder))
    assert (classifier.encoder.n_prefix, classifier.encoder.n_suffix) == (1, 0)
    seqs = make_seqs(4, 20, 90)
    got = embed_sequences(classifier, seqs, batch_size=3)
    for seq, row in zip(seqs, got):
        ids = torch.from_numpy(classifier.encoder.encode_batch([seq])[0])[None]
        with torch.no_grad():
            out = classifier.model.eval()(input_ids=ids, output_hidden_states=True)
        np.testing.assert_allclose(row, out.hidden_states[-1][0, 1:].mean(0).numpy(), atol=1e-5)


def test_probe_round_trip_without_pickle(gc_table, tmp_path):
    probe = ProbeClassifier(create_classifier("tiny-dnabert-6", BINARY), BINARY, "cls", (0, -1))
    probe.fit(gc_table, seed=0)
    probe.save(tmp_path / "probe")
    files = sorted(p.relative_to(tmp_path / "probe").as_posix() for p in (tmp_path / "probe").rglob("*"))
    assert "linear_model.json" in files and "backbone/model.safetensors" in files
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".bin", ".joblib"))]
    loaded = load_classifier(tmp_path / "probe")
    assert isinstance(loaded, ProbeClassifier) and (loaded.pooling, loaded.layers) == ("cls", (0, -1))
    seqs = gc_table["sequence"].tolist()[:20]
    np.testing.assert_allclose(loaded.predict_proba(seqs), probe.predict_proba(seqs), atol=1e-6)
    assert loaded.max_bp is None and loaded.min_bp == 6  # it windows through the embedding, not predict
