"""Bounded job queues, each with one worker thread: model work runs off the request threads.

The server has two: scoring and attribution (`Workers`). Each runs its jobs one at a time in
submission order, so a long attribution never holds up scoring: scoring jobs wait only behind
other scoring jobs, and the attribution worker gives the model up to them between its batches
(`enhancerlm.serve.gate`). One worker per kind, not a pool: a model call already uses every core.
Jobs are polled by id; finished ones are kept up to a count.
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

from enhancerlm.errors import Cancelled, EnhancerlmError
from enhancerlm.serve.limits import QueueFullError

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


@dataclass
class Progress:
    """How far a running job is, reported by the work itself, and the cancel request it honours.

    Attributes
    ----------
    cancel : threading.Event
        Set by a cancel request; the work checks it between model calls.
    step : str
        What the job is doing now (``"ISM"``, ``"motif matches"``), for the page.
    done, total : int
        Units of the step done and in all (0 and 0: not known).
    unit : str
    """

    cancel: threading.Event = field(default_factory=threading.Event)
    step: str = ""
    done: int = 0
    total: int = 0
    unit: str = ""
    _began: float | None = field(default=None, repr=False)

    def start(self, step: str, unit: str = "") -> None:
        """A new step begins: counts reset, its clock starts."""
        self.step, self.unit, self.done, self.total, self._began = step, unit, 0, 0, time.monotonic()

    def report(self, done: int, total: int) -> None:
        """``done`` of ``total`` units of the current step are finished (a ``progress`` callback)."""
        self.done, self.total = done, total

    def seconds_left(self) -> float | None:
        """The step's remaining time at its rate so far; None before its first unit is done."""
        if self._began is None or not 0 < self.done <= self.total:
            return None
        return (time.monotonic() - self._began) / self.done * (self.total - self.done)

    def to_dict(self) -> dict:
        left = self.seconds_left()
        return {
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "unit": self.unit,
            "seconds_left": None if left is None else round(left, 1),
        }


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
        ``queued``, ``running``, ``done``, ``failed`` or ``cancelled``.
    progress : Progress
        Filled in by work that reports it (attribution); its ``cancel`` event stops the work.
    """

    id: str
    kind: str
    run: Callable[[], Any] = field(repr=False)
    status: str = QUEUED
    result: Any = field(default=None, repr=False)
    error: str | None = None
    submitted: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    progress: Progress = field(default_factory=Progress, repr=False)

    def to_dict(self) -> dict:
        """Status for polling: id, kind, status, error, seconds (of work, once finished), progress, cancelling."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "error": self.error,
            "seconds": self.seconds,
            "progress": self.progress.to_dict(),
            "cancelling": self.status == RUNNING and self.progress.cancel.is_set(),
        }


class JobQueue:
    """Run submitted callables in submission order on one daemon thread.

    Parameters
    ----------
    size : int
        Jobs that may wait; ``submit`` raises QueueFullError beyond that.
    kept : int
        Jobs remembered (oldest finished ones are forgotten first).
    name : str
        Names the worker thread and the "busy" message.
    """

    def __init__(self, size: int, kept: int, name: str = "worker"):
        self.name = name
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=size)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._kept = max(kept, size + 1)
        self._lock = threading.Lock()
        self._counter = itertools.count()
        self._thread = threading.Thread(target=self._work, name=f"enhancerlm-serve-{name}", daemon=True)
        self._thread.start()

    def submit(self, kind: str, run: Callable[[], Any], progress: Progress | None = None) -> Job:
        """Queue ``run`` (no arguments); its return value becomes ``job.result``.

        ``progress``: the object the work reports to and whose cancel event it checks (a fresh one if None).
        """
        job = Job(f"{next(self._counter):x}-{secrets.token_urlsafe(8)}", kind, run)
        job.progress = progress or job.progress
        with self._lock:
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                raise QueueFullError(
                    f"the server is busy ({self._queue.maxsize} {self.name} jobs waiting); try again in a few seconds"
                ) from None
            self._jobs[job.id] = job
            self._forget_old()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def waiting(self) -> int:
        return self._queue.qsize()

    def ahead_of(self, job: Job) -> int:
        """Jobs that will run before ``job`` (0 when it is running or finished)."""
        if job.status != QUEUED:
            return 0
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status in (QUEUED, RUNNING) and j.submitted < job.submitted)

    def cancel(self, job: Job) -> None:
        """Ask ``job`` to stop: a queued job never runs; a running one stops at its next check."""
        job.progress.cancel.set()
        with self._lock:
            if job.status == QUEUED:
                job.status, job.error = CANCELLED, "cancelled before it started"

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker: queued jobs are dropped, the running one is asked to stop (attribution stops
        at its next model call; scoring finishes)."""
        with self._lock:
            for job in self._jobs.values():
                if job.status not in FINISHED:
                    job.progress.cancel.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
        self._thread.join(timeout)

    def _forget_old(self) -> None:
        finished = [i for i, j in self._jobs.items() if j.status in FINISHED]
        for job_id in finished[: max(len(self._jobs) - self._kept, 0)]:
            del self._jobs[job_id]

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            with self._lock:
                if job.status == CANCELLED:
                    continue
                job.status = RUNNING
            start = time.perf_counter()
            job.result, job.status, job.error = _outcome(job)
            job.seconds = time.perf_counter() - start


def _outcome(job: Job) -> tuple[Any, str, str | None]:
    """(result, status, error) of running ``job``: the user's errors as they are, a bug as one line."""
    try:
        return job.run(), DONE, None
    except Cancelled as err:
        return None, CANCELLED, str(err)
    except EnhancerlmError as err:  # the user's to fix: shown as it is
        return None, FAILED, str(err)
    except Exception as err:  # a bug: logged with its traceback, the page gets one line
        log.exception("job %s (%s) failed", job.id, job.kind)
        return None, FAILED, f"internal error ({type(err).__name__}); see the server log"


class Workers:
    """The server's two job queues: ``scoring`` (predict) and ``attribution`` (explain, warm-up).

    Parameters
    ----------
    size, kept : int
        Per queue, as in :class:`JobQueue`.
    """

    def __init__(self, size: int, kept: int):
        self.scoring = JobQueue(size, kept, "scoring")
        self.attribution = JobQueue(size, kept, "attribution")

    def queue_of(self, job_id: str) -> tuple[JobQueue, Job] | None:
        for jobs in (self.scoring, self.attribution):
            if (job := jobs.get(job_id)) is not None:
                return jobs, job
        return None

    def get(self, job_id: str) -> Job | None:
        found = self.queue_of(job_id)
        return found[1] if found else None

    def waiting(self) -> int:
        return self.scoring.waiting() + self.attribution.waiting()

    def close(self, timeout: float = 5.0) -> None:
        self.scoring.close(timeout)
        self.attribution.close(timeout)
