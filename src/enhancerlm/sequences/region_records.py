"""A region file read as sequence records: each region cut from a genome, as it is (``--input peaks.bed --genome hg38.fa``).

Each region keeps its own length (a long one is windowed later, as any long record is), its strand is
honoured (``-`` reverse-complemented, as Genomic Benchmarks' loader does), and its coordinates travel
on in the ``chrom, start, end, strand`` columns. Regions the genome cannot give (a chromosome it lacks,
past a chromosome's end) are dropped with a WARNING that counts them, as ``data build`` drops them.
Ids are the region's name (BED column 4, a GB table's ``id``) or ``chrom:start-end`` where it has none.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Iterator

import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.dna import reverse_complement
from enhancerlm.sequences.genome import open_genome
from enhancerlm.sequences.records import make_table
from enhancerlm.sequences.regions import place_regions, read_region_file
from enhancerlm.sequences.tables import table_stem

log = logging.getLogger(__name__)


def region_chunks(
    path: str | Path,
    label: str | None,
    genome: str | Path | None,
    *,
    map_chroms: bool = False,
    split: str = "",
    chunk_size: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Canonical tables (plus ``chrom, start, end, strand``) of at most ``chunk_size`` regions, in file order.

    Parameters
    ----------
    path : str or Path
        A region file (:mod:`enhancerlm.sequences.regions`).
    label : str or None
        Every record's label (``PATH:LABEL``); a Genomic Benchmarks class table without one is labelled
        by its file name (``positive.csv.gz`` -> ``positive``), as its folder reader labels it.
    genome : str or Path or None
        The FASTA the regions refer to; None is an InputError saying to give one.
    map_chroms : bool
        Translate ``chr1`` <-> ``1`` between the file and the genome.

    Raises
    ------
    InputError
        No genome, a malformed region file (file and line), or no region inside the genome.
    """
    if genome is None:
        raise InputError(f"{path} is a region file: give --genome FASTA to read its sequences from the genome")
    table = read_region_file(path)
    if label is None and table.attrs["format"] == "genomic_benchmarks":
        label = table_stem(path)
    with tempfile.TemporaryDirectory(prefix="enhancerlm-index.") as index_dir, open_genome(genome, index_dir) as fasta:
        kept = place_regions(table, fasta.chrom_sizes, map_chroms=map_chroms).kept
        if kept.empty:
            raise InputError(f"{path}: no region lies inside the genome {genome}")
        step = chunk_size or len(kept)
        for first in range(0, len(kept), step):
            part = kept.iloc[first : first + step]
            seqs = [fasta.fetch(c, s, e) for c, s, e in zip(part["chrom"], part["start"], part["end"])]
            seqs = [reverse_complement(q) if strand == "-" else q for q, strand in zip(seqs, part["strand"])]
            yield _table(part, seqs, label, split, str(path))


def _table(part: pd.DataFrame, seqs: list[str], label: str | None, split: str, source: str) -> pd.DataFrame:
    coords = part["chrom"] + ":" + part["start"].astype(str) + "-" + part["end"].astype(str)
    ids = part["name"].where(part["name"] != "", coords).tolist()
    descriptions = (coords + "(" + part["strand"] + ")").tolist()
    labels = None if label is None else [label] * len(part)
    table = make_table(ids, seqs, labels, split=split, source=source, descriptions=descriptions)
    return table.assign(
        chrom=part["chrom"].to_numpy(),
        start=part["start"].to_numpy(),
        end=part["end"].to_numpy(),
        strand=part["strand"].to_numpy(),
    )
