"""Embeddings of a whole input, chunk by chunk, into ``FILE.npy`` + ``FILE.ids.tsv``: flat memory, resumable.

Output format, chosen so that plain numpy and pandas read it with nothing else installed:

- ``FILE.npy``: float32 matrix, shape=(n_records, hidden), row i = record i in input order; a bare
  ``.npy`` is memory-mappable (``np.load(FILE, mmap_mode="r")``), so a 155k x 768 matrix (476 MB)
  need not fit in memory, and it keeps float32 bits exactly (a text or Parquet round trip adds a
  dependency or a copy for no gain on a dense matrix).
- ``FILE.ids.tsv``: one line per row: ``row`` (0-based, = the matrix row), ``id``, ``label`` (only
  when the input has labels), ``length_bp``.

While it runs, finished chunks live in ``FILE.parts/`` (``chunk_NNNNNNNN.npy`` + ``.tsv``, each
written atomically, and ``manifest.json`` with everything a vector depends on). A killed run, started
again with the same command, skips the finished chunks and writes the same bytes as an uninterrupted
one; a different model, input or setting is refused. The two final files are written atomically
(the ``.npy`` last), then the parts folder is removed.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from enhancerlm.errors import ConfigError
from enhancerlm.io import atomic_path, write_text_atomic
from enhancerlm.provenance import changed_settings

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def output_paths(out: str | Path) -> tuple[Path, Path]:
    """(``FILE.npy``, ``FILE.ids.tsv``) for ``--out FILE.npy``; any other suffix is a ConfigError."""
    out = Path(out)
    if out.suffix != ".npy":
        raise ConfigError(f"--out {out}: embeddings are written as a .npy matrix; give --out NAME.npy")
    return out, out.with_suffix(".ids.tsv")


class ChunkFiles:
    """Finished chunks of one embedding run in ``FILE.parts/``, and the manifest that guards a resume."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.folder = self.out.with_name(self.out.name + ".parts")

    def start(self, manifest: dict) -> set[int]:
        """Check or write the manifest; returns the numbers of the chunks already finished."""
        path = self.folder / MANIFEST
        if path.is_file():
            found = json.loads(path.read_text())
            changed = changed_settings(found, manifest, both_ways=True)
            if changed:
                raise ConfigError(
                    f"{self.folder} holds a partial embedding run with a different {', '.join(changed)}; "
                    f"resume it with the same model, inputs and settings, or delete {self.folder}"
                )
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        done = {int(p.stem.split("_")[1]) for p in self.folder.glob("chunk_*.tsv")}
        return {i for i in done if self._npy(i).is_file()}

    def _npy(self, index: int) -> Path:
        return self.folder / f"chunk_{index:08d}.npy"

    def _tsv(self, index: int) -> Path:
        return self.folder / f"chunk_{index:08d}.tsv"

    def save(self, index: int, vectors: np.ndarray, records: pd.DataFrame) -> None:
        """One chunk's vectors and its records' id, label, length_bp (the ``.tsv`` last: it marks it done)."""
        with atomic_path(self._npy(index)) as tmp, open(tmp, "wb") as handle:
            np.save(handle, np.asarray(vectors, dtype=np.float32), allow_pickle=False)
        with atomic_path(self._tsv(index)) as tmp:
            records.to_csv(tmp, sep="\t", index=False)

    def assemble(self, n_chunks: int, ids_path: Path) -> int:
        """Concatenate chunks 0 .. n_chunks-1 into ``out`` and ``ids_path``; returns the number of rows."""
        records = pd.concat(
            [
                pd.read_csv(self._tsv(i), sep="\t", dtype={"id": str, "label": str}, keep_default_na=False)
                for i in range(n_chunks)
            ],
            ignore_index=True,
        )
        shapes = [np.load(self._npy(i), mmap_mode="r").shape for i in range(n_chunks)]
        width = shapes[0][1]
        table = records.assign(row=np.arange(len(records)))
        columns = ["row", "id", "label", "length_bp"] if (table["label"] != "").any() else ["row", "id", "length_bp"]
        with atomic_path(ids_path) as tmp:
            table[columns].to_csv(tmp, sep="\t", index=False)
        with atomic_path(self.out) as tmp:
            matrix = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(len(records), width))
            start = 0
            for i, shape in enumerate(shapes):
                matrix[start : start + shape[0]] = np.load(self._npy(i), mmap_mode="r")
                start += shape[0]
            matrix.flush()
            del matrix
        shutil.rmtree(self.folder)
        return len(records)


def embed_manifest(backbone: str, inputs: Sequence[str], settings: Mapping, device_type: str) -> dict:
    """What an embedding run's vectors depend on, for :class:`ChunkFiles`' resume guard.

    ``backbone`` as given (a folder is fingerprinted by the sha256 of its files), each input SPEC with
    the sha256 of its file (folders and hub datasets by their SPEC), the ``settings`` that change a
    vector or a chunk boundary (pooling, layers, stride, batch and chunk size ...), and the device type
    (bf16 on GPUs and fp32 on CPUs give slightly different vectors).
    """
    from enhancerlm.scan.store import file_digest

    folder = Path(backbone)
    model_files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return {
        "format": 1,
        "backbone": backbone,
        "model_sha256": file_digest(model_files) if model_files else None,
        "inputs": [{"spec": spec, "sha256": _spec_digest(spec)} for spec in inputs],
        **settings,
        "device_type": device_type,
    }


def _spec_digest(spec: str) -> str | None:
    from enhancerlm.scan.store import file_digest
    from enhancerlm.sequences.spec import parse_spec

    parsed = parse_spec(spec)
    return file_digest([parsed.path]) if parsed.kind in ("fasta", "table") else None


def embed_to_files(classifier, chunks: Iterable[pd.DataFrame], out: str | Path, manifest: dict, **embed_kwargs) -> int:
    """Embed a stream of canonical tables into ``out`` (``.npy``) and its ``.ids.tsv``; returns the rows written.

    Memory stays flat: one chunk is held at a time. ``manifest`` must hold everything the vectors and
    the chunk boundaries depend on (model, inputs, pooling, layers, chunk size ...): a resume with a
    different one is refused. ``embed_kwargs`` go to :func:`enhancerlm.embeddings.embed_sequences`.
    """
    from enhancerlm.models.pooling import check_settings, embed_sequences

    check_settings(classifier, embed_kwargs.get("pooling", "mean"), embed_kwargs.get("layers", (-1,)))
    out, ids_path = output_paths(out)
    files = ChunkFiles(out)
    done = files.start(manifest)
    if done:
        log.info("resuming: %d chunks already embedded in %s", len(done), files.folder)
    n_chunks = 0
    for index, chunk in enumerate(chunks):
        n_chunks = index + 1
        if index in done:
            continue
        seqs = chunk["sequence"].tolist()
        vectors = embed_sequences(classifier, seqs, **embed_kwargs)
        records = pd.DataFrame({"id": chunk["id"], "label": chunk["label"], "length_bp": [len(s) for s in seqs]})
        files.save(index, vectors, records)
    return files.assemble(n_chunks, ids_path)
