"""Progress and cancelling of long attributions: counted model inputs, a callback, a cancel event checked between steps."""

from __future__ import annotations

from typing import Callable, Protocol

from enhancerlm.errors import Cancelled

# progress(done, total): called after every step, in the unit the computation counts (model inputs).
ProgressFn = Callable[[int, int], None]


class CancelFlag(Protocol):
    """Anything with ``is_set()``, such as a ``threading.Event``: set it to stop the computation."""

    def is_set(self) -> bool: ...


class Steps:
    """Counts the work of one attribution, reports it and stops it at the next step when asked to.

    A progress bar goes to stderr on a terminal, one log line per update elsewhere (:mod:`enhancerlm.progress`); ``progress`` is called
    with (done, total) after each step; ``cancel`` is checked before each step, between model calls,
    so a cancelled job stops within one step and leaves the model as it was.

    Parameters
    ----------
    total : int
        Units of work in all (e.g. model inputs: windows of sequences or of mutants).
    what : str
        Name of the computation, for the bar and the message of :class:`~enhancerlm.errors.Cancelled`.
    unit : str
    progress : callable (done, total) -> None, optional
    cancel : object with ``is_set()``, optional
    """

    def __init__(
        self,
        total: int,
        what: str,
        unit: str,
        progress: ProgressFn | None = None,
        cancel: CancelFlag | None = None,
    ):
        from enhancerlm.progress import progress_bar

        self.total, self.done, self.what, self.unit = total, 0, what, unit
        self._progress, self._cancel = progress, cancel
        self._bar = progress_bar(total=total, unit=unit, desc=what, leave=False)
        if progress is not None:
            progress(0, total)

    def check(self) -> None:
        """Raise Cancelled when the cancel flag is set."""
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled(f"{self.what} cancelled after {self.done} of {self.total} {self.unit}s")

    def advance(self, n: int) -> None:
        """``n`` more units are done."""
        self.done += n
        self._bar.update(n)
        if self._progress is not None:
            self._progress(self.done, self.total)

    def __enter__(self) -> "Steps":
        return self

    def __exit__(self, *exc) -> None:
        self._bar.close()
