"""Settings of ``enhancerlm data build``: one dataclass; each field's help is the CLI flag's."""

from __future__ import annotations

from dataclasses import dataclass, field

from enhancerlm.config import ConfigBase
from enhancerlm.data.leakage.near_duplicate_defaults import DEDUP_MODES
from enhancerlm.errors import ConfigError

BACKGROUNDS = ("gc-matched", "shuffled", "random", "none")  # or FILE:LABEL, the user's own negatives
MISSING_TARGETS = ("error", "drop", "zero")
NATIVE = "native"
# Chromosome hold-out of DeepSEA (Zhou & Troyanskaya 2015, Nat Methods 12:931, Online Methods): chr8 and
# chr9 never seen in training, validation samples from chr7 (DeepSEA took chr7:30,508,751-35,296,850;
# here all of chr7, so no validation window has a training window beside it). Widely reused since
# (Selene's examples hold out chr8/chr9 for testing too).
DEFAULT_TEST_CHROMS = ("chr8", "chr9")
DEFAULT_VAL_CHROMS = ("chr7",)
HOLDOUT_SOURCE = (
    "DeepSEA (Zhou & Troyanskaya 2015, Nature Methods 12:931-934, Online Methods): chr8 and chr9 held out "
    "for testing, validation samples from chr7"
)


