"""Finished chunks on disk (``OUT/.chunks``): what makes a killed scan resumable.

Each chunk's window scores are saved atomically as ``chunk_NNNNNNNN.npy`` (float32, NaN for
skipped windows), so a chunk file is either whole or absent. ``manifest.json`` fingerprints the
model, the genome and every parameter that changes a score; a resume with a different fingerprint
is refused. Output-only settings (threshold, lengths, gaps) are not in it: changing them reuses
the chunks and only re-assembles the outputs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from enhancerlm.errors import ConfigError
from enhancerlm.io import atomic_path, write_text_atomic
from enhancerlm.provenance import changed_settings

CHUNK_DIR = ".chunks"
MANIFEST = "manifest.json"


def file_digest(paths) -> str:
    """sha256 over the names and bytes of ``paths`` (in the given order), hex."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode() + b"\0")
        with open(path, "rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ChunkStore:
    """Chunk score files and the manifest under ``out/.chunks``.

    Parameters
    ----------
    out : Path
        The scan's output folder.
    """

    def __init__(self, out: str | Path):
        self.folder = Path(out) / CHUNK_DIR

    def check_manifest(self, manifest: dict) -> None:
        """Refuse to resume chunks written with another model, genome or parameters."""
        path = self.folder / MANIFEST
        if not path.is_file():
            return
        found = json.loads(path.read_text())
        if found != manifest:
            keys = changed_settings(found, manifest, both_ways=True)
            raise ConfigError(
                f"{self.folder.parent} holds a partial scan with a different {', '.join(keys)}; "
                f"resume it with the same model, genome and settings, or use another --out "
                f"(or delete {self.folder})"
            )

    def start(self, manifest: dict) -> None:
        """Write the manifest and remove temporary files of chunks whose writing was interrupted."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        for stale in self.folder.glob(".chunk_*.tmp"):
            stale.unlink(missing_ok=True)

    def _path(self, index: int) -> Path:
        return self.folder / f"chunk_{index:08d}.npy"

    def done(self) -> set[int]:
        """Numbers of the finished chunks."""
        return {int(p.stem.split("_")[1]) for p in self.folder.glob("chunk_*.npy")}

    def save(self, index: int, scores: np.ndarray) -> None:
        with atomic_path(self._path(index)) as tmp, open(tmp, "wb") as handle:
            np.save(handle, np.asarray(scores, dtype=np.float32), allow_pickle=False)

    def load(self, index: int, n_windows: int) -> np.ndarray:
        """Scores of chunk ``index``, shape=(n_windows,), float32."""
        path = self._path(index)
        scores = np.load(path, allow_pickle=False)
        if scores.shape != (n_windows,):
            raise ConfigError(f"{path} holds {scores.shape} scores, expected ({n_windows},); delete it and resume")
        return scores
