"""``score_variants``: check the inputs, score the unfinished chunks of variants, write the outputs."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from enhancerlm.chunks import CHUNK_DIR, ChunkStore, file_digest, genome_fingerprint
from enhancerlm.device import best_device
from enhancerlm.errors import InputError
from enhancerlm.experiment.folder import training_length_bp
from enhancerlm.io import write_text_atomic
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.progress import progress_bar
from enhancerlm.provenance import versions
from enhancerlm.scan.score import JobModel, job_model, place_model, score_column
from enhancerlm.sequences.chroms import chrom_mapping
from enhancerlm.sequences.genome import Genome, open_genome
from enhancerlm.variants import outputs
from enhancerlm.variants.config import VariantConfig
from enhancerlm.variants.plots import PLOT, plot_top_variants
from enhancerlm.variants.read import is_vcf, read_variants
from enhancerlm.variants.score import effects, score_windows
from enhancerlm.variants.windows import extract_windows

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
INDEX_DIR = ".index"  # FASTA indexes built here when the genome's folder is read-only (as scan does)
N_TOP_SUMMARY = 20


@dataclass(frozen=True)
class VariantResult:
    """What a variants run produced.

    Attributes
    ----------
    out : Path
    table : pandas.DataFrame
        ``variants.tsv``: the scored variants in input order.
    skipped : pandas.DataFrame
        ``skipped.tsv``: id, chrom, pos, ref, alt, reason, detail.
    summary : dict
        ``summary.json``.
    seconds : float
        Wall time, model loading included.
    """

    out: Path
    table: pd.DataFrame
    skipped: pd.DataFrame
    summary: dict
    seconds: float


def score_variants(
    model: str | Path | SequenceClassifier,
    variants: str | Path,
    genome: str | Path,
    out: str | Path,
    config: VariantConfig = VariantConfig(),
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> VariantResult:
    """Score every variant of a VCF/BCF/TSV with a saved classifier; write the outputs into ``out``.

    Writes ``variants.tsv``, ``skipped.tsv``, ``variants.vcf.gz`` (+ ``.tbi`` when sorted),
    ``summary.json`` and ``top_variants.png``; ``out/.chunks`` keeps finished chunks of variants, so a
    rerun with the same inputs and settings resumes. Every input is checked (and, with ``strict``,
    every REF allele) before a chunk is written.

    Parameters
    ----------
    model : str, Path or SequenceClassifier
        Folder of a model saved by enhancerlm, or a classifier in memory (saved once to a temporary
        folder so that a resume can tell it is the same model).
    variants : str or Path
        VCF, VCF.gz, BCF or TSV (``enhancerlm.variants.read``).
    genome : str or Path
        FASTA, plain or bgzip; indexed or indexable (``enhancerlm.sequences.genome``).
    out : str or Path
        Output folder.
    config : VariantConfig
    on_chunk : callable, optional
        Called with a chunk's number after its scores are saved (progress, tests).

    Raises
    ------
    InputError
        Unreadable inputs, chromosome names in the other convention (without ``map_chroms``), no
        variant on a genome sequence, a REF mismatch under ``strict``.
    ConfigError
        Bad settings, or a resume with other inputs or settings.
    """
    began, out = time.perf_counter(), Path(out)
    source = job_model(model)
    classifier = source.classifier
    column = score_column(classifier.label_map, config.class_name)
    trained_bp = training_length_bp(source.folder) if classifier.max_bp is None and source.folder else None
    config = config.for_model(classifier.max_bp, trained_bp)
    if trained_bp and config.window_bp == trained_bp:
        log.info(
            "windows of %d bp: the mean length of the model's training records (--window-bp to change)", trained_bp
        )
    table = read_variants(variants)
    # A core install (no extras) still scores a TSV of variants; the outputs that need an extra are left out.
    write_vcf = _installed("pysam", outputs.VCF, "variants")
    if config.top_n and not _installed("logomaker", PLOT, "interpret"):
        config = dataclasses.replace(config, top_n=0)
    with open_genome(genome, index_dir=out / INDEX_DIR) as fasta:
        chrom_map = chrom_mapping(table["chrom"], fasta.chrom_sizes, config.map_chroms)
        if not any(chrom_map.values()):
            raise InputError(
                f"none of the variants' chromosomes ({', '.join(list(chrom_map)[:5])}) is in {fasta.path} "
                f"(it has {', '.join(list(fasta.chrom_sizes)[:5])})"
            )
        store = ChunkStore(out / CHUNK_DIR, "variants run")
        manifest = _manifest(source, variants, fasta, config, classifier, column, len(table))
        store.check_manifest(manifest)
        if config.strict:
            _check_refs(fasta, table, config, chrom_map)
        place_model(classifier, best_device())
        store.start(manifest)
        _score_chunks(classifier, fasta, table, store, config, chrom_map, on_chunk)
        scores = _load_scores(store, len(table), config.chunk_variants, 2 * classifier.label_map.n_classes + 1)
        result = _write_outputs(out, classifier, column, fasta, table, scores, config, chrom_map, variants, write_vcf)
    summary = _summary(result, table, scores, config, source.name, genome, variants, classifier, column)
    write_text_atomic(out / SUMMARY, json.dumps(summary, indent=2) + "\n")
    seconds = time.perf_counter() - began
    log.info("scored %d variants in %.1f s (%.0f variants/s)", len(result[0]), seconds, len(table) / seconds)
    return VariantResult(out, result[0], result[1], summary, seconds)


def _chunks(n: int, size: int):
    return [range(lo, min(lo + size, n)) for lo in range(0, n, size)]


def _check_refs(fasta: Genome, table: pd.DataFrame, config: VariantConfig, chrom_map) -> None:
    """Under --strict, raise on the first REF mismatch before anything is written (windows are discarded)."""
    assert config.window_bp is not None  # for_model filled it
    for rows in _chunks(len(table), config.chunk_variants):
        extract_windows(fasta, table.iloc[rows], config.window_bp, chrom_map, strict=True)


def _score_chunks(classifier, fasta, table, store: ChunkStore, config: VariantConfig, chrom_map, on_chunk) -> None:
    assert config.window_bp is not None  # for_model filled it
    chunks = _chunks(len(table), config.chunk_variants)
    done = store.done()
    if done:
        log.info("resuming: %d of %d chunks already scored", len(done), len(chunks))
    for index in progress_bar([i for i in range(len(chunks)) if i not in done], desc="variant chunks", unit="chunk"):
        windows = extract_windows(fasta, table.iloc[chunks[index]], config.window_bp, chrom_map)
        scores = score_windows(classifier, windows, both_strands=config.both_strands, batch_size=config.batch_size)
        store.save(index, scores.ravel())
        if on_chunk is not None:
            on_chunk(index)


def _load_scores(store: ChunkStore, n: int, chunk_variants: int, width: int) -> np.ndarray:
    """All chunks' rows, shape=(n, width): p_ref per class, p_alt per class, non-ACGT bases in the REF window."""
    parts = [
        store.load(i, (len(rows) * width,)).reshape(len(rows), width)
        for i, rows in enumerate(_chunks(n, chunk_variants))
    ]
    return np.concatenate(parts)