@dataclass(frozen=True)
class BuildConfig(ConfigBase):
    """How ``data build`` turns peaks into a data set; defaults are the CLI's.

    Parameters
    ----------
    width : str
        Window length in bp as text (``"200"``), or ``"native"``: each region as it is.
    max_n : int
        Windows with more N (non-ACGT) bases than this are dropped, positives and negatives alike.
    background : str
        ``gc-matched``, ``shuffled``, ``random`` or ``FILE:LABEL``.
    neg_ratio : float
        Negatives per positive (gc-matched, shuffled, random).
    flank : int
        No negative window lies within this many bp of a positive region or an excluded region.
    test_chroms, val_chroms : tuple of str
        Chromosomes of the test and validation splits (either naming: ``chr8`` also matches ``8``).
    map_chroms : bool
        Translate ``chr1`` <-> ``1`` between the region files and the genome.
    shuffle_k : int
        k of the k-mer-preserving shuffle (2: dinucleotides).
    dedup : str
        Homology-aware clean-up across splits (``data prepare``'s rule): none, exact or near.
    label, negative_label : str
        Label of positives given without one, and of the generated negatives.
    seed : int
    """

    width: str = field(
        default="200",
        metadata={
            "help": "Window length in bp, centred on the summit (narrowPeak) or the midpoint; or 'native' (each region as it is)."
        },
    )
    max_n: int = field(
        default=0,
        metadata={
            "help": "Drop windows with more N bases than this (positives and negatives; default {default}: N content then cannot tell them apart)."
        },
    )
    background: str = field(
        default="gc-matched",
        metadata={
            "help": "Negatives: gc-matched (genomic windows matched to the positives' GC and repeat content, bin by bin), shuffled (each positive, k-mers kept), random (uniform genomic windows), or FILE:LABEL (your own regions)."
        },
    )
    neg_ratio: float = field(default=1.0, metadata={"help": "Negatives per positive (gc-matched, shuffled, random)."})
    flank: int = field(
        default=1000, metadata={"help": "No negative within this many bp of a positive or an excluded region."}
    )
    test_chroms: tuple[str, ...] = field(
        default=DEFAULT_TEST_CHROMS,
        metadata={
            "help": "Test chromosomes, comma-separated or repeated (default {default}: DeepSEA's hold-out, Zhou & Troyanskaya 2015)."
        },
    )
    val_chroms: tuple[str, ...] = field(
        default=DEFAULT_VAL_CHROMS, metadata={"help": "Validation chromosomes (default {default}, as DeepSEA)."}
    )
    map_chroms: bool = field(
        default=False,
        metadata={"help": "Map chromosome names chr1 <-> 1, chrM <-> MT between region files and genome."},
    )
    shuffle_k: int = field(
        default=2, metadata={"help": "k of the k-mer-preserving shuffle of --background shuffled (2: dinucleotides)."}
    )
    dedup: str = field(
        default="near",
        metadata={
            "help": "Drop training (and validation) windows that duplicate a held-out window across chromosomes: none, exact, near (data prepare's rule)."
        },
    )
    label: str = field(default="enhancer", metadata={"help": "Label of --positives given without :LABEL."})
    negative_label: str = field(default="not_enhancer", metadata={"help": "Label of the generated negatives."})
    seed: int = field(default=0, metadata={"help": "Seed of every random choice; the same seed gives the same bytes."})
    task: str = field(
        default="auto",
        metadata={
            "help": "Task of the tables built: auto (multilabel with --multi-label, regression with --targets or --target-column, else binary or multiclass from the labels), binary, multiclass, multilabel, regression."
        },
    )
    multi_label: bool = field(
        default=False,
        metadata={
            "help": "One row per merged window with a 0/1 label:<LABEL> column per --positives label: 1 where the window holds a summit of that label's peaks (the midpoint without one) or lies at least half inside them; negatives are all-zero rows."
        },
    )
    label_columns: tuple[str, ...] = field(
        default=(), metadata={"help": "Multi-label: the label columns, in this order (the --positives labels)."}
    )
    targets: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "bigWig file; each window's target is its mean signal (pyBigWig); repeat for several targets."
        },
    )
    target_column: str = field(
        default="",
        metadata={
            "help": "Target from a numeric column of the --positives files: a 1-based number or score, signalValue (7), pValue, qValue; peaks only (no negatives)."
        },
    )
    target_columns: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "Regression: names of the targets, in order (default: the bigWig file names or the column's name)."
        },
    )
    missing_targets: str = field(
        default="error",
        metadata={
            "help": "A window a bigWig does not cover whole, or a missing column value: error, drop (counted in manifest.json), or zero (uncovered bases or missing values read as 0)."
        },
    )

    config_label = "build config"

    def __post_init__(self):
        _check(
            self.width == NATIVE or (self.width.isdigit() and int(self.width) >= 8),
            "--width",
            self.width,
            "a length in bp (>= 8) or 'native'",
        )
        _check(self.max_n >= 0, "--max-n", self.max_n, ">= 0")
        _check(self.neg_ratio > 0, "--neg-ratio", self.neg_ratio, "> 0")
        _check(self.flank >= 0, "--flank", self.flank, ">= 0")
        _check(1 <= self.shuffle_k <= 6, "--shuffle-k", self.shuffle_k, "between 1 and 6")
        _check(self.dedup in DEDUP_MODES, "--dedup", self.dedup, f"one of {', '.join(DEDUP_MODES)}")
        _check(bool(self.test_chroms), "--test-chroms", "", "at least one chromosome")
        both = set(self.test_chroms) & set(self.val_chroms)
        _check(not both, "--val-chroms", ",".join(sorted(both)), "other chromosomes than --test-chroms")
        _check(
            self.background in BACKGROUNDS or ":" in self.background,
            "--background",
            self.background,
            f"one of {', '.join(BACKGROUNDS)} or FILE:LABEL",
        )
        _check(self.label != self.negative_label, "--negative-label", self.negative_label, "another label than --label")
        self._check_task()

    def _check_task(self) -> None:
        """The task flags agree with each other (the labels are checked once the set is built)."""
        from enhancerlm.sequences.task import TASK_CHOICES  # imported late: the CLI imports this module at start

        _check(self.task in TASK_CHOICES, "--task", self.task, f"one of {', '.join(TASK_CHOICES)}")
        _check(
            self.missing_targets in MISSING_TARGETS, "--missing-targets", self.missing_targets, "error, drop or zero"
        )
        kind = self.kind
        _check(
            not (self.targets and self.target_column), "--target-column", self.target_column, "left out with --targets"
        )
        if self.multi_label:
            _check(self.task in ("auto", "multilabel"), "--task", self.task, "multilabel (or auto) with --multi-label")
        has_targets = bool(self.targets or self.target_column)
        _check(kind == "regression" or not has_targets, "--task", self.task, "regression (or auto) with targets")
        _check(kind != "regression" or has_targets, "--task", self.task, "given --targets FILE.bw or --target-column")
        _check(
            kind == "multilabel" or not self.label_columns,
            "--label-columns",
            ",".join(self.label_columns),
            "used with --multi-label",
        )
        _check(
            kind == "regression" or not self.target_columns,
            "--target-columns",
            ",".join(self.target_columns),
            "used with targets",
        )
        _check(
            not self.target_column or self.background == "none",
            "--background",
            self.background,
            "none with --target-column (negatives have no value in a region file)",
        )
        _check(self.background != "none" or kind == "regression", "--background", "none", "used with targets only")

    @property
    def kind(self) -> str:
        """The task kind the flags ask for: multilabel, regression, else the --task given (auto: from the labels)."""
        if self.multi_label or self.task == "multilabel":
            return "multilabel"
        if self.targets or self.target_column:
            return "regression"
        return self.task

    @property
    def width_bp(self) -> int | None:
        """The fixed window length in bp, None for ``native``."""
        return None if self.width == NATIVE else int(self.width)


def _check(ok: bool, flag: str, value, rule: str) -> None:
    if not ok:
        raise ConfigError(f"{flag} {value!r} must be {rule}")


def chrom_list(values) -> tuple[str, ...]:
    """``["chr8,chr9", "chrX"]`` -> ``("chr8", "chr9", "chrX")``: commas and repeats both work."""
    return tuple(name.strip() for value in values for name in str(value).split(",") if name.strip())
