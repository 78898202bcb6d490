"""What a trained model says about sequences: probabilities, embeddings, attributions, mutations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import pandas as pd

from enhancerlm.api.inputs import Model, Sequences, load, read_for_model, with_settings
from enhancerlm.errors import InputError
from enhancerlm.experiment.folder import model_folder
from enhancerlm.models.base import SequenceClassifier

if TYPE_CHECKING:  # the result types; each loads with its function
    import numpy as np

    from enhancerlm.interpret.config import ExplainConfig
    from enhancerlm.interpret.explain import ExplainResult


def predict(
    model: Model,
    X: Sequences,
    *,
    both_strands: bool = False,
    batch_size: int | None = None,
    stride_bp: int | None = None,
    aggregate: str = "mean",
) -> pd.DataFrame:
    """Class probabilities of every record, as the table ``enhancerlm predict`` writes.

    Parameters
    ----------
    model : SequenceClassifier, str or Path
        A trained classifier, its folder, or its run folder.
    X : str, Path, list of str or DataFrame
        As :func:`read_sequences` takes it; labels, if any, are ignored.
    both_strands : bool
        Average each record's probabilities with its reverse complement's.
    batch_size : int, optional
        Windows per forward pass (default: 64 on CPU, 256 on GPU).
    stride_bp : int, optional
        Step, in bp, between the windows of records longer than the model's window (default: half one).
    aggregate : {"mean", "max"}
        Windows -> record: mean probabilities, or those of the highest-scoring window.

    Returns
    -------
    pandas.DataFrame
        One row per record in input order: ``id``, ``probability`` (the positive class; the top class
        with more than two), ``prediction`` (class name), ``p_<class>`` for every class.

    Notes
    -----
    Cost: one forward per window (twice with ``both_strands``); memory holds the whole input.
    ``enhancerlm predict`` streams files in chunks through the same :func:`enhancerlm.predict.predict_table`.
    """
    from enhancerlm.predict import predict_table

    classifier = load(model, require_trained=True)
    table = read_for_model(X, classifier, label_column=None)
    return predict_table(
        classifier, table, batch_size=batch_size, stride_bp=stride_bp, aggregate=aggregate, both_strands=both_strands
    )


def embed(
    model: Model,
    X: Sequences,
    *,
    pooling: str = "mean",
    layers: Sequence[int] = (-1,),
    batch_size: int | None = None,
    stride_bp: int | None = None,
    trust_remote_code: bool = False,
) -> np.ndarray:
    """Frozen embeddings of a transformer backbone, one row per record.

    Parameters
    ----------
    model : SequenceClassifier, str or Path
        A transformer (registry name, hub id, pre-trained or fine-tuned folder, run folder) or a
        saved probe (its frozen backbone embeds). k-mer, GC, CNN models: ConfigError.
    X : str, Path, list of str or DataFrame
        As :func:`read_sequences` takes it.
    pooling : {"mean", "cls"}
        A window's vector: the mean over its own tokens ([CLS]/[SEP] and padding left out), or [CLS].
    layers : sequence of int
        Hidden layers averaged: -1 the last, 0 the embedding output, n after layer n.
    batch_size, stride_bp : int, optional
        As in :func:`predict`; a long record's window vectors are averaged, weighted by bp.

    Returns
    -------
    np.ndarray, shape=(n_records, hidden_size), float32
        In input order; ``enhancerlm embed`` writes the same rows to a ``.npy``.
    """
    from enhancerlm.embeddings import embed_sequences, embedding_model, load_backbone

    if isinstance(model, SequenceClassifier):
        transformer = embedding_model(model)
    else:
        transformer = load_backbone(str(model_folder(model)), trust_remote_code=trust_remote_code)
    seqs = read_for_model(X, transformer, label_column=None)["sequence"].tolist()
    return embed_sequences(
        transformer, seqs, pooling=pooling, layers=layers, batch_size=batch_size, stride_bp=stride_bp
    )


def attribute(
    model: Model, X: Sequences, method: str = "ism", *, target: str | None = None, batch_size: int | None = None
) -> list[np.ndarray]:
    """Per-base attribution of every record: which bases make the model call it what it calls it.

    Parameters
    ----------
    model : SequenceClassifier, str or Path
        A trained classifier, its folder, or its run folder.
    X : str, Path, list of str or DataFrame
        As :func:`read_sequences` takes it.
    method : {"ism", "ig", "attention"}
        ``"ism"`` (every model): log-odds of the record minus the mean over the 3 substitutions of a
        base; ``"ig"``: integrated gradients on the token embeddings (transformers), in log-odds;
        ``"attention"``: last-layer [CLS] attention (transformers with [CLS]).
    target : str, optional
        Class whose log-odds are explained (default: the positive class).
    batch_size : int, optional
        Sequences per forward pass.

    Returns
    -------
    list of np.ndarray, each shape=(length_bp,)
        One track per record, in input order; positive: the base supports ``target``.

    Notes
    -----
    Cost of ``"ism"``: 3 x L forward passes per record of L bp (each windowed like ``predict``).
    """
    from enhancerlm.interpret.attribution import attribute as attribute_seqs

    classifier = load(model, require_trained=True)
    seqs = read_for_model(X, classifier, label_column=None)["sequence"].tolist()
    return attribute_seqs(classifier, seqs, method, target=target, batch_size=batch_size)


def explain(
    model: Model, X: Sequences, out: str | Path, *, config: ExplainConfig | None = None, **settings
) -> ExplainResult:
    """The ``enhancerlm explain`` report: attribution tracks, top mutations, motifs vs JASPAR, explain.html.

    Parameters
    ----------
    model : SequenceClassifier, str or Path
        A trained classifier, its folder, or its run folder.
    X : str, Path, list of str or DataFrame
        As :func:`read_sequences` takes it; labels split the motif counts by class.
    out : str or Path
        Output folder, replaced whole when the run succeeds.
    config : ExplainConfig, optional
        Settings; ``settings`` (any ExplainConfig field, e.g. ``methods=("ism",)``, ``motifs=False``,
        ``max_seqs=50``) override it.

    Returns
    -------
    ExplainResult
        The explained table, per-base ``tracks`` per method, ``mutations``, ``rc``, ``motifs``, ``summary``.
    """
    # through the package: importing the submodule `explain` first would bind its name over the function's
    from enhancerlm.interpret import ExplainConfig
    from enhancerlm.interpret import explain as explain_table

    settings_ = with_settings(ExplainConfig, config, settings)
    classifier = load(model, require_trained=True)
    return explain_table(classifier, read_for_model(X, classifier), out, settings_)


def mutagenesis(
    model: Model,
    X: Sequences | None = None,
    *,
    genome: str | Path | None = None,
    region: str | None = None,
    out: str | Path | None = None,
    target: str | None = None,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Every single-base substitution of each record (or of a genome region), scored.

    Parameters
    ----------
    model : SequenceClassifier, str or Path
        A trained classifier, its folder, or its run folder.
    X : str, Path, list of str or DataFrame, optional
        The records to mutate; or give ``genome`` and ``region`` instead.
    genome : str or Path, optional
        FASTA (plain or bgzip) that ``region`` is cut from.
    region : str, optional
        ``CHROM:START-END``, 1-based inclusive as a genome browser shows it (commas allowed).
    out : str or Path, optional
        Also write ``mutagenesis.tsv``, ``max_abs_delta.bedgraph``, ``logo.png``, ``summary.json`` there
        (as ``enhancerlm mutagenesis``); None: compute only.
    target : str, optional
        Class whose log-odds change (default: the positive class).

    Returns
    -------
    pandas.DataFrame
        3 x L rows per sequence: ``id, chrom, pos`` (1-based), ``ref, alt, log_odds_delta, delta``
        (alt minus ref; delta in probability). Records are their own ``chrom``.

    Notes
    -----
    Cost: 3 x L forward passes per sequence of L bp (each windowed like ``predict``).
    """
    from enhancerlm.interpret.ism import saturation_mutagenesis
    from enhancerlm.variants import mutagenesis as ism

    classifier = load(model, require_trained=True)
    targets = _mutation_targets(classifier, X, genome, region, out)
    if out is not None:
        return ism.run_mutagenesis(classifier, targets, out, target=target, batch_size=batch_size)
    result = saturation_mutagenesis(classifier, targets.seqs, target=target, batch_size=batch_size)
    return ism.mutation_table(targets, result)


def _mutation_targets(classifier, X, genome, region, out):
    """The sequences to mutate: the records of ``X``, or ``region`` of ``genome``; exactly one of the two."""
    from enhancerlm.sequences.genome import open_genome
    from enhancerlm.variants import mutagenesis as ism

    if (region is None) == (X is None):
        raise InputError("give either region='CHROM:START-END' (with genome=FASTA) or the records to mutate")
    if X is not None:
        table = read_for_model(X, classifier, label_column=None)
        return ism.record_targets(table["id"].tolist(), table["sequence"].tolist())
    if genome is None:
        raise InputError(f"region {region!r} needs genome=FASTA")
    with open_genome(genome, index_dir=None if out is None else Path(out) / ".index") as fasta:
        return ism.region_targets(fasta, ism.parse_region(region, fasta.chrom_sizes))
