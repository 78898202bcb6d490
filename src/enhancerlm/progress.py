"""Progress on stderr: a bar redrawn in place on a terminal, one log line per step (chunk, epoch) elsewhere.

A bar redrawn with carriage returns turns a log file (stderr redirected, a batch job's log) into one line
holding thousands of updates. Every long loop of the package and the Trainer's callbacks ask
:func:`on_terminal` which kind to show; this module is the one place that decides.
"""

from __future__ import annotations

import io
import logging
import sys

from tqdm import tqdm

log = logging.getLogger(__name__)

# Off a terminal, at most one line per this many seconds (the last update is always logged): a loop of
# small steps must not flood the log, while chunks and epochs, which take longer, each get their line.
LINE_INTERVAL_S = 1.0
_LINE_FORMAT = "{desc}: {n_fmt}{total_part} {unit} [{elapsed} elapsed{remaining_part}]"


def on_terminal() -> bool:
    """True where stderr is a terminal, so a progress bar can be redrawn in place."""
    return sys.stderr.isatty()


def progress_bar(iterable=None, **kwargs) -> tqdm:
    """``tqdm(iterable, **kwargs)`` on a terminal; elsewhere the same object logging one INFO line per update.

    Parameters
    ----------
    iterable : iterable, optional
        Wrapped and passed through, as tqdm does; without it call ``update(n)``.
    **kwargs
        tqdm's (``desc``, ``unit``, ``total``, ``leave``, ``disable``, ...).
    """
    return tqdm(iterable, **kwargs) if on_terminal() else LineProgress(iterable, **kwargs)


class LineProgress(tqdm):
    """tqdm whose display is a log line (``desc: n/total unit [elapsed, remaining]``), never a redrawn bar.

    Lines come at most every :data:`LINE_INTERVAL_S` seconds, and once more for the final count.
    """

    def __init__(self, iterable=None, **kwargs):
        kwargs.update(file=io.StringIO(), miniters=1, mininterval=kwargs.get("mininterval", LINE_INTERVAL_S))
        self._logged_n = 0
        super().__init__(iterable, **kwargs)

    def display(self, msg=None, pos=None) -> bool:
        # tqdm calls this for every redraw, and with msg="" to clear a bar that does not stay (leave=False)
        if self.n != self._logged_n:
            self._logged_n = self.n
            log.info("%s", self.line())
        return True

    def line(self) -> str:
        """The current count as one line of text."""
        meter = self.format_dict
        total, rate = meter["total"], meter["rate"]
        remaining = (total - self.n) / rate if total and rate else None
        return _LINE_FORMAT.format(
            desc=self.desc or "progress",
            n_fmt=self.n,
            total_part=f"/{total}" if total else "",
            unit=meter["unit"],
            elapsed=tqdm.format_interval(meter["elapsed"]),
            remaining_part=f", about {tqdm.format_interval(remaining)} left" if remaining is not None else "",
        )