def _installed(module: str, output: str, extra: str) -> bool:
    """Whether the optional ``module`` that ``output`` needs is installed; a WARNING saying what is left out if not."""
    if importlib.util.find_spec(module) is not None:
        return True
    log.warning("%s is not installed: %s is not written (pip install 'enhancerlm[%s]')", module, output, extra)
    return False


def _write_outputs(
    out: Path, classifier: SequenceClassifier, column: int, fasta, table, scores, config, chrom_map, source, write_vcf
):
    """variants.tsv, skipped.tsv, the annotated VCF and the top-variant plot; returns (table, skipped, files)."""
    n_classes = classifier.label_map.n_classes
    names = classifier.label_map.names
    values = effects(scores[:, :n_classes], scores[:, n_classes : 2 * n_classes], column, names)
    scored = np.isfinite(scores[:, 0])
    # Skip reasons are cheap to recompute and are not kept in the chunks: only skipped variants are re-read.
    reasons = np.full(len(table), "", dtype=object)
    skipped_rows = np.flatnonzero(~scored)
    again = extract_windows(fasta, table.iloc[skipped_rows], config.window_bp, chrom_map)
    reasons[skipped_rows] = again.skip
    skipped = table.iloc[skipped_rows][outputs.KEY_COLUMNS].assign(reason=again.skip, detail=again.detail)
    result = outputs.result_table(table, values, scored)
    outputs.write_tsv(out / outputs.TSV, result)
    outputs.write_tsv(out / outputs.SKIPPED, skipped)
    files = [outputs.TSV, outputs.SKIPPED]
    if write_vcf:
        fields = outputs.info_fields(names, column, config.window_bp)
        outputs.write_vcf(Path(source) if is_vcf(source) else None, out / outputs.VCF, table, values, fields, reasons)
        files.append(outputs.VCF)
    if config.top_n and len(result):
        top = outputs.top_variants(result, config.top_n)
        windows = extract_windows(fasta, table.iloc[np.flatnonzero(scored)[top.index]], config.window_bp, chrom_map)
        plot_top_variants(classifier, top, windows, out / PLOT, target=names[column], batch_size=config.batch_size)
        files.append(PLOT)
    return result, skipped, files


def _manifest(
    model: JobModel, variants, fasta: Genome, config: VariantConfig, classifier, column: int, n_variants: int
) -> dict:
    """Everything a chunk's scores depend on; a resume must match it exactly."""
    return {
        "format": 1,
        "model_sha256": model.sha256,
        "variants_sha256": file_digest([variants]),
        **genome_fingerprint(fasta.path, fasta.chrom_sizes),
        "window_bp": config.window_bp,
        "both_strands": config.both_strands,
        "map_chroms": config.map_chroms,
        "class": classifier.label_map.names[column],
        "chunk_variants": config.chunk_variants,
        "n_variants": n_variants,
        "device_type": best_device().type,  # bf16 on GPUs, fp32 on CPUs: not mixed in one run
    }


def _summary(result, table, scores, config, model: str, genome, variants, classifier, column) -> dict:
    scored_table, skipped, files = result
    top = outputs.top_variants(scored_table, N_TOP_SUMMARY)
    return {
        "versions": versions(),
        "model": model,
        "genome": str(genome),
        "variants": str(variants),
        "config": config.to_dict(),
        "class": classifier.label_map.names[column],
        "n_records": int(table["record"].nunique()),
        "n_alleles": len(table),
        "n_scored": len(scored_table),
        "n_skipped": {reason: int(n) for reason, n in skipped["reason"].value_counts().sort_index().items()},
        "n_windows_with_non_acgt": int(np.count_nonzero(scores[:, -1] > 0)),
        "delta": outputs.delta_summary(scored_table["delta"].to_numpy(dtype=np.float64)),
        "delta_histogram": outputs.delta_histogram(scored_table["delta"].to_numpy(dtype=np.float64)),
        "log_odds_delta": outputs.delta_summary(scored_table["log_odds_delta"].to_numpy(dtype=np.float64)),
        "top": json.loads(top.to_json(orient="records")),
        "outputs": files + [SUMMARY],
    }
