"""Tiny input files for the sequence reader tests, written into tmp_path."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest


def write_file(path: Path, content: str | bytes, *, gz: bool = False) -> Path:
    """Write ``content`` (text is written as UTF-8 bytes, line endings untouched), optionally gzipped."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def write(tmp_path):
    """``write(name, content, gz=False) -> Path`` inside tmp_path."""
    return lambda name, content, gz=False: write_file(tmp_path / name, content, gz=gz)
