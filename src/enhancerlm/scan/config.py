"""`ScanConfig`: the settings of `enhancerlm scan`, light to import (the CLI builds its flags from it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from enhancerlm.config import QUANTIZE_HELP, ConfigBase, QuantizeMode, setting
from enhancerlm.errors import ConfigError

DEFAULT_WINDOW_BP = 512


@dataclass(frozen=True)
class ScanConfig(ConfigBase):
    """Scan settings; defaults are the CLI's.

    Parameters
    ----------
    window_bp : int or None
        Window length, bp; None: 512, or the model's ``max_bp`` if smaller.
    stride_bp : int or None
        Step between window starts, bp; None: ``window_bp // 2``.
    both_strands : bool
        Score each window on both strands and average the probabilities (named as in ``predict`` and
        ``run``; the ``--rc`` flag is its deprecated alias).
    max_n_fraction : float
        Windows with a larger fraction of non-ACGT bases are skipped.
    threshold : float
        Windows scoring at least this are enhancer calls.
    merge_gap_bp, min_length_bp : int
        Calls at most ``merge_gap_bp`` apart merge; merged calls shorter than ``min_length_bp`` are dropped.
    chunk_windows : int
        Windows per chunk: the unit of resuming and of splitting work between processes.
    batch_size : int or None
        Windows per model call; None: the device's default.
    compile : bool
        ``torch.compile`` the model first (pays off on long scans on GPUs).
    class_name : str or None
        Class whose probability is the score; None: the positive class of a binary model.
    quantize : str
        ``"int8"``: the model's linear layers run in int8 (CPU only, ``enhancerlm.models.quantize``).
    """

    # help: the `enhancerlm scan` flag's text (enhancerlm.cli.options).
    window_bp: int | None = setting(
        None, ge=1, unit="bp", help="Window length (default: 512, or the model's maximum if shorter)."
    )
    stride_bp: int | None = setting(None, ge=1, unit="bp", help="Step between windows (default: half the window).")
    both_strands: bool = setting(False, help="Average forward and reverse-complement scores.")
    max_n_fraction: float = setting(0.1, ge=0, le=1, help="Skip windows with more non-ACGT than this.")
    threshold: float = setting(0.5, ge=0, le=1, help="Windows scoring at least this are enhancer calls.")
    merge_gap_bp: int = setting(0, ge=0, unit="bp", help="Merge calls at most this far apart.")
    min_length_bp: int = setting(0, ge=0, unit="bp", help="Drop merged calls shorter than this.")
    chunk_windows: int = setting(4096, ge=1, help="Windows per resumable chunk.")
    batch_size: int | None = setting(None, ge=1, help="Windows per model call.")
    compile: bool = setting(False, help="torch.compile the model (long GPU scans).")
    class_name: str | None = setting(None, help="Class to score (default: the positive class).")
    quantize: QuantizeMode = setting("none", help=QUANTIZE_HELP)

    config_label = "scan config"  # from_dict / to_dict and each field's checks: ConfigBase

    def for_model(self, max_bp: int | None) -> "ScanConfig":
        """Fill in the window and stride defaults; a window longer than the model takes is an error."""
        window_bp = self.window_bp or (DEFAULT_WINDOW_BP if max_bp is None else min(DEFAULT_WINDOW_BP, max_bp))
        if max_bp is not None and window_bp > max_bp:
            raise ConfigError(
                f"--window-bp {window_bp} is longer than the model's maximum of {max_bp} bp; "
                f"use --window-bp {max_bp} or less"
            )
        stride_bp = self.stride_bp or max(window_bp // 2, 1)
        if stride_bp > window_bp:
            raise ConfigError(f"--stride-bp {stride_bp} is longer than --window-bp {window_bp}: bases would be skipped")
        return dataclasses.replace(self, window_bp=window_bp, stride_bp=stride_bp)
