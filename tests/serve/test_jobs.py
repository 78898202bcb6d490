"""Job queues, progress and cancelling, and the model gate that lets scoring go first."""

from __future__ import annotations

import threading
import time

from enhancerlm.errors import Cancelled
from enhancerlm.serve.gate import ModelGate
from enhancerlm.serve.jobs import JobQueue, Progress


def _until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def test_a_queued_job_cancelled_never_runs_and_a_running_one_stops_at_its_check():
    release, ran = threading.Event(), []
    jobs = JobQueue(size=4, kept=10)
    progress = Progress()

    def long_work():
        progress.start("ISM", "model input")
        for done in range(1, 1000):
            if progress.cancel.is_set():
                raise Cancelled(f"ISM cancelled after {done} of 1000 model inputs")
            progress.report(done, 1000)
            release.wait(0.01)
        return "finished"

    try:
        first = jobs.submit("explain", long_work, progress)
        second = jobs.submit("explain", lambda: ran.append(1))
        _until(lambda: first.progress.done > 2)
        assert jobs.ahead_of(second) == 1 and jobs.ahead_of(first) == 0
        state = first.to_dict()["progress"]
        assert state["step"] == "ISM" and state["total"] == 1000 and state["seconds_left"] > 0
        jobs.cancel(second)
        assert second.status == "cancelled" and second.error == "cancelled before it started"
        jobs.cancel(first)
        _until(lambda: first.status == "cancelled")
        assert first.error.startswith("ISM cancelled after") and first.result is None
        third = jobs.submit("next", lambda: 42)
        _until(lambda: third.status == "done")
        assert ran == []  # the cancelled job was skipped, the next one ran
    finally:
        release.set()
        jobs.close()


def test_scoring_waits_only_for_the_attribution_batch_in_progress():
    gate, order = ModelGate(), []
    first_batch_done, scoring_asked = threading.Event(), threading.Event()

    def attribution():
        with gate.attribution():
            for batch in range(3):
                if batch == 1:
                    first_batch_done.set()
                    scoring_asked.wait(5)
                    time.sleep(0.05)  # the scoring thread is now waiting on the gate
                order.append(f"batch {batch}")
                gate.pause_for_scoring()  # what the progress callback does between batches

    def scoring():
        first_batch_done.wait(5)
        scoring_asked.set()
        with gate.scoring():
            order.append("scoring")

    threads = [threading.Thread(target=attribution), threading.Thread(target=scoring)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert order == ["batch 0", "batch 1", "scoring", "batch 2"]
    with gate.scoring():  # the gate is free again
        pass
