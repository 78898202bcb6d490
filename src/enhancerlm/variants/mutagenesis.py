"""Saturation mutagenesis of genome regions or input sequences: ``interpret.ism`` exposed as files.

Writes ``mutagenesis.tsv`` (all 3 x L substitutions; a multi-label or regression model's table has a
``delta_<name>`` column per label or target), ``max_abs_delta.bedgraph`` (per base, the largest
|log-odds delta| (a regression target: |value delta|) of its 3 substitutions: a track for a genome browser), ``logo.png`` (each base drawn
as tall as its ISM attribution, logomaker) and ``summary.json``. A region's rows carry genome
coordinates; an input record's use the record id as ``chrom`` and 1-based positions within it.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.interpret.ism import BASES, ISMResult, saturation_mutagenesis, target_index
from enhancerlm.interpret.plots import plot_attribution, save_figure
from enhancerlm.io import write_text_atomic
from enhancerlm.models.base import SequenceClassifier
from enhancerlm.scan.outputs import Intervals, bedgraph_header, bedgraph_lines
from enhancerlm.sequences.genome import Region
from enhancerlm.sequences.task import Task
from enhancerlm.variants.outputs import write_tsv

log = logging.getLogger(__name__)

TSV, BEDGRAPH, LOGO, SUMMARY = "mutagenesis.tsv", "max_abs_delta.bedgraph", "logo.png", "summary.json"
MAX_LOGO_PANELS = 10  # sequences drawn in logo.png; the tables hold all of them
_REGION = re.compile(r"^(?P<chrom>[^:\s]+):(?P<start>[\d,]+)-(?P<end>[\d,]+)$")


class Targets(NamedTuple):
    """Sequences to mutate and where they lie: ``chrom`` and 0-based ``start`` of each sequence's first base."""

    ids: list[str]
    seqs: list[str]
    chroms: list[str]
    starts: list[int]


def parse_region(text: str, chrom_sizes: dict[str, int]) -> Region:
    """``chr:start-end`` (1-based, inclusive, as genome browsers show; commas allowed) -> 0-based half-open.

    Raises
    ------
    InputError
        Malformed text, unknown chromosome, or an interval outside it.
    """
    found = _REGION.match(text.strip())
    if not found:
        raise InputError(f"--region {text!r}: expected CHROM:START-END, e.g. chr1:1,001-1,200 (1-based, inclusive)")
    chrom = found["chrom"]
    start, end = int(found["start"].replace(",", "")), int(found["end"].replace(",", ""))
    if chrom not in chrom_sizes:
        raise InputError(
            f"--region {text!r}: no sequence {chrom!r} in the genome (it has {', '.join(list(chrom_sizes)[:5])})"
        )
    if not 1 <= start <= end <= chrom_sizes[chrom]:
        raise InputError(f"--region {text!r}: 1 <= START <= END <= {chrom_sizes[chrom]} ({chrom}'s length) must hold")
    return Region(chrom, start - 1, end)


def mutation_table(targets: Targets, result: ISMResult, task: Task, column: int) -> pd.DataFrame:
    """One row per substitution: id, chrom, pos (1-based), ref, alt, then the effect columns.

    Effect columns: ``log_odds_delta`` (classification: the explained output's log-odds, mutant minus
    original; ``interpret.ism``'s deltas) and ``delta`` (its probability, or a regression target's
    value, mutant minus original); a multi-output model adds ``delta_<name>`` for every label or target.
    """
    names = list(task.names) if not task.single_label else []
    frames = []
    for seq_id, seq, chrom, start, delta, outputs in zip(*targets, result.deltas, result.output_deltas or []):
        position, alt = np.nonzero(_is_substitution(seq))  # position-major, ALT in ACGT order
        frame = pd.DataFrame(
            {
                "id": seq_id,
                "chrom": chrom,
                "pos": start + position + 1,
                "ref": [seq[p].upper() for p in position],
                "alt": [BASES[a] for a in alt],
            }
        )
        if task.probabilities:
            frame["log_odds_delta"] = delta[position, alt]
        frame["delta"] = outputs[position, alt, column]
        for j, name in enumerate(names):
            frame[f"delta_{name}"] = outputs[position, alt, j]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _is_substitution(seq: str) -> np.ndarray:
    """(L, 4) True where the base differs from an A/C/G/T reference (a substitution ISM scored)."""
    upper = np.array(list(seq.upper()))
    valid = np.isin(upper, list(BASES))
    return valid[:, None] & (upper[:, None] != np.array(list(BASES))[None, :])


