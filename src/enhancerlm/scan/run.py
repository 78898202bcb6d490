"""``scan_genome``: check everything, score the unfinished chunks (this process's share), assemble."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from enhancerlm.chunks import CHUNK_DIR, ChunkStore, genome_fingerprint, text_digest
from enhancerlm.io import write_text_atomic
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.models.quantize import quantize
from enhancerlm.progress import progress_bar
from enhancerlm.provenance import versions
from enhancerlm.scan.assemble import CallSettings, assemble
from enhancerlm.scan.config import ScanConfig
from enhancerlm.scan.distributed import Process, current_process
from enhancerlm.scan.score import JobModel, job_model, place_model, score_block, score_column
from enhancerlm.scan.tiling import Tiling
from enhancerlm.sequences.genome import Genome, open_genome, read_regions, whole_genome_regions

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
INDEX_DIR = ".index"  # FASTA indexes built here when the genome's folder is read-only


@dataclass(frozen=True)
class ScanResult:
    """What a scan did.

    Attributes
    ----------
    out : Path
    n_windows, n_chunks : int
        Windows and chunks of the whole scan.
    n_chunks_scored : int
        Chunks this process scored in this call (fewer on a resume or with several processes).
    seconds : float
        Wall time of this call, model loading included.
    summary : dict or None
        Contents of ``summary.json``; None on processes other than 0.
    """

    out: Path
    n_windows: int
    n_chunks: int
    n_chunks_scored: int
    seconds: float
    summary: dict | None


def scan_genome(
    model: str | Path | SequenceClassifier,
    genome: str | Path,
    out: str | Path,
    config: ScanConfig = ScanConfig(),
    *,
    regions: str | Path | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> ScanResult:
    """Scan a genome (or the BED ``regions`` of it) with a saved classifier; write outputs into ``out``.

    Writes ``scores.bedgraph`` (and ``scores.bw`` with pyBigWig), ``enhancers.bed`` and
    ``summary.json``; ``out/.chunks`` keeps finished chunks so that a rerun resumes. Inputs and
    settings are checked before any output is written (only a FASTA index built into ``out/.index``
    may precede a failed check). Under ``torchrun``/``accelerate launch`` the processes share the
    chunks and process 0 writes the outputs.

    Parameters
    ----------
    model : str, Path or SequenceClassifier
        Folder of a model saved by enhancerlm, or a classifier in memory (saved once to a temporary
        folder so that a resume can tell it is the same model; moved to the scan's device).
    genome : str or Path
        FASTA, plain or bgzip; indexed, or indexable (see ``enhancerlm.sequences.genome``).
    out : str or Path
        Output folder; rerunning into it resumes.
    config : ScanConfig
    regions : str or Path, optional
        BED file of regions to scan; None scans every sequence.
    on_chunk : callable, optional
        Called with a chunk's number after its scores are saved (progress, tests).

    Returns
    -------
    ScanResult

    Raises
    ------
    InputError
        Bad FASTA or BED (names the file, line and interval).
    ConfigError
        Bad settings, a window longer than the model's maximum, or a resume with other settings.
    """
    began, out = time.perf_counter(), Path(out)
    source = job_model(model)
    classifier = source.classifier
    column = score_column(classifier.label_map, config.class_name)
    config = config.for_model(classifier.max_bp)
    process = current_process()
    with open_genome(genome, index_dir=out / INDEX_DIR) as fasta:
        region_list = read_regions(regions, fasta.chrom_sizes) if regions else whole_genome_regions(fasta.chrom_sizes)
        assert config.window_bp is not None and config.stride_bp is not None  # for_model filled both
        tiling = Tiling(region_list, config.window_bp, config.stride_bp)
        store = ChunkStore(out / CHUNK_DIR, "scan")
        manifest = _manifest(source, fasta, tiling, config, classifier.label_map.names[column], process)
        store.check_manifest(manifest)
        place_model(classifier, process.device, config.compile)
        classifier = quantize(classifier, config.quantize)
        todo = _claim_chunks(store, manifest, tiling.n_chunks(config.chunk_windows), process)
        _score_chunks(todo, classifier, column, fasta, tiling, store, config, process, on_chunk)
        process.barrier()
        summary = _write_outputs(out, tiling, store, config, fasta, source.name, regions) if process.is_main else None
        process.barrier()
    seconds = time.perf_counter() - began
    log.info(
        "scanned %d bp in %.1f s (%.0f bp/s, %d chunks scored here)",
        tiling.region_bp,
        seconds,
        tiling.region_bp / seconds,
        len(todo),
    )
    return ScanResult(out, tiling.n_windows, tiling.n_chunks(config.chunk_windows), len(todo), seconds, summary)


def _score_chunks(
    todo: list[int],
    classifier,
    column: int,
    fasta: Genome,
    tiling: Tiling,
    store: ChunkStore,
    config: ScanConfig,
    process: Process,
    on_chunk: Callable[[int], None] | None,
) -> None:
    """Score and save the chunks numbered ``todo``, in order; progress on stderr from process 0 only."""
    for index in progress_bar(todo, desc="scan chunks", unit="chunk", disable=not process.is_main):
        block = tiling.chunk(index, config.chunk_windows)
        store.save(
            index,
            score_block(
                classifier,
                fasta,
                tiling,
                block,
                column=column,
                rc=config.both_strands,
                max_n_fraction=config.max_n_fraction,
                batch_size=config.batch_size,
            ),
        )
        if on_chunk is not None:
            on_chunk(index)


def _claim_chunks(store: ChunkStore, manifest: dict, n_chunks: int, process: Process) -> list[int]:
    """This process's share of the unfinished chunks; every process lists them before any is written."""
    if process.is_main:
        store.start(manifest)
    process.barrier()
    done = store.done()
    process.barrier()
    pending = [i for i in range(n_chunks) if i not in done]
    if done and process.is_main:
        log.info("resuming: %d of %d chunks already scored", n_chunks - len(pending), n_chunks)
    return process.share(pending)


def _manifest(
    model: JobModel, fasta: Genome, tiling: Tiling, config: ScanConfig, class_name: str, process: Process
) -> dict:
    """Everything a chunk's scores depend on; a resume must match it exactly."""
    regions = "".join(f"{r.chrom}\t{r.start}\t{r.end}\n" for r in tiling.regions)
    return {
        "format": 1,
        "model_sha256": model.sha256,
        **genome_fingerprint(fasta.path, fasta.chrom_sizes),
        "regions_sha256": text_digest(regions),
        "window_bp": config.window_bp,
        "stride_bp": config.stride_bp,
        "reverse_complement": config.both_strands,  # the manifest's old key: partial scans stay resumable
        "max_n_fraction": config.max_n_fraction,
        "class": class_name,
        "chunk_windows": config.chunk_windows,
        "n_windows": tiling.n_windows,
        # bf16 on GPUs and fp32 on CPUs give slightly different scores: do not mix them in one scan.
        "device_type": process.device.type,
        # int8 and fp32 scores differ a little too; the key only when set, so older scans stay resumable.
        **({"quantize": config.quantize} if config.quantize != "none" else {}),
    }


def _write_outputs(
    out: Path, tiling: Tiling, store: ChunkStore, config: ScanConfig, fasta: Genome, model: str, regions
) -> dict:
    calls = CallSettings(config.threshold, config.merge_gap_bp, config.min_length_bp)
    description = f"enhancer probability, {config.window_bp} bp windows every {config.stride_bp} bp"
    stats = assemble(out, tiling, store, config.chunk_windows, calls, fasta.chrom_sizes, description)
    summary = {
        "versions": versions(),
        "model": model,
        "genome": str(fasta.path),
        "regions": None if regions is None else str(regions),
        "config": dataclasses.asdict(config),
        "n_regions": len(tiling.regions),
        "region_bp": tiling.region_bp,
        "n_windows": tiling.n_windows,
        "n_windows_scored": stats.n_scored,
        "n_windows_skipped_n": stats.n_skipped,
        "n_bedgraph_intervals": stats.n_pieces,
        "n_enhancers": stats.n_calls,
        "enhancer_bp": stats.call_bp,
        "outputs": list(stats.files),
    }
    write_text_atomic(out / SUMMARY, json.dumps(summary, indent=2) + "\n")
    return summary
