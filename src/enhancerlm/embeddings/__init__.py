"""Frozen embeddings of a transformer backbone: streaming files (``store``), backbones; pooling is ``models.pooling``."""

from enhancerlm.embeddings.backbone import embedding_model, load_backbone
from enhancerlm.embeddings.store import embed_to_files
from enhancerlm.models.pooling import POOLINGS, embed_sequences

__all__ = ["POOLINGS", "embed_sequences", "embed_to_files", "embedding_model", "load_backbone"]
