"""Frozen embeddings of a transformer backbone: pooling (``pool``), streaming files (``store``), backbones."""

from enhancerlm.embeddings.backbone import embedding_model, load_backbone
from enhancerlm.embeddings.pool import POOLINGS, embed_sequences
from enhancerlm.embeddings.store import embed_to_files

__all__ = ["POOLINGS", "embed_sequences", "embed_to_files", "embedding_model", "load_backbone"]
