"""Finished chunks of a long job on disk, guarded by a manifest: what makes scan, variants and embed resumable.

A job that scores its input chunk by chunk saves each finished chunk in one folder as
``chunk_NNNNNNNN.npy`` (an array, float32), optionally with ``chunk_NNNNNNNN.tsv`` (the chunk's records),
each written atomically; with a table, the ``.tsv`` is written last and marks the chunk finished.
``manifest.json`` fingerprints everything a chunk depends on (model, inputs, settings that change a
number or a chunk boundary); a resume with a different manifest is refused, naming the settings that
changed. Settings that only shape the final outputs stay out of the manifest, so changing them reuses
the chunks.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError
from enhancerlm.io import atomic_path, write_text_atomic
from enhancerlm.provenance import changed_settings

# The folder inside an output folder where scan and variants keep their finished chunks.
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


def folder_digest(folder: str | Path) -> str:
    """sha256 over every file below ``folder`` (a saved model), in sorted path order, hex."""
    return file_digest(sorted(p for p in Path(folder).rglob("*") if p.is_file()))


def text_digest(text: str) -> str:
    """sha256 of ``text`` (UTF-8), hex."""
    return hashlib.sha256(text.encode()).hexdigest()


def genome_fingerprint(path: str | Path, chrom_sizes: Mapping[str, int]) -> dict:
    """A genome FASTA as a manifest records it: file name, size in bytes and the sha256 of its sequence sizes.

    Cheap on purpose: hashing every byte of a 3 GB genome would cost minutes at each start.
    """
    sizes = "".join(f"{chrom}\t{n}\n" for chrom, n in chrom_sizes.items())
    return {
        "genome_file": Path(path).name,
        "genome_bytes": Path(path).stat().st_size,
        "genome_sizes_sha256": text_digest(sizes),
    }


class ChunkStore:
    """The finished chunks of one resumable job in ``folder``, and the manifest that guards a resume.

    Parameters
    ----------
    folder : str or Path
        Where the chunks live (``OUT/.chunks`` for scan and variants, ``FILE.npy.parts`` for embed).
    job : str
        What the job is called in a refusal ("scan", "embedding run", ...).
    tables : bool
        Each chunk is saved with a table (its records), written last: a chunk without it is unfinished.
    """

    def __init__(self, folder: str | Path, job: str = "run", tables: bool = False):
        self.folder, self.job, self.tables = Path(folder), job, tables

    def check_manifest(self, manifest: dict) -> None:
        """Refuse to resume chunks written with another model, input or setting (a ConfigError naming them)."""
        path = self.folder / MANIFEST
        if not path.is_file():
            return
        changed = changed_settings(json.loads(path.read_text()), manifest, both_ways=True)
        if changed:
            raise ConfigError(
                f"{self.folder} holds a partial {self.job} with a different {', '.join(changed)}; "
                f"resume it with the same model, inputs and settings, or use another --out (or delete {self.folder})"
            )

    def start(self, manifest: dict) -> set[int]:
        """Check and write the manifest, remove what an interrupted write left; returns the finished chunks."""
        self.check_manifest(manifest)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        for stale in self.folder.glob(".chunk_*.tmp"):
            stale.unlink(missing_ok=True)
        return self.done()

    def done(self) -> set[int]:
        """Numbers of the finished chunks: the array there (and, with ``tables``, the table written after it)."""
        arrays = {int(p.stem.split("_")[1]) for p in self.folder.glob("chunk_*.npy")}
        return arrays & {int(p.stem.split("_")[1]) for p in self.folder.glob("chunk_*.tsv")} if self.tables else arrays

    def path(self, index: int, suffix: str = ".npy") -> Path:
        """The file of chunk ``index``: its array (``.npy``) or its table (``.tsv``)."""
        return self.folder / f"chunk_{index:08d}{suffix}"

    def save(self, index: int, array: np.ndarray, table: pd.DataFrame | None = None) -> None:
        """Chunk ``index``: the array as float32, then (marking it finished) its table, each atomically."""
        with atomic_path(self.path(index)) as tmp, open(tmp, "wb") as handle:
            np.save(handle, np.asarray(array, dtype=np.float32), allow_pickle=False)
        if table is not None:
            with atomic_path(self.path(index, ".tsv")) as tmp:
                table.to_csv(tmp, sep="\t", index=False)

    def load(self, index: int, shape: tuple[int, ...] | None = None, mmap: bool = False) -> np.ndarray:
        """The array of chunk ``index`` (memory-mapped with ``mmap``); a shape other than ``shape`` is a ConfigError."""
        path = self.path(index)
        array = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
        if shape is not None and array.shape != shape:
            raise ConfigError(f"{path} holds {array.shape} values, expected {shape}; delete it and resume")
        return array

    def load_table(self, index: int) -> pd.DataFrame:
        """The table saved with chunk ``index``, every column as text."""
        return pd.read_csv(self.path(index, ".tsv"), sep="\t", dtype=str, keep_default_na=False)

    def remove(self) -> None:
        """Delete the folder, once the job's outputs are written."""
        shutil.rmtree(self.folder)
