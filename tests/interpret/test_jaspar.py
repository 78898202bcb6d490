"""JASPAR comparison: alignment offset and strand on a toy database, self-matches in the real one."""

from __future__ import annotations

import numpy as np
import pytest

from enhancerlm.errors import ConfigError
from enhancerlm.interpret.jaspar import MotifDatabase, load_jaspar, reverse_complement_ppm
from enhancerlm.interpret.seqlets import one_hot

pytest.importorskip("pyjaspar", reason="optional `interpret` extra")

RELEASE = "JASPAR2024"  # pinned: matrix versions (MA0466.4) change between releases


def _ppm(seq: str) -> np.ndarray:
    return one_hot(seq) * 0.9 + 0.025


def test_reverse_complement_of_a_ppm():
    assert np.array_equal(reverse_complement_ppm(one_hot("AAC")), one_hot("GTT"))


def test_offset_and_strand_of_the_best_alignment():
    db = MotifDatabase(
        ["M1", "M2", "M3"], ["one", "two", "three"], [_ppm("ACGTTG"), _ppm("GGGCCCAT"), _ppm("TATATAGC")]
    )
    table = db.match(_ppm("TTACGTTGAA"), n_shuffles=20).set_index("matrix_id")
    assert table.loc["M1", ["score", "overlap", "offset", "strand"]].tolist() == [pytest.approx(6.0), 6, -2, "+"]
    rc = db.match(reverse_complement_ppm(_ppm("GGGCCCAT")), n_shuffles=20)
    assert rc.iloc[0][["matrix_id", "strand", "offset"]].tolist() == ["M2", "-", 0]
    assert rc.iloc[0]["score"] == pytest.approx(8.0)


def test_a_flat_motif_matches_nothing():
    db = MotifDatabase(["M1"], ["one"], [_ppm("ACGTTG")])
    assert db.match(np.full((8, 4), 0.25), n_shuffles=10)["p_value"].tolist() == [1.0]


@pytest.mark.parametrize("matrix_id", ["MA0466.4", "MA0139.2"])
def test_jaspar_matrices_match_themselves_on_both_strands(matrix_id):
    db = load_jaspar(RELEASE)
    ppm = db.ppms[db.matrix_ids.index(matrix_id)]
    name = db.names[db.matrix_ids.index(matrix_id)]
    for query, strand in ((ppm, "+"), (reverse_complement_ppm(ppm), "-")):
        table = db.match(query)
        best = table.iloc[0]
        assert (best["matrix_id"], best["name"], best["strand"]) == (matrix_id, name, strand)
        assert best["q_value"] < 0.01
        assert table["q_value"].iloc[-1] > 0.5  # most of JASPAR is unrelated


def test_unknown_release_is_a_config_error():
    with pytest.raises(ConfigError, match="JASPAR1999"):
        load_jaspar("JASPAR1999")


def test_default_release_is_the_pinned_one_shared_with_the_synthetic_motifs():
    from enhancerlm.data.generate.motifs import JASPAR_RELEASE, open_jaspar

    assert load_jaspar().release == JASPAR_RELEASE == RELEASE
    with pytest.raises(ConfigError, match=r"JASPAR release 'JASPAR1999' is not bundled"):
        open_jaspar("JASPAR1999")
