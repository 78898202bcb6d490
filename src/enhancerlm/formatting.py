"""How numbers read in logs and messages: durations in the unit that suits them."""

from __future__ import annotations

_UNITS = ((86_400 * 2, 86_400, "days"), (3_600, 3_600, "h"), (60, 60, "min"), (1, 1, "s"))


def duration(seconds: float) -> str:
    """``seconds`` to 3 significant digits in ms, s, min, h or days: ``"17.5 s"``, ``"2.19 h"``."""
    for at_least, size, unit in _UNITS:
        if seconds >= at_least:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds * 1000:.3g} ms"
