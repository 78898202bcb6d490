"""`data build` on a pseudo-genome of real human DNA with peak files in every published format.

GC tolerance: in train and test (several chromosomes each) the negatives' GC distribution matches the
positives' to a two-sample KS statistic <= 0.15 and mean GC within 0.01 (2% bins; 28-75 positives per
split), the GC-only AUROC on train is within 0.08 of 0.5, and in every split every GC bin holds as many
negatives as positives or reports its shortfall (under 5% of the positives in all).
"""

from __future__ import annotations

import gzip
import json

import bioframe
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from enhancerlm.data.peaks.build import build
from enhancerlm.data.peaks.build_config import BuildConfig
from enhancerlm.data.peaks.build_outputs import write_build
from enhancerlm.errors import ConfigError, InputError
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.sequences.regions import read_region_file
from enhancerlm.sequences.spec import read_specs

from .pseudo_genome import pseudo_chroms, write_fasta, write_peak_files

runner = CliRunner()


@pytest.fixture(scope="module")
def world(shared_data, tmp_path_factory):
    """The pseudo-genome (chr1..chr9), its peak files, and one default build."""
    folder = tmp_path_factory.mktemp("world")
    chroms = pseudo_chroms(shared_data)
    genome = write_fasta(folder / "genome.fa", chroms)
    paths = write_peak_files(folder, chroms, per_chrom=14)
    config = BuildConfig()
    built = build([str(paths["narrowpeak"])], genome, config, (str(paths["blacklist"]),))
    out = folder / "built"
    write_build(built, genome, out, config)
    return {"folder": folder, "chroms": chroms, "genome": genome, "paths": paths, "built": built, "out": out}


def tables(out) -> pd.DataFrame:
    return pd.concat([pd.read_csv(out / f"{s}.tsv", sep="\t").assign(split=s) for s in ("train", "val", "test")])


def test_outputs_and_columns(world):
    out = world["out"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["train.tsv", "val.tsv", "test.tsv", "regions_train.bed", "regions_val.bed", "regions_test.bed"]
        + ["manifest.json", "composition.png"]
    )
    table = tables(out)
    assert list(table.columns[:-1]) == ["id", "sequence", "label", "chrom", "start", "end", "strand", "gc", "source"]
    bed = read_region_file(out / "regions_test.bed")  # our own reader reads the browser track back
    test = table[table["split"] == "test"]
    assert sorted(bed["name"]) == sorted(test["id"]) and len(bed) == len(test)


def test_windows_are_centred_on_the_strongest_summit(world):
    peaks = read_region_file(world["paths"]["narrowpeak"])
    table = tables(world["out"])
    pos = table[table["label"] == "enhancer"].set_index("id")
    assert ((pos["end"] - pos["start"]) == 200).all()
    summit = peaks["start"] + peaks["summit"]
    for _, peak in peaks.iloc[:12].iterrows():
        window = f"{peak['chrom']}:{peak['start'] + peak['summit'] - 100}-{peak['start'] + peak['summit'] + 100}"
        if peak["line"] == 5:  # the same peak called again with a weaker summit: kept once, the strong one
            assert window not in pos.index
        elif peak["line"] != 2:  # line 2 is blacklisted
            assert window in pos.index, window
    assert len(summit) == len(peaks)
    counts = json.loads((world["out"] / "manifest.json").read_text())["counts"]["positives"]
    assert counts["duplicate"] == 1 and counts["overlaps_excluded"] == 1
    assert counts["past_chrom_end"] == 1 and counts["chrom_not_in_genome"] == 1


def test_sequences_are_the_genome_upper_cased(world):
    table = tables(world["out"])
    for row in table.sample(20, random_state=0).itertuples():
        assert row.sequence == world["chroms"][row.chrom][row.start : row.end].upper()


def test_no_negative_near_a_positive_or_in_an_excluded_region(world):
    table = tables(world["out"])
    negatives = table[table["label"] == "not_enhancer"][["chrom", "start", "end"]]
    peaks = read_region_file(world["paths"]["narrowpeak"])[["chrom", "start", "end"]]
    near = bioframe.closest(negatives, peaks, suffixes=("", "_peak"))
    assert (near["distance"] >= 1000).all()  # --flank 1000 (default)
    black = read_region_file(world["paths"]["blacklist"])[["chrom", "start", "end"]]
    assert bioframe.overlap(table[["chrom", "start", "end"]], black, how="inner").empty


