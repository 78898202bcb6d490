"""The Python front door: a user's verbs on plain data, as ``import enhancerlm as elm`` gives them.

Every function takes what a notebook holds (a model, or the path or registry name of one; a SPEC, a
list of sequences or a DataFrame) and returns plain data (a DataFrame, an array, a result object).
The CLI commands call these functions or the same library function beneath them, so a notebook and
a shell give the same numbers. Heavy libraries (torch, transformers) load on first use.

    import enhancerlm as elm
    model = elm.fit("kmer-lr", "train.tsv")
    table = elm.predict(model, ["ACGT...", "TTGA..."])    # id, probability, prediction, p_<class>

The verbs by what they work on: ``inputs`` (load, read_sequences), ``analysis`` (predict, embed,
attribute, explain, mutagenesis), ``genome`` (scan_genome, score_variants), ``training`` (fit,
run_experiment).
"""

from enhancerlm.api.analysis import attribute, embed, explain, mutagenesis, predict
from enhancerlm.api.genome import scan_genome, score_variants
from enhancerlm.api.inputs import load, read_sequences
from enhancerlm.api.training import fit, run_experiment

__all__ = [
    "attribute",
    "embed",
    "explain",
    "fit",
    "load",
    "mutagenesis",
    "predict",
    "read_sequences",
    "run_experiment",
    "scan_genome",
    "score_variants",
]
