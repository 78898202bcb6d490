"""Region files as sequence SPECs (--input peaks.bed[:LABEL] --genome FASTA): cut, stranded, coordinates kept."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from typer.testing import CliRunner

from enhancerlm.errors import InputError
from enhancerlm.models import create_classifier
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.sequences.records import LabelMap, make_table
from enhancerlm.sequences.spec import Genome, iter_spec, parse_spec, read_specs

CHR1 = "".join(np.random.default_rng(1).choice(list("ACGT"), 3000))
CHR2 = "".join(np.random.default_rng(2).choice(list("ACGT"), 800)).lower()  # soft-masked: read upper case


@pytest.fixture
def genome(tmp_path):
    path = tmp_path / "genome.fa"
    path.write_text(f">chr1\n{CHR1}\n>chr2\n{CHR2}\n")
    return path


def test_bed_regions_are_cut_stranded_and_keep_coordinates(tmp_path, genome):
    bed = tmp_path / "peaks.bed"
    bed.write_text("track name=x\nchr1\t100\t250\tpeak_a\t0\t+\nchr2\t10\t60\t.\t0\t-\nchrUn\t0\t10\tgone\t0\t+\n")
    assert parse_spec(f"{bed}:enhancer").kind == "regions"
    table = read_specs([f"{bed}:enhancer"], "test", genome=Genome(genome))
    assert table["id"].tolist() == ["peak_a", "chr2:10-60"]
    assert table["sequence"].tolist() == [CHR1[100:250], reverse_complement(CHR2[10:60].upper())]
    assert table["label"].tolist() == ["enhancer", "enhancer"]
    assert table[["chrom", "start", "end", "strand"]].values.tolist() == [
        ["chr1", 100, 250, "+"],
        ["chr2", 10, 60, "-"],
    ]
    assert table["description"].tolist() == ["chr1:100-250(+)", "chr2:10-60(-)"]


def test_gb_coordinate_table_takes_its_class_from_its_name(tmp_path, genome):
    table_path = tmp_path / "positive.csv.gz"
    table_path.write_bytes(gzip.compress(b"id,region,start,end,strand\n0,chr1,0,40,-\n1,chr1,40,80,+\n"))
    table = read_specs([str(table_path)], genome=Genome(genome))
    assert table["label"].tolist() == ["positive", "positive"] and table["id"].tolist() == ["0", "1"]
    assert table["sequence"].tolist() == [reverse_complement(CHR1[0:40]), CHR1[40:80]]


def test_chunks_stream_and_ensembl_names_map(tmp_path, genome):
    bed = tmp_path / "ens.bed"
    bed.write_text("".join(f"1\t{i * 10}\t{i * 10 + 30}\n" for i in range(25)))
    with pytest.raises(InputError, match="--map-chroms"):
        list(iter_spec(str(bed), 10, genome=Genome(genome)))
    chunks = list(iter_spec(str(bed), 10, genome=Genome(genome, map_chroms=True)))
    assert [len(c) for c in chunks] == [10, 10, 5] and chunks[0]["chrom"].iloc[0] == "chr1"


def test_a_region_file_without_genome_says_what_to_do(tmp_path):
    bed = tmp_path / "peaks.narrowPeak"
    bed.write_text("chr1\t0\t10\t.\t0\t.\t1\t1\t1\t5\n")
    with pytest.raises(InputError, match=r"peaks.narrowPeak is a region file: give --genome FASTA"):
        read_specs([str(bed)])


def test_predict_scores_a_peak_file(cli_runner_app, tmp_path, genome):
    train = make_table(
        [f"s{i}" for i in range(40)],
        ["GCGCGCGGCC" * 5 if i % 2 else "ATATATTAAT" * 5 for i in range(40)],
        ["enhancer" if i % 2 else "not_enhancer" for i in range(40)],
    )
    model = create_classifier("gc", LabelMap.from_labels(train["label"])).fit(train, seed=0)
    model.save(tmp_path / "model")
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr1\t100\t250\tpeak_a\nchr1\t300\t700\tpeak_b\n")
    out = tmp_path / "p.tsv"
    args = [
        "predict",
        "--model",
        str(tmp_path / "model"),
        "--input",
        str(bed),
        "--genome",
        str(genome),
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli_runner_app, args)
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[0].startswith("id\t") and [
        line.split("\t")[0] for line in out.read_text().splitlines()[1:]
    ] == ["peak_a", "peak_b"]


@pytest.fixture
def cli_runner_app():
    from enhancerlm.cli.main import app

    return app


def test_run_reads_region_files_with_its_genome_setting(tmp_path, genome):
    from enhancerlm.experiment.config import RunConfig
    from enhancerlm.experiment.pipeline import load_inputs

    enh, bg = tmp_path / "enh.bed", tmp_path / "bg.bed"
    enh.write_text("".join(f"chr1\t{i * 100}\t{i * 100 + 80}\n" for i in range(12)))
    bg.write_text("".join(f"chr1\t{1500 + i * 100}\t{1500 + i * 100 + 80}\n" for i in range(12)))
    test, test_bg = tmp_path / "test.bed", tmp_path / "test_bg.bed"
    test.write_text("chr1\t40\t120\tt1\n")
    test_bg.write_text("chr2\t0\t80\tt2\n")
    config = RunConfig(
        train=[f"{enh}:enhancer", f"{bg}:not_enhancer"],
        test=[f"{test}:enhancer", f"{test_bg}:not_enhancer"],
        genome=str(genome),
        backbone="kmer-lr",
    )
    inputs = load_inputs(config)
    assert len(inputs.train) == 24 and inputs.test["id"].tolist() == ["t1", "t2"]
    assert inputs.train["sequence"].iloc[0] == CHR1[0:80] and inputs.test["start"].tolist() == [40, 0]
