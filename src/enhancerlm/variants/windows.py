"""REF and ALT windows of the same length around each variant, cut from the genome; chromosome names matched.

Window geometry (``W = window_bp``; ``p = pos - 1``, the 0-based position of REF's first base;
``r, a`` = REF and ALT lengths in bp):

- The REF allele is centred: it occupies window bases ``[o, o + r)`` with ``o = (W - r) // 2``, so
  the window is ``genome[p - o, p - o + W)`` (a SNV in a 512 bp window sits at 0-based offset 255).
- The ALT window starts at the same genome position and is ``genome[p - o, p) + ALT`` followed by as
  many bases after the REF allele as keep it ``W`` bp long: a deletion's right flank reaches further
  into the genome, an insertion's is shorter. Both windows therefore have exactly ``W`` bp and share
  their left flank base for base (VCF indels carry an anchor base, which stays in both).
- A window that would run past either end of its chromosome is not scored (reason ``chrom_end``):
  padding would put bases in front of the model that are not in the genome. An allele too long to
  leave a flank (``r > W`` or ``a > W - o``) is skipped as ``allele_too_long``.
- N and other non-ACGT bases inside a window are scored as ``predict`` scores them (the model's
  unknown token); their count is reported.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.chroms import chrom_mapping
from enhancerlm.sequences.genome import Genome

__all__ = ["chrom_mapping", "extract_windows", "alt_window_bounds", "Windows", "SKIP_REASONS"]

# Why a variant is not scored; "" means scored.
SKIP_REASONS = ("no_sequence_allele", "chrom_not_in_genome", "ref_mismatch", "chrom_end", "allele_too_long")
_ALLELE = re.compile(r"^[ACGTN]+$")


class Windows(NamedTuple):
    """Windows of a block of variants.

    Attributes
    ----------
    ref, alt : list of str
        REF and ALT windows, ``window_bp`` each; "" where the variant is skipped.
    start : np.ndarray, shape=(n,), int64
        0-based genome position of each window's first base; -1 where skipped.
    skip : np.ndarray, shape=(n,), object
        "" for scored variants, else one of ``SKIP_REASONS``.
    detail : list of str
        What was found, for the skipped list (e.g. the genome's REF bases).
    """

    ref: list[str]
    alt: list[str]
    start: np.ndarray
    skip: np.ndarray
    detail: list[str]


def alt_window_bounds(pos: int, ref_len: int, alt_len: int, window_bp: int) -> tuple[int, int, int]:
    """``(start, offset, end)``: window start (0-based), the REF allele's offset in it, and the last
    genome base + 1 that either window reads (the ALT window's right flank may reach past the REF one)."""
    offset = (window_bp - ref_len) // 2
    start = pos - 1 - offset
    right_flank = window_bp - offset - alt_len
    return start, offset, max(start + window_bp, pos - 1 + ref_len + right_flank)


def extract_windows(
    genome: Genome, variants: pd.DataFrame, window_bp: int, chrom_map: dict[str, str | None], strict: bool = False
) -> Windows:
    """REF and ALT windows of ``window_bp`` bp for each variant (module docstring), with skip reasons.

    Parameters
    ----------
    genome : Genome
    variants : pandas.DataFrame
        Columns id, chrom, pos (1-based), ref, alt (``enhancerlm.variants.read``).
    window_bp : int
    chrom_map : dict
        From :func:`chrom_mapping`.
    strict : bool
        A REF that does not match the genome is an error instead of a skipped variant.

    Raises
    ------
    InputError
        Under ``strict``, for the first REF mismatch (naming the variant and both alleles).
    """
    n = len(variants)
    ref, alt, detail = [""] * n, [""] * n, [""] * n
    start = np.full(n, -1, dtype=np.int64)
    skip = np.full(n, "", dtype=object)
    for i, row in enumerate(variants.itertuples(index=False)):
        skip[i], detail[i], windows = _one(genome, row, window_bp, chrom_map)
        if skip[i] == "ref_mismatch" and strict:
            raise InputError(f"variant {row.id} at {row.chrom}:{row.pos}: {detail[i]} (--strict)")
        if windows is not None:
            start[i], ref[i], alt[i] = windows
    return Windows(ref, alt, start, skip, detail)


def _one(genome: Genome, row, window_bp: int, chrom_map: dict[str, str | None]):
    """(skip reason, detail, (start, ref window, alt window) or None) of one variant."""
    if not (_ALLELE.match(row.ref) and _ALLELE.match(row.alt)):
        return "no_sequence_allele", f"REF {row.ref!r} ALT {row.alt!r} are not both A/C/G/T/N bases", None
    chrom = chrom_map.get(row.chrom)
    if chrom is None:
        return "chrom_not_in_genome", f"no sequence {row.chrom!r} in {genome.path.name}", None
    r, a = len(row.ref), len(row.alt)
    start, offset, end = alt_window_bounds(row.pos, r, a, window_bp)
    if r > window_bp or a > window_bp - offset:
        return "allele_too_long", f"REF {r} bp / ALT {a} bp do not fit a {window_bp} bp window", None
    size = genome.chrom_sizes[chrom]
    if row.pos - 1 + r > size:
        return "chrom_end", f"REF ends past {chrom}'s end ({size} bp)", None
    found = genome.fetch(chrom, row.pos - 1, row.pos - 1 + r)
    if found != row.ref:
        return "ref_mismatch", f"REF {row.ref} but the genome has {found}", None
    if start < 0 or end > size:
        return "chrom_end", f"window {chrom}:{start}-{end} runs past {chrom} (0-{size})", None
    span = genome.fetch(chrom, start, end)
    alt_window = span[:offset] + row.alt + span[offset + r : offset + r + window_bp - offset - a]
    return "", "", (start, span[:window_bp], alt_window)
