"""k-mer-preserving shuffles (enhancerlm.data.peaks.shuffle): counts kept exactly, ends kept, uniform, seeded."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from enhancerlm.data.peaks.shuffle import kmer_shuffle
from enhancerlm.errors import ConfigError


def kmers(seq: str, k: int) -> Counter:
    return Counter(seq[i : i + k] for i in range(len(seq) - k + 1))


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_kmer_counts_and_ends_are_kept(k):
    rng = np.random.default_rng(k)
    seqs = ["", "A", "AC", "ACGTNNACGT"] + ["".join(rng.choice(list("ACGTN"), n)) for n in (5, 50, 200, 333)]
    shuffled = kmer_shuffle(seqs, k, seed=3)
    for seq, out in zip(seqs, shuffled):
        assert len(out) == len(seq) and kmers(out, k) == kmers(seq, k)
        if len(seq) >= k > 1:
            assert out[: k - 1] == seq[: k - 1] and out[-(k - 1) :] == seq[-(k - 1) :]
    if k <= 4:  # long k-mers of short random sequences often allow one path only
        assert sum(a != b for a, b in zip(seqs[-4:], shuffled[-4:])) >= 3  # motifs destroyed


def test_every_sequence_with_the_same_dinucleotides_is_equally_likely():
    # AACGTTACGA has exactly 6 sequences with its dinucleotide counts and ends (enumerated by brute force)
    seq = "AACGTTACGA"
    draws = Counter(kmer_shuffle([seq] * 30000, 2, seed=5))
    assert len(draws) == 6
    expected = 30000 / 6
    chi2 = sum((n - expected) ** 2 / expected for n in draws.values())
    assert chi2 < 20.5  # p = 0.001 for 5 degrees of freedom
    assert all(kmers(s, 2) == kmers(seq, 2) for s in draws)


def test_seeded_and_batch_independent_of_order():
    seqs = ["ACGTTGCAACGTAGGCTA", "TTGACCAGTAGGCATTAC"]
    assert kmer_shuffle(seqs, 2, seed=1) == kmer_shuffle(seqs, 2, seed=1)
    assert kmer_shuffle(seqs, 2, seed=1) != kmer_shuffle(seqs, 2, seed=2)
    with pytest.raises(ConfigError, match="k=7"):
        kmer_shuffle(seqs, 7)
