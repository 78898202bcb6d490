"""Indexed genome access: chromosome sizes and 0-based half-open slices streamed from a FASTA index.

The genome is never loaded into memory: pyfaidx reads each slice from disk through the ``.fai``
index (and ``.gzi`` for bgzip files). Index policy: an up-to-date index beside the FASTA (samtools'
convention) is used; otherwise one is built beside it when that folder is writable, else in
``index_dir`` (e.g. the scan's output folder), else the user is told to run ``samtools faidx``.
Indexes are built in a temporary folder and renamed into place, so a killed build leaves none.
Plain gzip cannot be read at random positions, so a gzip file that is not bgzip is an error.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pyfaidx

from enhancerlm.errors import InputError
from enhancerlm.sequences.regions import Region, merge_regions, place_regions, read_region_file, to_regions

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
# BGZF blocks are gzip members whose "extra" field holds a subfield with id "BC" (SAM spec, section 4.1).
_BGZF_FEXTRA = 0x04
_BGZF_SUBFIELD = b"BC"


class Genome:
    """Random access to a FASTA through its index; use ``open_genome`` to make one.

    Attributes
    ----------
    path : Path
        The FASTA file.
    chrom_sizes : dict of str to int
        Sequence name (first word of the header) -> length in bp, in FASTA order.
    """

    def __init__(self, path: Path, fasta: pyfaidx.Fasta):
        self.path = path
        self._fasta = fasta
        self.chrom_sizes = {name: len(record) for name, record in fasta.records.items()}

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Upper-case sequence of ``chrom[start:end]`` (0-based half-open, bp); bounds must lie inside."""
        self._check(chrom, start, end)
        return self._fasta[chrom][start:end]

    def fetch_raw(self, chrom: str, start: int, end: int) -> str:
        """``chrom[start:end]`` as the FASTA has it: soft-masked (lower-case) repeat bases stay lower case."""
        self._check(chrom, start, end)
        return self._fasta.faidx.from_file(chrom, start + 1, end) if end > start else ""

    def _check(self, chrom: str, start: int, end: int) -> None:
        size = self.chrom_sizes.get(chrom)
        if size is None:
            raise InputError(f"{self.path}: no sequence named {chrom!r}")
        if not 0 <= start <= end <= size:
            raise InputError(f"{self.path}: interval {chrom}:{start}-{end} lies outside {chrom} (0-{size})")

    def close(self) -> None:
        self._fasta.close()

    def __enter__(self) -> "Genome":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_genome(path: str | Path, index_dir: str | Path | None = None) -> Genome:
    """Open an indexed (or indexable) FASTA, plain or bgzip-compressed.

    Parameters
    ----------
    path : str or Path
        FASTA file; ``.gz``/``.bgz`` files must be bgzip-compressed.
    index_dir : str or Path, optional
        Where to find or build the index when the FASTA's own folder is read-only.

    Raises
    ------
    InputError
        Missing file, plain gzip, malformed FASTA, or no index and nowhere to build one.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"genome FASTA {path} does not exist")
    bgzf = _check_compression(path)
    fai, gzi = _find_or_build_index(path, bgzf, None if index_dir is None else Path(index_dir))
    try:
        fasta = pyfaidx.Fasta(
            str(path),
            indexname=str(fai),
            gzi_indexname=None if gzi is None else str(gzi),
            as_raw=True,
            sequence_always_upper=True,
            strict_bounds=True,
            rebuild=False,
            build_index=False,
        )
    except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat, ValueError) as err:
        raise InputError(f"genome FASTA {path}: cannot read it with its index {fai}: {err}") from None
    return Genome(path, fasta)


def _check_compression(path: Path) -> bool:
    """True for bgzip, False for plain text; plain gzip (or bgzip without a .gz name) is an InputError."""
    with open(path, "rb") as handle:
        head = handle.read(18)
    is_gzip = head[:2] == GZIP_MAGIC
    named_gz = path.suffix.lower() in (".gz", ".bgz")
    if not is_gzip:
        if named_gz:
            raise InputError(f"genome FASTA {path}: named {path.suffix} but it is not gzip-compressed")
        return False
    if not (len(head) >= 14 and head[3] & _BGZF_FEXTRA and head[12:14] == _BGZF_SUBFIELD):
        raise InputError(
            f"genome FASTA {path} is gzip-compressed but not with bgzip, so it cannot be read at random "
            f"positions; recompress it with bgzip (htslib/samtools), e.g. `gunzip {path} && "
            f"bgzip {path.with_suffix('')}`, or decompress it"
        )
    if not named_gz:
        raise InputError(f"genome FASTA {path} is bgzip-compressed: give it a .gz name so it is read as such")
    return True


def _find_or_build_index(path: Path, bgzf: bool, index_dir: Path | None) -> tuple[Path, Path | None]:
    """Paths of an up-to-date .fai (and .gzi for bgzip): beside the FASTA, in ``index_dir``, or freshly built."""
    folders = [path.parent] + ([index_dir] if index_dir is not None else [])
    for folder in folders:
        fai, gzi = _index_names(path, folder, bgzf)
        if _is_fresh(fai, path) and (gzi is None or _is_fresh(gzi, path)):
            return fai, gzi
    if _is_writable(path.parent):
        target = path.parent
    elif index_dir is not None:
        target = index_dir
    else:
        raise InputError(
            f"genome FASTA {path} has no up-to-date index ({path}.fai) and its folder is read-only; "
            f"index a writable copy with `samtools faidx`, or give an index folder"
        )
    fai, gzi = _index_names(path, target, bgzf)
    log.info("indexing %s into %s (done once, reused later)", path, fai)
    _build_index(path, fai, gzi)
    return fai, gzi


def _is_writable(folder: Path) -> bool:
    # Root may write anywhere; a folder without write bits (like a shared data folder) is still left alone.
    return os.access(folder, os.W_OK) and bool(folder.stat().st_mode & 0o222)


def _index_names(path: Path, folder: Path, bgzf: bool) -> tuple[Path, Path | None]:
    return folder / f"{path.name}.fai", (folder / f"{path.name}.gzi" if bgzf else None)


def _is_fresh(index: Path, fasta: Path) -> bool:
    return index.is_file() and index.stat().st_mtime >= fasta.stat().st_mtime


def _build_index(path: Path, fai: Path, gzi: Path | None) -> None:
    """Build the index in a temporary folder beside ``fai``, then rename it in (.fai last)."""
    fai.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".faidx.", dir=fai.parent) as tmp:
        tmp_fai, tmp_gzi = Path(tmp) / fai.name, Path(tmp) / f"{path.name}.gzi"
        try:
            pyfaidx.Faidx(str(path), indexname=str(tmp_fai), gzi_indexname=str(tmp_gzi) if gzi else None).close()
        except (pyfaidx.FastaIndexingError, pyfaidx.UnsupportedCompressionFormat, ValueError) as err:
            raise InputError(f"genome FASTA {path} cannot be indexed: {err}") from None
        except ImportError as err:  # pyfaidx reads bgzip through Biopython's Bio.bgzf
            raise InputError(f"genome FASTA {path}: reading bgzip needs Biopython ({err})") from None
        if gzi is not None:
            os.replace(tmp_gzi, gzi)
        os.replace(tmp_fai, fai)


def whole_genome_regions(chrom_sizes: dict[str, int]) -> list[Region]:
    """One region per sequence, in genome order (sorted by name, as ``sort -k1,1`` in the C locale)."""
    return [Region(chrom, 0, size) for chrom, size in sorted(chrom_sizes.items()) if size > 0]


def read_regions(path: str | Path, chrom_sizes: dict[str, int]) -> list[Region]:
    """Read a region file (:mod:`enhancerlm.sequences.regions`) for scanning: every interval must lie in
    the genome; sorted by (chrom, start), overlapping or book-ended intervals merged (as ``bedtools
    merge``) so no base is scanned twice.

    Raises
    ------
    InputError
        Naming the file, line, interval and the reason.
    """
    placed = place_regions(read_region_file(path), chrom_sizes, strict=True)
    return merge_regions(to_regions(placed.kept))


__all__ = ["Genome", "Region", "merge_regions", "open_genome", "read_regions", "whole_genome_regions"]
