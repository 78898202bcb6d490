"""Resumable jobs over a genome: tile and scan it, score the variants of a VCF."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, cast

from enhancerlm.api.inputs import Model, with_settings
from enhancerlm.experiment.folder import model_folder
from enhancerlm.models.base import SequenceClassifier

if TYPE_CHECKING:  # the result types; each loads with its function
    from enhancerlm.scan import ScanConfig, ScanResult
    from enhancerlm.variants import VariantConfig, VariantResult


def scan_genome(
    model: Model,
    genome: str | Path,
    out: str | Path,
    *,
    regions: str | Path | None = None,
    config: ScanConfig | None = None,
    **settings,
) -> ScanResult:
    """Tile a genome (or the BED ``regions`` of it) into windows, score them, call enhancers.

    Parameters
    ----------
    model : SequenceClassifier, str or Path
        A trained classifier (it may be moved to the scan's device), its folder, or its run folder.
    genome : str or Path
        FASTA, plain or bgzip; indexed, or indexable.
    out : str or Path
        Output folder: ``scores.bedgraph`` (0-based half-open windows, probability), ``enhancers.bed``,
        ``summary.json``; rerunning into it resumes.
    regions : str or Path, optional
        BED file of regions to scan; None: every sequence.
    config : ScanConfig, optional
        Settings; ``settings`` (any ScanConfig field: ``window_bp``, ``stride_bp``, ``threshold``,
        ``both_strands`` ...) override it.

    Returns
    -------
    ScanResult
        Counts, wall time and ``summary`` (``summary.json``).

    Notes
    -----
    Cost: one forward per ``stride_bp`` of genome (default window 512 bp, or the model's); memory
    holds one chunk of ``chunk_windows`` windows.
    """
    from enhancerlm.scan import ScanConfig
    from enhancerlm.scan import scan_genome as scan_folder

    settings_ = with_settings(ScanConfig, config, settings)
    with _device_kept(model):
        return scan_folder(_job_model(model), genome, out, settings_, regions=regions)


def score_variants(
    model: Model,
    variants: str | Path,
    genome: str | Path,
    out: str | Path,
    *,
    config: VariantConfig | None = None,
    **settings,
) -> VariantResult:
    """REF vs ALT window of every variant of a VCF/BCF/TSV: p_ref, p_alt, delta, log-odds delta.

    Parameters
    ----------
    model : SequenceClassifier, str or Path
        A trained classifier, its folder, or its run folder.
    variants : str or Path
        VCF, VCF.gz, BCF, or a TSV of ``chrom, pos`` (1-based), ``ref, alt[, id]``.
    genome : str or Path
        FASTA the windows are cut from (plain or bgzip).
    out : str or Path
        Output folder: ``variants.tsv``, ``variants.vcf.gz``, ``skipped.tsv``, ``summary.json``,
        ``top_variants.png``; rerunning into it resumes.
    config : VariantConfig, optional
        Settings; ``settings`` (any VariantConfig field: ``window_bp``, ``both_strands``, ``top_n``,
        ``map_chroms`` ...) override it.

    Returns
    -------
    VariantResult
        ``table`` (``variants.tsv``: id, chrom, pos, ref, alt, p_ref, p_alt, delta, log_odds_delta),
        ``skipped``, ``summary``.
    """
    from enhancerlm.variants import VariantConfig
    from enhancerlm.variants import score_variants as score_folder

    settings_ = with_settings(VariantConfig, config, settings)
    with _device_kept(model):
        return score_folder(_job_model(model), variants, genome, out, settings_)


def _job_model(model: Model) -> SequenceClassifier | Path:
    """What a resumable job takes: a classifier as it is, else the saved model folder a path names."""
    return model if isinstance(model, SequenceClassifier) else model_folder(model)


@contextlib.contextmanager
def _device_kept(model: Model) -> Iterator[None]:
    """Leave a user's classifier on the device it was on (a job moves it to the job's device)."""
    device = getattr(model, "device", None) if isinstance(model, SequenceClassifier) else None
    try:
        yield
    finally:
        if device is not None:
            cast(SequenceClassifier, model).to(device)
