"""One model, two workers: scoring goes first, and attribution gives the model up between its batches.

Two threads must not run the model at once: integrated gradients (captum) hooks the embedding layer
for the length of a call, which would change a concurrent scoring call's numbers, and two torch calls
on the same cores only slow each other. So the model is held by one worker at a time. Attribution
calls :meth:`ModelGate.pause_for_scoring` between its batches (from its progress callback): when a
scoring job is waiting, it hands the model over and takes it back afterwards. A scoring job
therefore waits at most one attribution step (`interpret.ism.SCORE_STEP` model inputs), never a whole
attribution.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator


class ModelGate:
    """Exclusive use of the served model, with scoring first."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._scoring_waiting = 0

    @contextlib.contextmanager
    def scoring(self) -> Iterator[None]:
        """Hold the model for a scoring job: as soon as the current holder lets it go."""
        with self._cond:
            self._scoring_waiting += 1
            self._cond.wait_for(lambda: not self._busy)
            self._scoring_waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            self._release()

    @contextlib.contextmanager
    def attribution(self) -> Iterator[None]:
        """Hold the model for an attribution job: once no scoring job holds it or waits for it."""
        with self._cond:
            self._cond.wait_for(self._free_for_attribution)
            self._busy = True
        try:
            yield
        finally:
            self._release()

    def pause_for_scoring(self) -> None:
        """Called by the attribution holder between batches: let waiting scoring jobs run, then go on."""
        with self._cond:
            if not self._scoring_waiting:
                return
            self._busy = False
            self._cond.notify_all()
            self._cond.wait_for(self._free_for_attribution)
            self._busy = True

    def _free_for_attribution(self) -> bool:
        return not self._busy and not self._scoring_waiting

    def _release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()