def test_chromosome_splits_are_disjoint_and_follow_deepsea(world):
    table = tables(world["out"])
    chroms = {s: set(table.loc[table["split"] == s, "chrom"]) for s in ("train", "val", "test")}
    assert chroms == {"train": {f"chr{i}" for i in range(1, 7)}, "val": {"chr7"}, "test": {"chr8", "chr9"}}
    manifest = json.loads((world["out"] / "manifest.json").read_text())
    assert "DeepSEA" in manifest["holdout"]["source"] and manifest["holdout"]["test"] == ["chr8", "chr9"]


def test_gc_matched_within_tolerance(world):
    manifest = json.loads((world["out"] / "manifest.json").read_text())
    for split in ("train", "test"):  # several chromosomes each; val is one 200 kbp chromosome
        gc = manifest["statistics"][split]["gc"]
        assert gc["ks_statistic"] <= 0.15 and abs(gc["positives_mean"] - gc["negatives_mean"]) <= 0.01, (split, gc)
    rows = [row for split_rows in manifest["gc_bins"].values() for row in split_rows]
    for row in rows:  # bin by bin: as many negatives as positives, or the shortfall said
        assert row["negatives"] + row["shortfall"] == row["needed"] == row["positives"], row
    shortfall = sum(row["shortfall"] for row in rows)
    assert shortfall == manifest["counts"]["negatives"]["shortfall"] <= 0.05 * sum(row["positives"] for row in rows)
    assert abs(manifest["statistics"]["train"]["gc_only_auroc"] - 0.5) < 0.08


def test_random_background_differs_in_gc(world):
    config = BuildConfig(background="random")
    built = build([str(world["paths"]["narrowpeak"])], world["genome"], config)
    train = built.table[built.table["split"] == "train"]
    from enhancerlm.data.leakage.audit import gc_auroc

    assert gc_auroc(train["label"].tolist(), train["gc"].to_numpy()) > 0.7  # peaks sit in GC-rich DNA


def test_same_seed_same_bytes(world, tmp_path):
    config = BuildConfig()
    args = ([str(world["paths"]["narrowpeak"])], world["genome"], config, (str(world["paths"]["blacklist"]),))
    write_build(build(*args), world["genome"], tmp_path / "again", config)
    for path in world["out"].iterdir():
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name
    other = BuildConfig(seed=1)
    again = build([str(world["paths"]["narrowpeak"])], world["genome"], other, (str(world["paths"]["blacklist"]),))
    assert set(again.table["id"]) != set(world["built"].table["id"])


def test_strands_honoured_for_bed6_and_gb_tables(world):
    chroms = world["chroms"]
    for kind, half in (("bed6", 150), ("gb", 100)):
        config = BuildConfig(width="native", background="shuffled")
        built = build([str(world["paths"][kind])], world["genome"], config)
        pos = built.table[built.table["label"] == "enhancer"]
        assert set(pos["strand"]) == {"+", "-"} and ((pos["end"] - pos["start"]) == 2 * half).all()
        for row in pos.itertuples():
            forward = chroms[row.chrom][row.start : row.end].upper()
            assert row.sequence == (reverse_complement(forward) if row.strand == "-" else forward)


def test_shuffled_negatives_keep_dinucleotides(world):
    config = BuildConfig(background="shuffled", neg_ratio=2)
    built = build([str(world["paths"]["narrowpeak"])], world["genome"], config)
    table = built.table
    negatives = table[table["label"] == "not_enhancer"]
    assert len(negatives) == 2 * (table["label"] == "enhancer").sum()
    by_coords = table[table["label"] == "enhancer"].set_index(["chrom", "start", "end"])["sequence"]
    for row in negatives.head(30).itertuples():
        source = by_coords[(row.chrom, row.start, row.end)]
        pairs = lambda s: sorted(s[i : i + 2] for i in range(len(s) - 1))  # noqa: E731
        assert pairs(row.sequence) == pairs(source) and row.sequence != source


