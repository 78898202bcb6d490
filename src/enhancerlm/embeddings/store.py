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

import logging
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from enhancerlm.chunks import ChunkStore, file_digest, folder_digest
from enhancerlm.errors import ConfigError
from enhancerlm.io import atomic_path
from enhancerlm.models.pooling import check_settings, embed_sequences

log = logging.getLogger(__name__)


def output_paths(out: str | Path) -> tuple[Path, Path]:
    """(``FILE.npy``, ``FILE.ids.tsv``) for ``--out FILE.npy``; any other suffix is a ConfigError."""
    out = Path(out)
    if out.suffix != ".npy":
        raise ConfigError(f"--out {out}: embeddings are written as a .npy matrix; give --out NAME.npy")
    return out, out.with_suffix(".ids.tsv")


def assemble(store: ChunkStore, n_chunks: int, out: Path, ids_path: Path) -> int:
    """Concatenate chunks 0 .. n_chunks-1 into ``out`` (``.npy``, written last) and ``ids_path``; returns the rows.

    The matrix is copied chunk by chunk into a memory-mapped file, so memory stays flat; then the
    chunks' folder is removed.
    """
    records = pd.concat([store.load_table(i) for i in range(n_chunks)], ignore_index=True)
    shapes = [store.load(i, mmap=True).shape for i in range(n_chunks)]
    table = records.assign(row=np.arange(len(records)))
    columns = ["row", "id", "label", "length_bp"] if (table["label"] != "").any() else ["row", "id", "length_bp"]
    with atomic_path(ids_path) as tmp:
        table[columns].to_csv(tmp, sep="\t", index=False)
    with atomic_path(out) as tmp:
        matrix = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(len(records), shapes[0][1]))
        start = 0
        for i, shape in enumerate(shapes):
            matrix[start : start + shape[0]] = store.load(i, mmap=True)
            start += shape[0]
        matrix.flush()
        del matrix
    store.remove()
    return len(records)


def embed_manifest(backbone: str, inputs: Sequence[str], settings: Mapping, device_type: str) -> dict:
    """What an embedding run's vectors depend on, for the resume guard of its :class:`~enhancerlm.chunks.ChunkStore`.

    ``backbone`` as given (a folder is fingerprinted by the sha256 of its files), each input SPEC with
    the sha256 of its file (folders and hub datasets by their SPEC), the ``settings`` that change a
    vector or a chunk boundary (pooling, layers, stride, batch and chunk size ...), and the device type
    (bf16 on GPUs and fp32 on CPUs give slightly different vectors).
    """
    return {
        "format": 1,
        "backbone": backbone,
        "model_sha256": folder_digest(backbone) if Path(backbone).is_dir() else None,
        "inputs": [{"spec": spec, "sha256": _spec_digest(spec)} for spec in inputs],
        **settings,
        "device_type": device_type,
    }


def _spec_digest(spec: str) -> str | None:
    from enhancerlm.sequences.spec import parse_spec

    parsed = parse_spec(spec)
    return file_digest([parsed.path]) if parsed.kind in ("fasta", "table") else None


def embed_to_files(classifier, chunks: Iterable[pd.DataFrame], out: str | Path, manifest: dict, **embed_kwargs) -> int:
    """Embed a stream of canonical tables into ``out`` (``.npy``) and its ``.ids.tsv``; returns the rows written.

    Memory stays flat: one chunk is held at a time. ``manifest`` must hold everything the vectors and
    the chunk boundaries depend on (model, inputs, pooling, layers, chunk size ...): a resume with a
    different one is refused. ``embed_kwargs`` go to :func:`enhancerlm.embeddings.embed_sequences`.
    """
    check_settings(classifier, embed_kwargs.get("pooling", "mean"), embed_kwargs.get("layers", (-1,)))
    out, ids_path = output_paths(out)
    store = ChunkStore(out.with_name(out.name + ".parts"), "embedding run", tables=True)
    done = store.start(manifest)
    if done:
        log.info("resuming: %d chunks already embedded in %s", len(done), store.folder)
    n_chunks = 0
    for index, chunk in enumerate(chunks):
        n_chunks = index + 1
        if index in done:
            continue
        seqs = chunk["sequence"].tolist()
        vectors = embed_sequences(classifier, seqs, **embed_kwargs)
        records = pd.DataFrame({"id": chunk["id"], "label": chunk["label"], "length_bp": [len(s) for s in seqs]})
        store.save(index, vectors, records)
    return assemble(store, n_chunks, out, ids_path)
