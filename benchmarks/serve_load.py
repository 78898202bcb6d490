"""Load on ``enhancerlm serve``: concurrent clients on loopback, every answer checked, p50/p95 latency.

The real uvicorn server runs in this process on a free 127.0.0.1 port; ``--clients`` threads each
post ``--requests`` requests of ``--seqs`` random sequences and poll until the table comes back. A
request's latency is post to finished table. Every returned probability must equal, as text,
what ``predict_proba`` + ``prediction_table`` give for the same sequences (the numbers of
``enhancerlm predict``); afterwards the server must still answer. A 503 (queue full) is retried
after its Retry-After and counted.

    python benchmarks/serve_load.py                              # 20 clients x 1 request x 100 seqs, tiny model
    python benchmarks/serve_load.py --model demo-out/run/model --clients 20 --requests 3

``--attribution-bp N`` runs the clients twice, side by side: alone, then while an ISM of one N bp
sequence runs on the server (started first, cancelled at the end): scoring must not wait for it.

    python benchmarks/serve_load.py --clients 5 --seqs 20 --attribution-bp 3000
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: a random-init tiny-dnabert-6)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=1, help="requests per client, one after the other")
    parser.add_argument("--seqs", type=int, default=100, help="sequences per request")
    parser.add_argument("--min-bp", type=int, default=100)
    parser.add_argument("--max-bp", type=int, default=600)
    parser.add_argument("--queue-size", type=int, default=32, help="the server's --queue-size")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a request may take before it fails")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--attribution-bp", type=int, default=0, help="also load the server beside an ISM of this")
    return parser.parse_args()


def random_fasta(n: int, min_bp: int, max_bp: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    lengths = rng.integers(min_bp, max_bp + 1, size=n)
    seqs = ["".join(rng.choice(list("ACGT"), size=int(n_bp))) for n_bp in lengths]
    return [f"r{i}" for i in range(n)], seqs


def tiny_model(folder: Path) -> Path:
    from enhancerlm.models import create_classifier
    from enhancerlm.sequences.records import LabelMap

    create_classifier("tiny-dnabert-6", LabelMap.from_labels(["enhancer", "not_enhancer"])).save(folder)
    return folder


def start_server(app) -> tuple[str, object, threading.Thread]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", backlog=256))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def _json(request, timeout: float) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def one_request(base: str, fasta: str, timeout: float, retries: list[int]) -> dict:
    """Post, retry on 503, poll until done; returns the finished job."""
    body = urllib.parse.urlencode({"sequences": fasta}).encode()
    deadline = time.monotonic() + timeout
    while True:
        status, answer = _json(urllib.request.Request(base + "/api/predict", data=body), timeout)
        if status != 503:
            break
        retries.append(1)
        time.sleep(0.5)
    if status != 202:
        raise RuntimeError(f"POST answered {status}: {answer}")
    while time.monotonic() < deadline:
        _, job = _json(base + answer["url"], timeout)
        if job["status"] == "done":
            return job
        if job["status"] == "failed":
            raise RuntimeError(job["error"])
        time.sleep(0.05)
    raise TimeoutError(f"job {answer['url']} not done after {timeout} s")


def main() -> None:
    args = parse_args()
    from enhancerlm.predict import predict_proba, prediction_table
    from enhancerlm.serve.app import create_app
    from enhancerlm.serve.limits import ServeLimits
    from enhancerlm.serve.served import load_served_model
    from enhancerlm.serve.work import FLOAT_FORMAT

    with tempfile.TemporaryDirectory() as tmp:
        served = load_served_model(args.model or tiny_model(Path(tmp) / "model"))
    rng = np.random.default_rng(args.seed)
    batches = [random_fasta(args.seqs, args.min_bp, args.max_bp, rng) for _ in range(args.clients * args.requests)]
    # The expected numbers, computed first and without the server: `enhancerlm predict`'s primitives.
    expected, direct = [], time.perf_counter()
    for ids, seqs in batches:
        proba = predict_proba(served.classifier, seqs)
        expected.append([FLOAT_FORMAT % p for p in prediction_table(served.classifier, ids, proba)["probability"]])

    direct = time.perf_counter() - direct
    base, server, thread = start_server(create_app(served, ServeLimits(queue_size=args.queue_size)))
    print(f"model: {served.classifier.backbone}; {args.clients} clients x {args.requests} requests x {args.seqs} seqs")
    failures = load(base, batches, expected, args, "alone", direct)
    if args.attribution_bp:
        explaining = start_attribution(base, args.attribution_bp, args.seed, args.timeout)
        failures += load(base, batches, expected, args, f"beside an ISM of {args.attribution_bp} bp", direct)
        _, job = _json(base + explaining, 10)
        progress = job["progress"]
        print(
            f"  the ISM meanwhile: {job['status']}, {progress['done']} of {progress['total']} model inputs "
            f"(about {progress['seconds_left']} s left); cancelled now"
        )
        _json(urllib.request.Request(base + explaining + "/cancel", data=b""), 10)
    _, health = _json(base + "/api/health", 10)
    with urllib.request.urlopen(base + "/", timeout=10) as page:
        page_ok = page.status == 200
    server.should_exit = True
    thread.join(10)
    print(f"server afterwards: health {health.get('status')}, page {'200' if page_ok else 'failed'}")
    if failures or health.get("status") != "ok" or not page_ok:
        raise SystemExit(f"FAILED: {failures[:5]}")


def start_attribution(base: str, length_bp: int, seed: int, timeout: float) -> str:
    """Score one random ``length_bp`` sequence, ask for its ISM and wait until that runs; returns its job URL."""
    seq = "".join(np.random.default_rng(seed + 1).choice(list("ACGT"), length_bp))
    scored = one_request(base, f">long\n{seq}\n", timeout, [])
    body = urllib.parse.urlencode({"method": "ism"}).encode()
    _, answer = _json(urllib.request.Request(f"{base}/api/jobs/{scored['id']}/rows/0/explain", data=body), timeout)
    while (job := _json(base + answer["url"], timeout)[1])["progress"]["done"] == 0:
        if job["status"] not in ("queued", "running"):
            raise RuntimeError(f"the ISM job ended: {job}")
        time.sleep(0.2)
    return answer["url"]


def load(base: str, batches, expected, args: argparse.Namespace, phase: str, direct: float) -> list:
    """Every client's requests, concurrently; prints latency and throughput; returns the wrong answers."""
    latencies, failures, retries = [], [], []
    lock = threading.Lock()

    def client(c: int) -> None:
        for r in range(args.requests):
            k = c * args.requests + r
            ids, seqs = batches[k]
            fasta = "".join(f">{i}\n{s}\n" for i, s in zip(ids, seqs))
            start = time.perf_counter()
            try:
                job = one_request(base, fasta, args.timeout, retries)
                got = [row["probability_text"] for row in job["result"]["rows"]]
                ok = got == expected[k] and [row["id"] for row in job["result"]["rows"]] == ids
            except Exception as err:  # counted and reported, the other clients go on
                ok, got = False, [repr(err)]
            with lock:
                latencies.append(time.perf_counter() - start)
                if not ok:
                    failures.append((k, got[:3]))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    n = len(latencies)
    p50, p95 = np.percentile(latencies, [50, 95])
    print(f"{phase}: requests {n}, correct {n - len(failures)}, 503 retries {len(retries)}")
    print(f"  latency (post -> table): p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s")
    print(
        f"  throughput: {n * args.seqs / wall:.0f} seq/s over {wall:.1f} s (served) vs {n * args.seqs / direct:.0f} "
        "seq/s through predict_proba directly, one after the other, no server"
    )
    return failures


if __name__ == "__main__":
    main()