def test_native_negatives_take_the_positives_lengths(world):
    built = build([str(world["paths"]["narrowpeak"])], world["genome"], BuildConfig(width="native"))
    table = built.table.assign(length=built.table["end"] - built.table["start"])
    pos, neg = table[table["label"] == "enhancer"], table[table["label"] == "not_enhancer"]
    assert pos["length"].nunique() > 20  # narrowPeak widths vary
    assert set(neg["length"]) <= set(pos["length"])
    assert abs(neg["length"].mean() - pos["length"].mean()) < 20


def test_user_background_and_max_n(world, tmp_path):
    other = tmp_path / "other.bed"
    chroms = world["chroms"]
    # windows on the far side of each chromosome; one holds Ns
    lines = [f"{c}\t{len(s) - 30000}\t{len(s) - 29700}" for c, s in chroms.items()]
    other.write_text("\n".join(lines) + "\n")
    config = BuildConfig(background=f"{other}:promoter", max_n=5)
    built = build([str(world["paths"]["narrowpeak"])], world["genome"], config)
    assert (built.table["label"] == "promoter").sum() == len(lines) - built.counts["negatives"]["too_many_n"]


def test_ensembl_names_need_map_chroms(world, tmp_path):
    peaks = gzip.decompress(world["paths"]["narrowpeak"].read_bytes()).decode().replace("chr", "")
    ensembl = tmp_path / "peaks.narrowPeak"
    ensembl.write_text(peaks)
    with pytest.raises(InputError, match=r"peaks.narrowPeak and the genome name chromosomes differently.*--map-chroms"):
        build([str(ensembl)], world["genome"], BuildConfig())
    built = build([str(ensembl)], world["genome"], BuildConfig(map_chroms=True, test_chroms=("8", "9")))
    assert set(built.table.loc[built.table["split"] == "test", "chrom"]) == {"chr8", "chr9"}


def test_bad_input_is_an_error_naming_file_and_line(world, tmp_path):
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\t100\t300\nchr1\t500\t400\n")
    with pytest.raises(InputError, match=r"bad.bed line 2: interval chr1:500-400 is outside chr1 or empty"):
        build([str(bad)], world["genome"], BuildConfig())
    with pytest.raises(InputError, match="no positive window lies on the test chromosomes chr21"):
        build([str(world["paths"]["narrowpeak"])], world["genome"], BuildConfig(test_chroms=("chr21",)))
    with pytest.raises(ConfigError, match="--width 'wide'"):
        BuildConfig(width="wide")


def test_cli_writes_a_set_that_run_reads_as_a_spec(cli_app, world, tmp_path):
    out = tmp_path / "cli"
    args = [
        "data",
        "build",
        "--positives",
        f"{world['paths']['narrowpeak']}:enhancer",
        "--genome",
        str(world["genome"]),
    ]
    args += ["--exclude", str(world["paths"]["blacklist"]), "--out", str(out), "--test-chroms", "chr8,chr9"]
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "GC-only AUROC" in result.output
    assert (out / "test.tsv").read_bytes() == (world["out"] / "test.tsv").read_bytes()
    train = read_specs([str(out / "train.tsv")], "train", require_labels=True)
    assert set(train["label"]) == {"enhancer", "not_enhancer"} and len(train) == len(
        pd.read_csv(out / "train.tsv", sep="\t")
    )
    failed = runner.invoke(
        cli_app,
        [
            "data",
            "build",
            "--positives",
            str(tmp_path / "none.bed"),
            "--genome",
            str(world["genome"]),
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert failed.exit_code == 2 and not (tmp_path / "x").exists()


def test_gc_column_is_the_sequence_gc(world):
    table = tables(world["out"])
    seqs = table["sequence"].tolist()
    gc = np.array([(s.count("G") + s.count("C")) / max(sum(s.count(b) for b in "ACGT"), 1) for s in seqs])
    assert np.allclose(table["gc"].to_numpy(), gc, atol=6e-5)
