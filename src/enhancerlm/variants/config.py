"""Settings of ``enhancerlm variants``: one dataclass, its fields' help is the CLI's."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from enhancerlm.config import ConfigBase, setting
from enhancerlm.errors import ConfigError

DEFAULT_WINDOW_BP = 512  # for models without a length limit (k-mer baselines)


@dataclass(frozen=True)
class VariantConfig(ConfigBase):
    """Variant-effect settings; defaults are the CLI's.

    Parameters
    ----------
    window_bp : int or None
        REF/ALT window length, bp; None: the model's ``max_bp`` (512 for models without a limit).
    both_strands : bool
        Score each window on both strands and average the probabilities (as ``predict``).
    strict : bool
        A REF allele that does not match the genome is an error instead of a skipped variant.
    map_chroms : bool
        Translate ``chr1`` <-> ``1`` (and ``chrM`` <-> ``MT``) between the variants and the genome.
    class_name : str or None
        Class whose probability is p_ref / p_alt; None: the positive class of a binary model.
    top_n : int
        Variants with the largest |delta| drawn in ``top_variants.png`` (attribution of REF and ALT).
    chunk_variants : int
        Variants per chunk: the unit of resuming a killed run.
    batch_size : int or None
        Windows per model call; None: the device's default.
    """

    window_bp: int | None = setting(
        None,
        ge=2,
        unit="bp",
        help="Window length, bp (default: the model's maximum; without one, its training length).",
    )
    both_strands: bool = setting(False, help="Average forward and reverse-complement scores.")
    strict: bool = setting(False, help="A REF allele that disagrees with the genome is an error.")
    map_chroms: bool = setting(False, help="Map chromosome names chr1 <-> 1, chrM <-> MT.")
    class_name: str | None = setting(None, help="Class to score (default: the positive class).")
    top_n: int = setting(5, ge=0, help="Strongest variants drawn in top_variants.png.")
    chunk_variants: int = setting(4096, ge=1, help="Variants per resumable chunk.")
    batch_size: int | None = setting(None, ge=1, help="Windows per model call.")

    config_label = "variants config"  # from_dict / to_dict and each field's checks: ConfigBase

    def for_model(self, max_bp: int | None, trained_bp: int | None = None) -> "VariantConfig":
        """Fill in the window default; a window longer than the model takes is an error.

        Default: the model's maximum; for a model without one (k-mer baselines) the mean length it was
        trained on (``trained_bp``, from its run), else ``DEFAULT_WINDOW_BP``.
        """
        unlimited = trained_bp or DEFAULT_WINDOW_BP
        window_bp = self.window_bp or (unlimited if max_bp is None else max_bp)
        if max_bp is not None and window_bp > max_bp:
            raise ConfigError(
                f"--window-bp {window_bp} is longer than the model's maximum of {max_bp} bp; "
                f"use --window-bp {max_bp} or less"
            )
        return dataclasses.replace(self, window_bp=window_bp)
