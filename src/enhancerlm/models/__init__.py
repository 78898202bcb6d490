"""Backbone registry: one module per model family, one contract (`SequenceClassifier`) for all."""

from enhancerlm.models.base import SequenceClassifier
from enhancerlm.models.registry import (
    BackboneSpec,
    CreateOptions,
    create_classifier,
    get_backbone,
    list_backbones,
    load_classifier,
    resolve_backbone,
)

__all__ = [
    "BackboneSpec",
    "CreateOptions",
    "SequenceClassifier",
    "create_classifier",
    "get_backbone",
    "list_backbones",
    "load_classifier",
    "resolve_backbone",
]
