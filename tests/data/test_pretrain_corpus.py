"""Pre-training corpus: N-free segments, last 10% held out, crops that tile segments, pickling by file."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

from enhancerlm.data.pretrain_corpus import build_corpus, tile_crops
from enhancerlm.errors import ConfigError, InputError

# r1: 100 bp = 40 ACGT, 10 N, 20 soft-masked acgt, an R, 29 ACGT; held out: its last 10 bp.
R1 = "ACGT" * 10 + "N" * 10 + "acgt" * 5 + "R" + "GATTACA" * 4 + "G"
# r2: 50 bp with no N; held out: its last 5 bp.
R2 = "TTGCA" * 10


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "tiny.fa"
    path.write_text(f">r1 first\n{R1[:60]}\n{R1[60:]}\n>r2\n{R2}\n")
    return path


def segment_rows(corpus):
    return [tuple(row) for row in corpus.segments[["record", "start", "end", "part"]].itertuples(index=False)]


def test_segments_skip_n_runs_and_ambiguity_codes_and_hold_out_the_record_ends(fasta, tmp_path):
    corpus = build_corpus([fasta], tmp_path / "bases", eval_fraction=0.1, min_segment_bp=5)
    assert len(R1) == 100 and len(R2) == 50
    assert segment_rows(corpus) == [
        ("r1", 0, 40, "train"),
        ("r1", 50, 70, "train"),
        ("r1", 71, 90, "train"),
        ("r1", 90, 100, "eval"),
        ("r2", 0, 45, "train"),
        ("r2", 45, 50, "eval"),
    ]
    seqs = [corpus.sequence(o, e - s) for o, s, e in corpus.segments[["offset", "start", "end"]].to_numpy()]
    assert seqs[1] == "ACGT" * 5  # soft-masked bases upper-cased
    assert "".join(seqs) == "".join(seg for seg in (R1[:40], R1[50:70].upper(), R1[71:90], R1[90:], R2[:45], R2[45:]))
    assert corpus.n_bp("train") == 40 + 20 + 19 + 45 and corpus.n_bp("eval") == 15


def test_short_segments_are_dropped_and_gzip_reads_the_same_without_held_out_part(fasta, tmp_path):
    packed = tmp_path / "tiny.fa.gz"
    packed.write_bytes(gzip.compress(fasta.read_bytes()))
    corpus = build_corpus([packed], tmp_path / "bases", eval_fraction=0.0, min_segment_bp=20)
    assert segment_rows(corpus) == [
        ("r1", 0, 40, "train"),
        ("r1", 50, 70, "train"),
        ("r1", 71, 100, "train"),
        ("r2", 0, 50, "train"),
    ]


def test_unusable_inputs_are_clear_errors(fasta, tmp_path):
    with pytest.raises(InputError, match="no stretch of at least 1000 bp"):
        build_corpus([fasta], tmp_path / "bases", min_segment_bp=1000)
    with pytest.raises(InputError, match="held-out"):
        build_corpus([fasta], tmp_path / "bases", eval_fraction=0.1, min_segment_bp=30)
    with pytest.raises(ConfigError, match="eval_fraction"):
        build_corpus([fasta], tmp_path / "bases", eval_fraction=1.0)
    with pytest.raises(InputError, match="no such file"):
        build_corpus([tmp_path / "missing.fa"], tmp_path / "bases")


def test_fixed_tiles_cover_each_segment_exactly():
    segment, start, length = tile_crops(np.array([10, 25, 30]), 10)
    assert segment.tolist() == [0, 1, 1, 1, 2, 2, 2]
    assert start.tolist() == [0, 0, 10, 15, 0, 10, 20]
    assert length.tolist() == [10] * 7


def test_random_tiles_move_keep_their_count_and_miss_at_most_one_crop_at_an_end():
    lengths = np.array([7, 64, 100, 513])
    seen = [np.zeros(n, dtype=int) for n in lengths]
    first = tile_crops(lengths, 32, np.random.default_rng([3, 0]))
    for epoch in range(40):
        segment, start, length = tile_crops(lengths, 32, np.random.default_rng([3, epoch]))
        assert np.bincount(segment).tolist() == [1, 2, 4, 17]  # ceil(length / 32)
        assert np.all(start >= 0) and np.all(start + length <= lengths[segment])
        for s, n in enumerate(lengths):
            covered = np.zeros(n, dtype=bool)
            for a, b in zip(start[segment == s], length[segment == s]):
                covered[a : a + b] = True
            missed = np.flatnonzero(~covered)
            # whatever is missed is one stretch shorter than a crop at one end of the segment
            assert missed.size < 32 and (missed.size == 0 or 0 in missed or n - 1 in missed)
            assert missed.size == 0 or np.all(np.diff(missed) == 1)
            seen[s] += covered
    assert all(np.all(count >= 10) for count in seen)  # every base in at least a quarter of the epochs
    assert not np.array_equal(first[1], start)


def test_short_crops_stay_in_range_and_inside_their_tile():
    rng = np.random.default_rng(0)
    segment, start, length = tile_crops(np.array([5000]), 100, rng, short_crop_prob=0.5, min_crop_bp=20)
    short = length < 100
    assert 0.35 < short.mean() < 0.65
    assert length.min() >= 20 and np.all(start + length <= 5000)


def test_pickled_corpus_reopens_its_file_instead_of_copying_the_bases(corpus):
    expected = corpus.sequence(100, 50)  # opens the memory map
    data = pickle.dumps(corpus)
    assert len(data) < corpus.n_bp("train")
    assert pickle.loads(data).sequence(100, 50) == expected


def test_chry_corpus_has_no_n_and_holds_out_the_last_tenth(shared_data, tmp_path):
    fasta = shared_data / "human-chrY-par" / "chrY_PAR1_scaffold.fa"
    corpus = build_corpus([fasta], tmp_path / "bases", eval_fraction=0.1)
    bases = np.asarray(corpus.bases)
    assert set(np.unique(bases).tobytes()) == set(b"ACGT")
    cut = 1_939_345 - 193_934
    train, held_out = corpus.part("train"), corpus.part("eval")
    assert train["end"].max() <= cut and held_out["start"].min() >= cut
    # PROVENANCE.md: 1,939,345 bp of which 138,555 are N (a few more bp sit in dropped short stretches)
    assert 1_939_345 - 138_555 - 100 < corpus.n_bp("train") + corpus.n_bp("eval") <= 1_939_345 - 138_555