def max_abs_track(targets: Targets, result: ISMResult) -> str:
    """bedGraph lines: per base, the largest |log-odds delta| of its substitutions (non-ACGT bases left out)."""
    lines = []
    for _, seq, chrom, start, delta in zip(*targets, result.deltas):
        mask = _is_substitution(seq)
        value = np.where(mask, np.abs(np.nan_to_num(delta)), -np.inf).max(axis=1)
        keep = np.flatnonzero(mask.any(axis=1))
        lines.append(bedgraph_lines(chrom, Intervals(start + keep, start + keep + 1, value[keep])))
    return "".join(lines)


def run_mutagenesis(
    classifier: SequenceClassifier,
    targets: Targets,
    out: str | Path,
    *,
    target: str | None = None,
    batch_size: int | None = None,
) -> pd.DataFrame:
    """Score every substitution of ``targets`` (``interpret.ism.saturation_mutagenesis``) and write the files.

    Returns
    -------
    pandas.DataFrame
        ``mutagenesis.tsv``'s rows.
    """
    out = Path(out)
    if sum(len(s) for s in targets.seqs) > 20_000:
        log.warning(
            "mutagenesis of %d bp: 3 mutants per base, each as long as its sequence", sum(map(len, targets.seqs))
        )
    task = classifier.task
    column = target_index(classifier, target, announce=True)
    result = saturation_mutagenesis(classifier, targets.seqs, target=target, batch_size=batch_size)
    table = mutation_table(targets, result, task, column)
    write_tsv(out / TSV, table)
    class_name, unit = task.names[column], task.explained_unit
    # |deltas| are no probabilities: a multi-output model's track scales itself (single-label: the 0-1 view as before)
    description = f"max |{unit} delta| of {class_name} over the 3 substitutions"
    header = bedgraph_header("enhancerlm_ism", description, probabilities=task.single_label)
    write_text_atomic(out / BEDGRAPH, header + max_abs_track(targets, result))
    _logo(targets, result, out / LOGO, class_name, unit)
    ranked = table["log_odds_delta" if task.probabilities else "delta"]
    top = table.reindex(ranked.abs().sort_values(ascending=False).index).head(20)
    summary = {
        "class": class_name,
        "unit": unit,
        "sequences": [
            {"id": i, "chrom": c, "start": s, "length_bp": len(q), unit.replace("-", "_"): float(r)}
            for i, q, c, s, r in zip(*targets, result.ref_logit)
        ],
        "n_substitutions": len(table),
        "top": json.loads(top.to_json(orient="records")),
        "outputs": [TSV, BEDGRAPH, LOGO, SUMMARY],
    }
    write_text_atomic(out / SUMMARY, json.dumps(summary, indent=2) + "\n")
    return table


def _logo(targets: Targets, result: ISMResult, path: Path, class_name: str, unit: str) -> None:
    if len(targets.ids) > MAX_LOGO_PANELS:
        log.warning("logo.png draws the first %d of %d sequences", MAX_LOGO_PANELS, len(targets.ids))
    shown = range(min(len(targets.ids), MAX_LOGO_PANELS))
    names = [
        f"{targets.chroms[i]}:{targets.starts[i] + 1}" if targets.chroms[i] != targets.ids[i] else targets.ids[i]
        for i in shown
    ]
    tracks = {name: result.attribution[i] for name, i in zip(names, shown)}
    seqs = {name: targets.seqs[i] for name, i in zip(names, shown)}
    longest = max(seqs.values(), key=len)
    title = f"ISM attribution: {unit} of {class_name}, original minus the mean of the 3 substitutions"
    save_figure(plot_attribution(longest, tracks, title=title, track_seqs=seqs), path)


def region_targets(genome, region: Region) -> Targets:
    """The region's sequence from the genome, named ``chrom:start-end`` (1-based inclusive)."""
    seq = genome.fetch(region.chrom, region.start, region.end)
    return Targets([f"{region.chrom}:{region.start + 1}-{region.end}"], [seq], [region.chrom], [region.start])


def record_targets(ids: Sequence[str], seqs: Sequence[str]) -> Targets:
    """Input records: each is its own "chromosome" (its id) starting at 0."""
    return Targets(list(ids), list(seqs), list(ids), [0] * len(ids))
