"""One multi-label model, four front doors: ``predict``, ``scan``, ``variants`` and the web API give the same per-label scores.

The model is a real (random-init) CNN with a three-label head, saved and loaded as a user's would be;
every command runs through its entry point. The genome is cut so that the scan's windows, the
variants' REF windows and the records sent to ``predict`` and the server are the same 200 bp.
"""

from __future__ import annotations

import pandas as pd
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from enhancerlm.cli.main import app
from enhancerlm.models import create_classifier
from enhancerlm.models.registry import CreateOptions
from enhancerlm.sequences.genome import open_genome
from enhancerlm.sequences.task import Task
from enhancerlm.serve.app import create_app
from enhancerlm.serve.served import load_served_model
from enhancerlm.variants.read import read_variants
from enhancerlm.variants.windows import extract_windows
from tests.helpers import fasta, random_dna, write_fasta
from tests.serve.helpers import wait_for

TASK = Task("multilabel", ("HepG2", "K562", "GM12878"))
W = 200
CHROMS = {"chr1": random_dna(3 * W, 11), "chr2": random_dna(2 * W, 12)}
COLUMNS = [f"p_{name}" for name in TASK.names]
RTOL, ATOL = 1e-5, 1e-6  # the same windows in other batches: float32 noise at most


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("agree")
    model = folder / "model"
    create_classifier("cnn", TASK, CreateOptions(seed=3)).save(model)
    genome = write_fasta(folder / "genome.fa", CHROMS)
    windows = {f"{c}_{s}": seq[s : s + W] for c, seq in CHROMS.items() for s in range(0, len(seq), W)}
    # a SNV at 1-based s + 100 has the REF window [s, s + 200) (checked below)
    vcf = folder / "v.tsv"
    rows = [(c, s + 100, seq[s + 99]) for c, seq in CHROMS.items() for s in range(0, len(seq), W)]
    pd.DataFrame(
        {"chrom": [r[0] for r in rows], "pos": [r[1] for r in rows], "ref": [r[2] for r in rows],
         "alt": ["A" if r[2] != "A" else "C" for r in rows], "id": list(windows)}
    ).to_csv(vcf, sep="\t", index=False)  # fmt: skip
    return folder, model, genome, windows, vcf


def _invoke(args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def test_predict_scan_variants_and_server_agree(setup):
    folder, model, genome, windows, vcf = setup
    records = write_fasta(folder / "windows.fa", windows)
    _invoke(["predict", "-m", model, "-i", records, "-o", folder / "p.tsv"])
    predicted = pd.read_csv(folder / "p.tsv", sep="\t", keep_default_na=False).set_index("id")[COLUMNS]

    _invoke(["scan", "-m", model, "-g", genome, "-o", folder / "scan", "--window-bp", W, "--stride-bp", W])
    for name, column in zip(TASK.names, COLUMNS):
        track = pd.read_csv(folder / "scan" / f"scores.{name}.bedgraph", sep="\t", skiprows=1, header=None)
        scanned = pd.Series(track[3].to_numpy(), index=[f"{c}_{s}" for c, s in zip(track[0], track[1])])
        pd.testing.assert_series_equal(
            scanned, predicted[column].loc[scanned.index], rtol=RTOL, atol=ATOL, check_names=False
        )
        assert len(scanned) == len(windows)

    with open_genome(genome) as g:  # the variants' REF windows are the scan's windows
        assert extract_windows(g, read_variants(vcf), W, {c: c for c in CHROMS}).ref == list(windows.values())
    _invoke(["variants", "-m", model, "--vcf", vcf, "-g", genome, "-o", folder / "var", "--window-bp", W, "--top-n", 0])
    effects = pd.read_csv(folder / "var" / "variants.tsv", sep="\t", keep_default_na=False).set_index("id")
    for name, column in zip(TASK.names, COLUMNS):
        pd.testing.assert_series_equal(
            effects[f"p_ref_{name}"], predicted[column], rtol=RTOL, atol=ATOL, check_names=False
        )

    with TestClient(create_app(load_served_model(model))) as client:
        answer = client.post("/api/predict", data={"sequences": fasta(windows)})
        rows = wait_for(client, answer.json()["url"])["result"]["rows"]
    served = pd.DataFrame([r["scores"] for r in rows], index=pd.Index([r["id"] for r in rows], name="id"))[COLUMNS]
    pd.testing.assert_frame_equal(served, predicted.astype("float64"), rtol=RTOL, atol=ATOL)
