"""The one resumable chunk store (scan, variants, embed): finished chunks, the manifest guard, digests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancerlm.chunks import ChunkStore, file_digest, folder_digest, genome_fingerprint, text_digest
from enhancerlm.errors import ConfigError


def test_saved_chunks_are_done_and_load_as_float32(tmp_path):
    store = ChunkStore(tmp_path / ".chunks", "scan")
    assert store.start({"window_bp": 64}) == set()
    store.save(3, np.array([0.25, np.nan], dtype=np.float64))
    assert store.done() == {3} and store.start({"window_bp": 64}) == {3}
    loaded = store.load(3, (2,))
    assert loaded.dtype == np.float32 and loaded[0] == 0.25 and np.isnan(loaded[1])
    assert sorted(p.name for p in store.folder.iterdir()) == ["chunk_00000003.npy", "manifest.json"]
    with pytest.raises(ConfigError, match=r"chunk_00000003.npy holds \(2,\) values, expected \(3,\)"):
        store.load(3, (3,))


def test_a_chunk_with_a_table_is_done_only_once_its_table_is_written(tmp_path):
    store = ChunkStore(tmp_path / "emb.npy.parts", "embedding run", tables=True)
    store.start({})
    store.save(0, np.ones((2, 3)), pd.DataFrame({"id": ["a", "b"], "length_bp": [5, 7]}))
    store.save(1, np.ones((1, 3)))  # killed between the array and its table
    assert store.done() == {0}
    assert store.load_table(0).to_dict("list") == {"id": ["a", "b"], "length_bp": ["5", "7"]}


def test_a_resume_with_other_settings_is_refused_and_names_them(tmp_path):
    store = ChunkStore(tmp_path / ".chunks", "variants run")
    store.start({"window_bp": 64, "class": "enhancer"})
    with pytest.raises(ConfigError, match="partial variants run with a different class, stride_bp"):
        store.start({"window_bp": 64, "class": "other", "stride_bp": 8})
    store.check_manifest({"window_bp": 64, "class": "enhancer"})  # the same settings resume


def test_start_removes_what_an_interrupted_write_left(tmp_path):
    store = ChunkStore(tmp_path / ".chunks")
    store.start({})
    (store.folder / ".chunk_00000001.npy.x1.tmp").write_bytes(b"half a chunk")
    store.start({})
    assert not list(store.folder.glob(".*.tmp"))
    store.remove()
    assert not store.folder.exists()


def test_digests_follow_names_and_bytes(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.bin").write_bytes(b"1")
    (tmp_path / "m" / "b.bin").write_bytes(b"2")
    before = folder_digest(tmp_path / "m")
    assert before == file_digest([tmp_path / "m" / "a.bin", tmp_path / "m" / "b.bin"])
    (tmp_path / "m" / "b.bin").write_bytes(b"3")
    assert folder_digest(tmp_path / "m") != before
    genome = tmp_path / "g.fa"
    genome.write_text(">chr1\nACGT\n")
    assert genome_fingerprint(genome, {"chr1": 4}) == {
        "genome_file": "g.fa",
        "genome_bytes": 11,
        "genome_sizes_sha256": text_digest("chr1\t4\n"),
    }
