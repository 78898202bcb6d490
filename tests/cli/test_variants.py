"""``enhancerlm variants`` and ``enhancerlm mutagenesis`` through the real entry point."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.models.kmer_lr import KmerLRClassifier
from enhancerlm.sequences.records import LabelMap

CHR1 = "".join(np.random.default_rng(5).choice(list("ACGT"), 300))


@pytest.fixture
def files(tmp_path, make_toy):
    """A 1-chromosome genome named '1' (Ensembl style), a k-mer model, a VCF naming it 'chr1' (UCSC style)."""
    tmp = tmp_path / "inputs"
    tmp.mkdir()
    (tmp / "genome.fa").write_text(f">1\n{CHR1}\n")
    KmerLRClassifier(LabelMap.from_labels(["enhancer", "not_enhancer"]), ks=(3,)).fit(make_toy()).save(tmp / "model")
    other = "A" if CHR1[120] != "A" else "C"
    body = f"chr1\t101\trs1\t{CHR1[100]}\tG,T\t.\t.\t.\nchr1\t121\trs2\t{other}\tG\t.\t.\t.\n"
    (tmp / "in.vcf").write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + body)
    return tmp


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_variants_chrom_names_explained_then_mapped(files, tmp_path):
    base = ["variants", "--model", files / "model", "--vcf", files / "in.vcf", "--genome", files / "genome.fa"]
    refused = invoke(*base, "--out", tmp_path / "refused", "--window-bp", 60)
    assert refused.exit_code == 2 and "--map-chroms" in refused.output and "'chr1' (genome: '1')" in refused.output
    assert not (tmp_path / "refused" / "variants.tsv").exists()
    done = invoke(*base, "--out", tmp_path / "out", "--window-bp", 60, "--map-chroms", "--top-n", 1)
    assert done.exit_code == 0, done.output
    assert "scored 2 of 3 alleles (2 records; skipped: 1 ref_mismatch)" in done.output
    assert "rs1\tchr1:101" in done.output
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"variants.tsv", "skipped.tsv", "variants.vcf.gz", "summary.json", "top_variants.png"} <= names
    strict = invoke(*base, "--out", tmp_path / "strict", "--window-bp", 60, "--map-chroms", "--strict")
    assert strict.exit_code == 2 and "variant rs2 at chr1:121: REF" in strict.output
    assert not (tmp_path / "strict" / "variants.tsv").exists()


def test_mutagenesis_region_and_input(files, tmp_path):
    base = ["mutagenesis", "--model", files / "model"]
    region = invoke(*base, "--genome", files / "genome.fa", "--region", "1:101-130", "--out", tmp_path / "r")
    assert region.exit_code == 0, region.output
    assert "90 substitutions of 1 sequence(s)" in region.output
    assert {"mutagenesis.tsv", "max_abs_delta.bedgraph", "logo.png", "summary.json"} <= {
        p.name for p in (tmp_path / "r").iterdir()
    }
    (tmp_path / "seqs.fa").write_text(">x\nACGTACGTACGT\n")
    records = invoke(*base, "--input", tmp_path / "seqs.fa", "--out", tmp_path / "i")
    assert records.exit_code == 0 and "36 substitutions" in records.output
    neither = invoke(*base, "--out", tmp_path / "n")
    assert neither.exit_code == 2 and "either --region" in neither.output
    bad = invoke(*base, "--genome", files / "genome.fa", "--region", "1:0-10", "--out", tmp_path / "b")
    assert bad.exit_code == 2 and "1 <= START" in bad.output


def test_command_modules_import_no_heavy_library():
    code = (
        "import sys\nimport enhancerlm.cli.variants, enhancerlm.cli.mutagenesis, enhancerlm.variants.config\n"
        "print(' '.join(m for m in ('torch', 'transformers', 'pandas', 'sklearn', 'pysam') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
