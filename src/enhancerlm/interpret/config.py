"""`ExplainConfig`: every knob of `enhancerlm explain`, typed, validated, unknown keys rejected."""

from __future__ import annotations

import typing
from dataclasses import dataclass

from enhancerlm.config import QUANTIZE_HELP, ConfigBase, QuantizeMode, setting
from enhancerlm.data.generate.motifs import JASPAR_RELEASE
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
        Class, label or target explained (log-odds; a regression target's value); None: the positive
        (last) class, or a multi-label or regression model's first output (``summary.json`` says which).
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
        e.g. ``"JASPAR2026"``; None: the pinned ``JASPAR2024`` (:func:`enhancerlm.data.generate.motifs.open_jaspar`).
    seed : int
    quantize : str
        ``"int8"``: forward passes (ISM, attention) on an int8 copy of the model (CPU only,
        ``enhancerlm.models.quantize``); not with ``"ig"``, whose gradients int8 layers do not have.
    """

    # help: the --flag's text; {default} is the default as written here (see enhancerlm.cli.options).
    methods: tuple[str, ...] = setting(
        ("ism",),
        choices=METHODS,
        help="Attribution method (repeatable; default {default}). The first one drives motif discovery.",
    )
    target: str | None = setting(
        None, help="Class, label or target to explain (default: the positive class, or the first label/target)."
    )
    max_seqs: int | None = setting(
        1000, ge=1, help="Explain at most N sequences (seeded random subset; default {default})."
    )
    n_plots: int = setting(10, ge=0, help="Attribution-track PNGs (default {default}).")
    motifs: bool = setting(True, help="Discover motifs and match them to JASPAR (default {default}).")
    rc_seqs: int = setting(50, ge=0, help="Sequences checked for reverse-complement consistency (default {default}).")
    null_seqs: int = setting(100, ge=0)
    null_quantile: float = setting(0.999, gt=0, lt=1)
    seqlet_width_bp: int = setting(21, ge=1, unit="bp")
    core_bp: int = setting(8, ge=1, unit="bp")
    min_seqlets: int = setting(5, ge=1)
    max_motifs: int = setting(20, ge=1)
    n_matches: int = setting(3, ge=1)
    top_mutations: int = setting(10, ge=0)
    ig_steps: int = setting(32, ge=1)
    ig_baseline: typing.Literal["pad", "shuffle"] = setting("pad")
    batch_size: int | None = setting(None, ge=1, help="Inference batch size.")
    jaspar_release: str | None = setting(
        None, help=f"e.g. JASPAR2026 (default: {JASPAR_RELEASE}, pinned so that matches do not change with pyjaspar)."
    )
    seed: int = setting(0, help="Seed of sampling and shuffles (default {default}).")
    quantize: QuantizeMode = setting("none", help=QUANTIZE_HELP)

    config_label = "explain config"  # from_dict / to_dict (methods as a list) and each field's checks: ConfigBase

    def check(self) -> None:
        if not self.methods or len(set(self.methods)) != len(self.methods):
            raise ConfigError(f"explain methods={list(self.methods)}: give distinct methods among {list(METHODS)}")
        if self.quantize != "none" and "ig" in self.methods:
            raise ConfigError(
                f"explain quantize={self.quantize} with method ig: integrated gradients need gradients, which "
                "int8 layers do not have; use --quantize none, or ism/attention only"
            )
        if self.core_bp > self.seqlet_width_bp:
            raise ConfigError(f"explain core_bp={self.core_bp} exceeds seqlet_width_bp={self.seqlet_width_bp}")
