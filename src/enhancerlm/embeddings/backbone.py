"""The model an embedding is taken from: a registry backbone or hub id (fresh head, unused), or a saved model folder."""

from __future__ import annotations

from pathlib import Path

from enhancerlm.models.base import read_manifest
from enhancerlm.models.hf import TransformerClassifier
from enhancerlm.models.pooling import require_transformer
from enhancerlm.models.probe import ProbeClassifier
from enhancerlm.models.registry import CreateOptions, create_classifier, load_classifier
from enhancerlm.sequences.records import LabelMap

# A backbone built only for its hidden states still needs a classification head; its labels are never used.
_UNUSED_LABELS = LabelMap(("class_0", "class_1"))


def load_backbone(
    name_or_path: str, *, trust_remote_code: bool = False, allow_bin_weights: bool = True, seed: int = 0
) -> TransformerClassifier:
    """A transformer to embed with, resolved as ``run --backbone`` resolves it.

    A folder written by ``run`` (``enhancerlm.json`` with labels) is loaded as it was saved: a fine-tuned
    model as it is, a saved probe as its frozen backbone. A registry name, hub id or pre-trained folder
    is created as for fine-tuning (random-init registry models seeded by ``seed``). Models without a
    transformer: ConfigError.
    """
    path = Path(name_or_path)
    if path.is_dir() and "id2label" in read_manifest(path):
        return embedding_model(load_classifier(path))
    options = CreateOptions(trust_remote_code=trust_remote_code, allow_bin_weights=allow_bin_weights, seed=seed)
    return require_transformer(create_classifier(name_or_path, _UNUSED_LABELS, options))


def embedding_model(classifier) -> TransformerClassifier:
    """The transformer whose hidden states embed for ``classifier``: itself, or a probe's frozen backbone.

    Models without a transformer (k-mer LR, GC, CNN, ensembles): ConfigError.
    """
    # a saved probe (run --mode probe): its frozen backbone is the model to embed with
    return require_transformer(classifier.transformer if isinstance(classifier, ProbeClassifier) else classifier)
