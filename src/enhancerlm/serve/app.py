"""The Starlette app of ``enhancerlm serve``: one page, a JSON API behind it, model work on two job queues.

Scoring (``predict``) and attribution (``explain``) jobs have a queue and a worker each, so a long
attribution never keeps the others from scoring (`enhancerlm.serve.jobs`, `enhancerlm.serve.gate`).

Routes
------
``GET /``                                   the page (paste/upload form, results, model card)
``GET /static/...``                         the page's JS and CSS, from this package
``GET /api/model``                          the model card (JSON), with ``methods``: the attribution methods
                                            this model offers
``GET /api/health``                         ``{"status": "ok", "waiting": n, "waiting_scoring": n,
                                            "waiting_attribution": n}``
``POST /api/predict``                       form: ``sequences`` (text), ``file`` (uploads), ``both_strands``,
                                            ``threshold`` -> 202 ``{"job": id}``; 400/413 ``{"error": text}``;
                                            503 when the queue is full
``GET /api/jobs/{id}``                      status (``queued``, ``running``, ``done``, ``failed``,
                                            ``cancelled``), ``ahead`` (jobs before it in its queue),
                                            ``progress`` (step, done, total, unit, seconds_left: the estimate),
                                            ``cancelling``, then ``result`` (rows of the table, or one explanation)
``POST /api/jobs/{id}/cancel``              stop a job: a queued one never runs, a running attribution stops
                                            between two model calls -> 202 with its status; 409 once finished
``GET /api/jobs/{id}/predictions.tsv``      the table as ``enhancerlm predict`` writes it, plus
                                            length_bp, call, training
``GET /api/jobs/{id}/histogram.svg``        histogram of the scores
``POST /api/jobs/{id}/rows/{row}/explain``  form: ``method`` (``ism`` or ``ig``) -> 202 ``{"job": id}``
``GET /api/jobs/{id}/attribution.svg``      an explain job's per-base attribution track
``GET /api/jobs/{id}/windows.svg``          an explain job's window scores (long sequences), aligned with the track
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from enhancerlm.errors import InputError
from enhancerlm.serve.gate import ModelGate
from enhancerlm.serve.inputs import Upload, read_request
from enhancerlm.serve.jobs import DONE, FINISHED, Job, JobQueue, Progress, Workers
from enhancerlm.serve.limits import LimitError, QueueFullError, ServeLimits
from enhancerlm.serve.served import ServedModel
from enhancerlm.serve.work import Explained, Scored, explain_methods, explain_record, score, warm_up

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
EXPLAIN_METHODS = ("ism", "ig")
# The menu's words for each method: what it measures and what it costs.
METHOD_LABELS = {
    "ism": "ISM: each substitution scored (exact; 3 model calls a base)",
    "ig": "integrated gradients (faster on long sequences)",
}
NOT_FINISHED = "no finished job of that id and kind (finished jobs are forgotten after a while)"
# Nothing but this server: a page that cannot load or send anything elsewhere, even by mistake.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def create_app(served: ServedModel, limits: ServeLimits | None = None) -> Starlette:
    """The web app serving ``served``; its job worker starts now and stops at shutdown."""
    limits = limits or ServeLimits()
    jobs = Workers(limits.queue_size, limits.jobs_kept)
    jobs.attribution.submit("warm-up", warm_up)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["number"] = _number
    api = _Api(served, limits, jobs)

    async def page(request: Request) -> Response:
        context = {"card": served.card, "limits": limits, "methods": api.methods, "names": METHOD_LABELS}
        return templates.TemplateResponse(request, "index.html", context)

    routes = [
        Route("/", page),
        Route("/api/model", api.model),
        Route("/api/health", api.health),
        Route("/api/predict", api.predict, methods=["POST"]),
        Route("/api/jobs/{job_id}", api.job),
        Route("/api/jobs/{job_id}/cancel", api.cancel, methods=["POST"]),
        Route("/api/jobs/{job_id}/predictions.tsv", api.tsv),
        Route("/api/jobs/{job_id}/histogram.svg", api.svg("histogram_svg", Scored)),
        Route("/api/jobs/{job_id}/rows/{row:int}/explain", api.explain, methods=["POST"]),
        Route("/api/jobs/{job_id}/attribution.svg", api.svg("attribution_svg", Explained)),
        Route("/api/jobs/{job_id}/windows.svg", api.svg("windows_svg", Explained)),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        jobs.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(_SecurityHeaders)
    app.state.jobs, app.state.limits = jobs, limits
    return app


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class _Api:
    """The JSON endpoints; every model call goes through ``jobs``, one worker at a time on the model (``gate``)."""

    def __init__(self, served: ServedModel, limits: ServeLimits, jobs: Workers):
        self.served, self.limits, self.jobs = served, limits, jobs
        self.gate = ModelGate()
        self.methods = explain_methods(served.classifier)

    async def model(self, request: Request) -> Response:
        return JSONResponse({**self.served.card, "methods": list(self.methods)})

    async def health(self, request: Request) -> Response:
        waiting = {
            "waiting_scoring": self.jobs.scoring.waiting(),
            "waiting_attribution": self.jobs.attribution.waiting(),
        }
        return JSONResponse({"status": "ok", "waiting": self.jobs.waiting(), **waiting})

    async def _accept(self, jobs: JobQueue, prepare) -> Response:
        """Queue on ``jobs`` the work that ``await prepare()`` returns as (kind, callable, progress): 202 with
        the job's URL, or the request's error as 413 (a limit), 400 (bad input) or 503 (queue full)."""
        try:
            kind, work, progress = await prepare()
            job = jobs.submit(kind, work, progress)
        except LimitError as err:
            return _error(str(err), 413)
        except InputError as err:
            return _error(str(err), 400)
        except QueueFullError as err:
            return JSONResponse({"error": str(err)}, status_code=503, headers={"retry-after": "2"})
        return JSONResponse({"job": job.id, "url": f"/api/jobs/{job.id}"}, status_code=202)

    async def predict(self, request: Request) -> Response:
        async def prepare():
            form = await _bounded_form(request, self.limits)
            threshold = _threshold(form.get("threshold"))
            both_strands = str(form.get("both_strands", "")).lower() in ("1", "true", "on", "yes")
            uploads = [
                Upload(f.filename or "", await f.read()) for f in form.getlist("file") if isinstance(f, UploadFile)
            ]
            uploads = [u for u in uploads if u.filename or u.data]  # a browser sends an empty part for no file
            pasted = str(form.get("sequences") or "")
            inputs = await run_in_threadpool(read_request, pasted, uploads, self.limits, self.served.classifier.min_bp)

            def work():
                with self.gate.scoring():
                    return score(self.served, inputs.table, threshold, both_strands, inputs.notes)

            return "predict", work, None

        return await self._accept(self.jobs.scoring, prepare)

    async def job(self, request: Request) -> Response:
        found = self.jobs.queue_of(request.path_params["job_id"])
        if found is None:
            return _error(NOT_FINISHED, 404)
        queue, job = found
        body: dict[str, Any] = {**job.to_dict(), "ahead": queue.ahead_of(job)}
        if job.status == DONE and job.result is not None:
            body["result"] = job.result.to_dict()
        return JSONResponse(body)

    async def cancel(self, request: Request) -> Response:
        found = self.jobs.queue_of(request.path_params["job_id"])
        if found is None:
            return _error(NOT_FINISHED, 404)
        queue, job = found
        if job.status in FINISHED:
            return _error(f"job {job.id} has already finished ({job.status})", 409)
        queue.cancel(job)
        return JSONResponse(job.to_dict(), status_code=202)

    def _finished(self, request: Request, kind: type) -> Job | None:
        """The finished job of the path's id whose result is a ``kind``, else None."""
        job = self.jobs.get(request.path_params["job_id"])
        return job if job is not None and job.status == DONE and isinstance(job.result, kind) else None

    async def tsv(self, request: Request) -> Response:
        if (job := self._finished(request, Scored)) is None:
            return _error(NOT_FINISHED, 404)
        headers = {"content-disposition": 'attachment; filename="predictions.tsv"'}
        return PlainTextResponse(job.result.tsv(), media_type="text/tab-separated-values", headers=headers)

    def svg(self, attribute: str, kind: type) -> Callable:
        async def endpoint(request: Request) -> Response:
            if (job := self._finished(request, kind)) is None:
                return _error(NOT_FINISHED, 404)
            data = getattr(job.result, attribute)
            return Response(data, media_type="image/svg+xml") if data else _error("no such plot for this job", 404)

        return endpoint

    async def explain(self, request: Request) -> Response:
        if (job := self._finished(request, Scored)) is None:
            return _error(NOT_FINISHED, 404)
        table, row = job.result.table, request.path_params["row"]
        if not 0 <= row < len(table):
            return _error(f"row {row}: the job has rows 0 to {len(table) - 1}", 404)
        seq_id, seq = str(table["id"].iloc[row]), str(table["sequence"].iloc[row])

        async def prepare():
            form = await _bounded_form(request, self.limits)
            method = str(form.get("method") or EXPLAIN_METHODS[0])
            if method not in EXPLAIN_METHODS:
                raise InputError(f"method {method!r}: use one of {list(EXPLAIN_METHODS)}")
            progress, limit = Progress(), self.limits.max_explain_bp

            def work():
                return explain_record(self.served, seq_id, seq, method, limit, gate=self.gate, progress=progress)

            return "explain", work, progress

        return await self._accept(self.jobs.attribution, prepare)


def _number(value) -> str:
    """A number as a person writes it: ``200``, not ``200.0`` (``200.5`` stays); "?" for None."""
    return f"{float(value):g}" if value is not None else "?"


def _threshold(value) -> float:
    if value in (None, ""):
        return 0.5
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        raise InputError(f"threshold {value!r}: not a number; give a probability between 0 and 1") from None
    if not 0 <= threshold <= 1:
        raise InputError(f"threshold {threshold:g}: give a probability between 0 and 1")
    return threshold


async def _bounded_form(request: Request, limits: ServeLimits):
    """The request's form, refused with LimitError as soon as its body passes ``max_request_mb``.

    The body is counted as it arrives (a Content-Length header can lie or be absent), then parsed
    from memory; uploads never touch the disk here.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_request_bytes:
        raise limits.request_too_large(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_request_bytes:
            raise limits.request_too_large(size)
        chunks.append(chunk)
    body = b"".join(chunks)

    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    parts = max(limits.max_request_bytes, 1)
    return await Request(request.scope, replay).form(max_files=100, max_fields=100, max_part_size=parts)


class _SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every response (a plain ASGI middleware: streaming stays intact)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
