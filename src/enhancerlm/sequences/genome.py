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
from typing import NamedTuple

import pyfaidx

from enhancerlm.errors import InputError

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
# BGZF blocks are gzip members whose "extra" field holds a subfield with id "BC" (SAM spec, section 4.1).
_BGZF_FEXTRA = 0x04
_BGZF_SUBFIELD = b"BC"


class Region(NamedTuple):
    """A 0-based half-open interval ``[start, end)`` on ``chrom``, as in BED."""

    chrom: str
    start: int
    end: int


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
        size = self.chrom_sizes.get(chrom)
        if size is None:
            raise InputError(f"{self.path}: no sequence named {chrom!r}")
        if not 0 <= start <= end <= size:
            raise InputError(f"{self.path}: interval {chrom}:{start}-{end} lies outside {chrom} (0-{size})")
        return self._fasta[chrom][start:end]

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
    """Read and check a BED file's first three columns; sorted by (chrom, start), overlapping or
    book-ended intervals merged (as ``bedtools merge``) so no base is scanned twice.

    ``track``/``browser``/``#`` lines are skipped. Every interval must satisfy
    ``0 <= start < end <= size`` of a chromosome in the genome.

    Raises
    ------
    InputError
        Naming the file, line, interval and the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"regions BED {path} does not exist")
    regions = []
    with open(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.strip() and not line.startswith(("#", "track", "browser")):
                regions.append(_parse_bed_line(line, f"{path} line {line_no}", chrom_sizes))
    if not regions:
        raise InputError(f"regions BED {path} has no intervals")
    return merge_regions(regions)


def _parse_bed_line(line: str, where: str, chrom_sizes: dict[str, int]) -> Region:
    fields = line.rstrip("\r\n").split("\t") if "\t" in line else line.split()
    if len(fields) < 3:
        raise InputError(f"{where}: a BED line needs chrom, start, end; got {line.strip()!r}")
    chrom = fields[0]
    try:
        start, end = int(fields[1]), int(fields[2])
    except ValueError:
        raise InputError(f"{where}: start and end must be integers, got {fields[1]!r}, {fields[2]!r}") from None
    if chrom not in chrom_sizes:
        known = ", ".join(list(chrom_sizes)[:5]) + (", ..." if len(chrom_sizes) > 5 else "")
        raise InputError(f"{where}: chromosome {chrom!r} is not in the genome (it has {known})")
    size = chrom_sizes[chrom]
    if not 0 <= start < end <= size:
        raise InputError(
            f"{where}: interval {chrom}:{start}-{end} is outside {chrom} (0-{size}) or empty; "
            "BED is 0-based half-open, so 0 <= start < end <= chromosome length"
        )
    return Region(chrom, start, end)


def merge_regions(regions: list[Region]) -> list[Region]:
    """Sort by (chrom, start) and merge overlapping or book-ended regions."""
    merged: list[Region] = []
    for region in sorted(regions):
        if merged and merged[-1].chrom == region.chrom and region.start <= merged[-1].end:
            last = merged.pop()
            region = Region(last.chrom, last.start, max(last.end, region.end))
        merged.append(region)
    if len(merged) < len(regions):
        log.info("merged %d overlapping BED intervals into %d regions", len(regions), len(merged))
    return merged
