"""A bounded job queue with one worker thread: model work runs off the request threads, one job at a time.

One worker, not a pool: a model call already uses every core (torch threads), and a second one
alongside would only make both slower. Jobs are polled by id; finished ones are kept up to a count.
"""

from __future__ import annotations

import itertools
import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from enhancerlm.errors import EnhancerlmError
from enhancerlm.serve.limits import QueueFullError

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass
class Job:
    """One unit of work and, once run, its result or the error message shown to the user.

    Attributes
    ----------
    id : str
        Unguessable, so one user cannot read another's results by counting.
    kind : str
        What the job does (``"predict"``, ``"explain"``), for the page and the log.
    status : str
        ``queued``, ``running``, ``done`` or ``failed``.
    """

    id: str
    kind: str
    run: Callable[[], Any] = field(repr=False)
    status: str = QUEUED
    result: Any = field(default=None, repr=False)
    error: str | None = None
    submitted: float = field(default_factory=time.monotonic)
    seconds: float | None = None

    def to_dict(self) -> dict:
        """Status for polling: id, kind, status, error, seconds (of work, once finished)."""
        return {"id": self.id, "kind": self.kind, "status": self.status, "error": self.error, "seconds": self.seconds}


class JobQueue:
    """Run submitted callables in submission order on one daemon thread.

    Parameters
    ----------
    size : int
        Jobs that may wait; ``submit`` raises QueueFullError beyond that.
    kept : int
        Jobs remembered (oldest finished ones are forgotten first).
    """

    def __init__(self, size: int, kept: int):
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=size)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._kept = max(kept, size + 1)
        self._lock = threading.Lock()
        self._counter = itertools.count()
        self._thread = threading.Thread(target=self._work, name="enhancerlm-serve-worker", daemon=True)
        self._thread.start()

    def submit(self, kind: str, run: Callable[[], Any]) -> Job:
        """Queue ``run`` (no arguments); its return value becomes ``job.result``."""
        job = Job(f"{next(self._counter):x}-{secrets.token_urlsafe(8)}", kind, run)
        with self._lock:
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                raise QueueFullError(
                    f"the server is busy ({self._queue.maxsize} jobs waiting); try again in a few seconds"
                ) from None
            self._jobs[job.id] = job
            self._forget_old()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def waiting(self) -> int:
        return self._queue.qsize()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker after the job it is running (queued jobs are dropped)."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
        self._thread.join(timeout)

    def _forget_old(self) -> None:
        finished = [i for i, j in self._jobs.items() if j.status in (DONE, FAILED)]
        for job_id in finished[: max(len(self._jobs) - self._kept, 0)]:
            del self._jobs[job_id]

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            job.status = RUNNING
            start = time.perf_counter()
            try:
                job.result = job.run()
                job.status = DONE
            except EnhancerlmError as err:  # the user's to fix: shown as it is
                job.error, job.status = str(err), FAILED
            except Exception as err:  # a bug: logged with its traceback, the page gets one line
                log.exception("job %s (%s) failed", job.id, job.kind)
                job.error, job.status = f"internal error ({type(err).__name__}); see the server log", FAILED
            job.seconds = time.perf_counter() - start
