"""`ExplainConfig`: every knob of `enhancerlm explain`, typed, validated, unknown keys rejected."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field

from enhancerlm.config import QUANTIZE_HELP, ConfigBase, check_quantize_mode
from enhancerlm.data.motifs import JASPAR_RELEASE
from enhancerlm.errors import ConfigError

# Attribution methods (enhancerlm.interpret.attribution computes them); here so that the CLI's flags import light.
METHODS = ("ism", "ig", "attention")


@dataclass(frozen=True)
class ExplainConfig(ConfigBase):
    """Settings of an explanation run (defaults < config file < CLI flags).

    Parameters
    ----------
    methods : tuple of str
        Attribution methods among ``"ism"``, ``"ig"``, ``"attention"``; the first one drives seqlets and motifs.
    target : str or None
        Class whose log-odds are explained; None: the positive (last) class.
    max_seqs : int or None
        Explain at most this many sequences (a seeded random subset, in input order); None: all.
    n_plots : int
        Attribution-track PNGs, for the first ``n_plots`` explained sequences.
    motifs : bool
        Find seqlets and motifs and match them to JASPAR.
    rc_seqs : int
        Sequences whose reverse complement is also attributed, for the strand-consistency check (0: off).
    null_seqs : int
        Shuffled copies of the first ``null_seqs`` sequences whose attribution sets the seqlet threshold.
    null_quantile : float
        Seqlet threshold = this quantile of the null's core-window sums.
    seqlet_width_bp, core_bp : int
        Seqlet width; width of the attribution window thresholded (and of the clustering seed).
    min_seqlets, max_motifs : int
        Smallest reported cluster; most motifs reported.
    n_matches : int
        JASPAR matches listed per motif.
    top_mutations : int
        Substitutions listed per sequence in ``mutations.tsv`` (needs ``"ism"``).
    ig_steps : int
        Integrated-gradients path steps.
    ig_baseline : str
        ``"pad"`` or ``"shuffle"``.
    batch_size : int or None
        Inference batch size (None: the device default).
    jaspar_release : str or None
        e.g. ``"JASPAR2026"``; None: the pinned ``JASPAR2024`` (:func:`enhancerlm.data.motifs.open_jaspar`).
    seed : int
    quantize : str
        ``"int8"``: forward passes (ISM, attention) on an int8 copy of the model (CPU only,
        ``enhancerlm.models.quantize``); not with ``"ig"``, whose gradients int8 layers do not have.
    """

    # help: the --flag's text; {default} is the default as written here (see enhancerlm.cli.options).
    methods: tuple[str, ...] = field(
        default=("ism",),
        metadata={"help": "Attribution method (repeatable; default {default}). The first one drives motif discovery."},
    )
    target: str | None = field(default=None, metadata={"help": "Class to explain (default: the positive class)."})
    max_seqs: int | None = field(
        default=1000, metadata={"help": "Explain at most N sequences (seeded random subset; default {default})."}
    )
    n_plots: int = field(default=10, metadata={"help": "Attribution-track PNGs (default {default})."})
    motifs: bool = field(
        default=True, metadata={"help": "Discover motifs and match them to JASPAR (default {default})."}
    )
    rc_seqs: int = field(
        default=50, metadata={"help": "Sequences checked for reverse-complement consistency (default {default})."}
    )
    null_seqs: int = 100
    null_quantile: float = 0.999
    seqlet_width_bp: int = 21
    core_bp: int = 8
    min_seqlets: int = 5
    max_motifs: int = 20
    n_matches: int = 3
    top_mutations: int = 10
    ig_steps: int = 32
    ig_baseline: str = "pad"
    batch_size: int | None = field(default=None, metadata={"help": "Inference batch size."})
    jaspar_release: str | None = field(
        default=None,
        metadata={
            "help": f"e.g. JASPAR2026 (default: {JASPAR_RELEASE}, pinned so that matches do not change with pyjaspar)."
        },
    )
    seed: int = field(default=0, metadata={"help": "Seed of sampling and shuffles (default {default})."})
    quantize: str = field(default="none", metadata={"help": QUANTIZE_HELP})

    config_label = "explain config"  # from_dict / to_dict (methods as a list): ConfigBase

    def __post_init__(self):
        _check_types(self)
        object.__setattr__(self, "methods", tuple(self.methods))
        bad = [m for m in self.methods if m not in METHODS]
        if not self.methods or bad or len(set(self.methods)) != len(self.methods):
            raise ConfigError(f"explain methods={list(self.methods)}: give distinct methods among {list(METHODS)}")
        for name in ("n_plots", "rc_seqs", "null_seqs", "top_mutations"):
            if getattr(self, name) < 0:
                raise ConfigError(f"explain {name}={getattr(self, name)}: must be >= 0")
        for name in ("seqlet_width_bp", "core_bp", "min_seqlets", "max_motifs", "n_matches", "ig_steps"):
            if getattr(self, name) < 1:
                raise ConfigError(f"explain {name}={getattr(self, name)}: must be >= 1")
        if self.max_seqs is not None and self.max_seqs < 1:
            raise ConfigError(f"explain max_seqs={self.max_seqs}: must be >= 1 (or None for all)")
        if not 0 < self.null_quantile < 1:
            raise ConfigError(f"explain null_quantile={self.null_quantile}: must be between 0 and 1")
        check_quantize_mode(self.quantize)
        if self.quantize != "none" and "ig" in self.methods:
            raise ConfigError(
                f"explain quantize={self.quantize} with method ig: integrated gradients need gradients, which "
                "int8 layers do not have; use --quantize none, or ism/attention only"
            )
        if self.core_bp > self.seqlet_width_bp:
            raise ConfigError(f"explain core_bp={self.core_bp} exceeds seqlet_width_bp={self.seqlet_width_bp}")


def _check_types(config: ExplainConfig) -> None:
    """Each value must have its field's type (ints pass as floats; bools are not ints; lists pass as tuples)."""
    for name, hint in typing.get_type_hints(ExplainConfig).items():
        value = getattr(config, name)
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        allowed = tuple(typing.get_origin(t) or t for t in options)
        if float in allowed:
            allowed += (int,)
        if tuple in allowed:
            allowed += (list,)
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise ConfigError(f"explain {name}={value!r}: expected {getattr(hint, '__name__', hint)}")
