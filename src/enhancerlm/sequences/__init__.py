"""Sequence input: file formats, genome access and validation (no torch here)."""
