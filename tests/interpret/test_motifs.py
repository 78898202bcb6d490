"""Motif discovery: planted seqlets come back as clusters with the planted consensus, on either strand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from enhancerlm.interpret.motifs import discover_motifs, information_content, sequences_with_hit
from enhancerlm.interpret.seqlets import Seqlets
from enhancerlm.sequences.dna import one_hot, reverse_complement

CEBPB = "ATTGCGCAAT"
CTCF = "GCCACCAGGGGGCGC"


def _seqlets(rng) -> tuple[Seqlets, dict]:
    """20 seqlets per motif (random offset and strand) then 20 plain random ones, strongest first."""
    windows, contrib, truth = [], [], {CEBPB: [], CTCF: []}
    for motif in (CEBPB, CTCF, None):
        for _ in range(20):
            seq = list(rng.choice(list("ACGT"), 21))
            track = rng.uniform(0, 0.1, 21)
            if motif:
                site = motif if rng.random() < 0.5 else reverse_complement(motif)
                start = int(rng.integers(0, 21 - len(site) + 1))
                seq[start : start + len(site)] = site
                track[start : start + len(site)] += 1.0
                truth[motif].append(len(windows))
            windows.append("".join(seq))
            contrib.append(track)
    table = pd.DataFrame(
        {
            "id": [f"s{i}" for i in range(60)],
            "seq_index": range(60),
            "start": 0,
            "end": 21,
            "score": np.linspace(60, 1, 60),
            "sequence": windows,
        }
    )
    return Seqlets(table, np.stack([one_hot(w) for w in windows]), np.stack(contrib)), truth


def test_planted_seqlets_cluster_into_their_motifs():
    seqlets, truth = _seqlets(np.random.default_rng(0))
    motifs = discover_motifs(seqlets, min_seqlets=5)
    assert [m.name for m in motifs] == ["motif_1", "motif_2"]
    for motif, planted in zip(motifs, (CEBPB, CTCF)):
        assert sorted(motif.members.tolist()) == truth[planted]
        assert planted in (motif.consensus, reverse_complement(motif.consensus))
        assert np.allclose(motif.ppm.sum(axis=1), 1.0)


def test_small_clusters_are_dropped():
    seqlets, _ = _seqlets(np.random.default_rng(0))
    assert discover_motifs(seqlets, min_seqlets=21) == []


def test_information_content_and_hits():
    assert information_content(np.array([[1.0, 0, 0, 0], [0.25] * 4])) == pytest_approx([2.0, 0.0])
    ppm = one_hot(CEBPB) * 0.97 + 0.0075
    hits = sequences_with_hit(ppm, ["GG" + reverse_complement(CEBPB) + "GG", "A" * 30, "ACG"])
    assert hits.tolist() == [True, False, False]


def pytest_approx(values):
    import pytest

    return pytest.approx(values, abs=1e-9)
