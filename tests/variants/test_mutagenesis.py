"""Region mutagenesis: the table is ``interpret.ism``'s deltas with genome coordinates; the track and the
probability deltas checked against independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancerlm.errors import InputError
from enhancerlm.interpret.ism import saturation_mutagenesis
from enhancerlm.models import load_classifier
from enhancerlm.predict import predict_proba
from enhancerlm.sequences.genome import Region, open_genome
from enhancerlm.variants.mutagenesis import parse_region, record_targets, region_targets, run_mutagenesis

from .conftest import GENOME

SIZES = {"chr1": 400, "chr2": 120}


def test_region_is_one_based_inclusive():
    assert parse_region("chr1:11-40", SIZES) == Region("chr1", 10, 40)
    assert parse_region("chr1:1,1-4,0", SIZES) == Region("chr1", 10, 40)  # commas, as browsers write them
    assert parse_region("chr2:1-120", SIZES) == Region("chr2", 0, 120)
    for bad, message in [
        ("chr1:0-10", "1 <= START"),
        ("chr1:10-401", "400"),
        ("chrX:1-5", "no sequence"),
        ("chr1", "expected"),
    ]:
        with pytest.raises(InputError, match=message):
            parse_region(bad, SIZES)


def test_region_table_track_and_files(kmer_model, genome_fasta, tmp_path):
    classifier = load_classifier(kmer_model)
    with open_genome(genome_fasta) as genome:
        targets = region_targets(genome, Region("chr1", 190, 230))  # 10 bases, the 20 bp N-run, 10 bases
    seq = GENOME["chr1"][190:230]
    table = run_mutagenesis(classifier, targets, tmp_path)
    n_acgt = sum(b in "ACGT" for b in seq)
    assert len(table) == 3 * n_acgt == 60
    assert targets.ids == ["chr1:191-230"] and (table["chrom"] == "chr1").all()
    assert list(table["pos"][:3]) == [191] * 3 and (table["ref"] != table["alt"]).all()
    assert [seq[p - 191] for p in table["pos"]] == list(table["ref"])
    # The log-odds deltas are interpret.ism's; the probability deltas re-scored one mutant at a time.
    ism = saturation_mutagenesis(classifier, [seq])
    expected = ism.deltas[0][table["pos"] - 191, ["ACGT".index(a) for a in table["alt"]]]
    np.testing.assert_array_equal(table["log_odds_delta"], expected)
    mutants = [seq[: p - 191] + a + seq[p - 190 :] for p, a in zip(table["pos"], table["alt"])]
    column = classifier.label_map.score_index()
    p_mut = predict_proba(classifier, mutants)[:, column]
    p_ref = predict_proba(classifier, [seq])[0, column]
    np.testing.assert_allclose(table["delta"], p_mut - p_ref, atol=1e-6)
    track = pd.read_csv(tmp_path / "max_abs_delta.bedgraph", sep="\t", skiprows=1, header=None)
    assert len(track) == n_acgt and track[0].eq("chr1").all() and (track[2] - track[1]).eq(1).all()
    by_pos = table.assign(a=table["log_odds_delta"].abs()).groupby("pos")["a"].max()
    np.testing.assert_allclose(track[3], by_pos.loc[track[2]].to_numpy(), rtol=1e-5)
    assert (tmp_path / "logo.png").stat().st_size > 5_000 and (tmp_path / "summary.json").is_file()


def test_input_records_use_their_ids_as_chromosomes(kmer_model, tmp_path):
    targets = record_targets(["a", "b"], ["ACGTACGTAC", "GGNAGTTCAA"])
    table = run_mutagenesis(load_classifier(kmer_model), targets, tmp_path)
    assert list(table.groupby("id", sort=False).size()) == [30, 27]
    assert list(table[table["id"] == "b"]["pos"].unique()) == [1, 2, *range(4, 11)]  # 1-based, the N left out
