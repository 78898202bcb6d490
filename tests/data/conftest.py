"""Tiny hand-made train/test tables whose duplicate structure is known exactly."""

from types import SimpleNamespace

import pytest
import typer

from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.sequences.records import make_table

# Unrelated random 40-mers (pairwise canonical 8-mer Jaccard < 0.1).
A = "TGGTGTTAACCTTACTATACTCCCGCTCCGGGGTTTGGCT"
B = "CATATGAACAAGTCTTTGCGCCCATAAATGTAGCCAGTGA"
C = "GCTTAGTTGGAGCAAGGGGTGCGGAAGCGCAACTCCGTCG"
D = "CGCGGGTAGCCAACTACTTAAGACCTAGGATTCTGTTGCA"
E = "GATTAGAACTTGGGACTCAAGATTGCTGCCCTAAGCTATA"
F = "CTAGGCAGCTGCAGCGTCTGGTTTTACTCAGTGTGATCTT"
D_ONE_MISMATCH = D[:20] + "T" + D[21:]  # D[20] is "C"


@pytest.fixture
def dna():
    """The sequences above by name: dna.A ... dna.F, dna.D_ONE_MISMATCH."""
    return SimpleNamespace(A=A, B=B, C=C, D=D, E=E, F=F, D_ONE_MISMATCH=D_ONE_MISMATCH)


@pytest.fixture
def train():
    """a2 repeats a (within-train duplicate)."""
    return make_table(
        ["a", "b", "c", "d", "a2"],
        [A, B, C, D, A],
        ["enhancer", "not_enhancer", "enhancer", "not_enhancer", "enhancer"],
    )


@pytest.fixture
def test():
    """t_exact = a, t_rc = revcomp(b) with another label, t_near = d with one mismatch, e twice, f."""
    return make_table(
        ["t_exact", "t_rc", "t_near", "t_e1", "t_e2", "t_f"],
        [A, reverse_complement(B), D_ONE_MISMATCH, E, E, F],
        ["enhancer", "enhancer", "not_enhancer", "enhancer", "not_enhancer", "not_enhancer"],
    )


@pytest.fixture
def cli_app():
    """The real `enhancerlm` app once `data` is wired in; until then the same error handling, locally."""
    from enhancerlm.cli import data as data_cli
    from enhancerlm.cli import main

    if any(group.name == "data" for group in main.app.registered_groups):
        return main.app
    app = typer.Typer(cls=main._Group, pretty_exceptions_enable=False)
    app.callback()(lambda: None)
    data_cli.register(app)
    return app
