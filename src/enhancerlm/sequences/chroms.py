"""Chromosome names of an input file matched to a genome's: ``chr1`` (UCSC) vs ``1`` (Ensembl), ``chrM`` vs ``MT``."""

from __future__ import annotations

import logging
from typing import Iterable

from enhancerlm.errors import InputError

log = logging.getLogger(__name__)


def chrom_alias(chrom: str) -> str:
    """The other naming convention of a chromosome: ``chr1`` <-> ``1``, ``chrM`` <-> ``MT``."""
    if chrom in ("chrM", "MT"):
        return "MT" if chrom == "chrM" else "chrM"
    return chrom[3:] if chrom.startswith("chr") else f"chr{chrom}"


def chrom_mapping(
    chroms: Iterable[str], genome_chroms: Iterable[str], map_names: bool, *, what: str = "the variants"
) -> dict[str, str | None]:
    """Each input chromosome's name in the genome, or None where the genome has no such sequence.

    Parameters
    ----------
    chroms : iterable of str
        Chromosome names used by the input (variants, regions).
    genome_chroms : iterable of str
        Sequence names of the genome FASTA.
    map_names : bool
        Translate ``chr1`` <-> ``1`` (and ``chrM`` <-> ``MT``) where only the other name is in the genome.
    what : str
        Names the input in messages (``"the variants"``, a file name).

    Raises
    ------
    InputError
        Without ``map_names``, when names differ only by that convention: the usual UCSC/Ensembl mix-up,
        which would otherwise drop every record.
    """
    known = set(genome_chroms)
    mapping: dict[str, str | None] = {}
    convention = []
    for chrom in dict.fromkeys(chroms):
        if chrom in known:
            mapping[chrom] = chrom
        elif chrom_alias(chrom) in known:
            mapping[chrom] = chrom_alias(chrom) if map_names else None
            convention.append(chrom)
        else:
            mapping[chrom] = None
    if convention and not map_names:
        shown = ", ".join(f"{c!r} (genome: {chrom_alias(c)!r})" for c in convention[:3])
        raise InputError(
            f"{what} and the genome name chromosomes differently: {shown}"
            f"{', ...' if len(convention) > 3 else ''}; one uses 'chr1', the other '1' (UCSC vs Ensembl). "
            "Rerun with --map-chroms to translate the names, or use a genome with the same naming"
        )
    absent = [c for c, g in mapping.items() if g is None]
    if absent:
        log.warning("%s: chromosomes not in the genome: %s", what, ", ".join(absent[:10]))
    return mapping


def same_chrom(name: str, names: Iterable[str]) -> bool:
    """True if ``name`` or its other-convention alias is among ``names`` (``chr8`` matches ``8``)."""
    wanted = set(names)
    return name in wanted or chrom_alias(name) in wanted
