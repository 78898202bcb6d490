"""How numbers read in logs and messages: metrics to 3 decimals, durations in the unit that suits them."""

from __future__ import annotations

import math

_UNITS = ((86_400 * 2, 86_400, "days"), (3_600, 3_600, "h"), (60, 60, "min"), (1, 1, "s"))


def metric(value: float | None) -> str:
    """A metric or loss to 3 decimals (``"0.829"``, not ``0.8289110942163495``); ``"n/a"`` where undefined.

    Values under 0.001 keep 3 significant digits (``"1.2e-05"``) rather than reading as zero.
    """
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.3f}" if value == 0 or abs(value) >= 0.001 else f"{value:.3g}"


def duration(seconds: float) -> str:
    """``seconds`` to 3 significant digits in ms, s, min, h or days: ``"17.5 s"``, ``"2.19 h"``."""
    for at_least, size, unit in _UNITS:
        if seconds >= at_least:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds * 1000:.3g} ms"
