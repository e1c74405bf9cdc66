"""The load generator: a small asyncio HTTP/1.1 client, run as its own process.

``python -m bench.load SPEC.json`` reads a plan, runs it and prints one JSON object (the result)
on stdout. The scenarios build the plan, start this process and read the result, so the load
generator never shares an interpreter (or a GIL) with the code it measures.

A plan::

    {
      "url": "http://127.0.0.1:8000",
      "mode": "closed" | "open",
      "concurrency": 64,            # connections (closed: each loops; open: at most this many in flight)
      "duration": 10.0,             # closed: measured seconds (after "warmup" seconds, not counted)
      "warmup": 2.0,
      "arrival_seconds": 60.0,      # open: the requests' start times are spread evenly over this
      "source": {...}               # what to send, below
    }

Sources (the request of each client, built here so that millions of requests need no file):

* ``{"kind": "save", "path": "/x/{attempt}/{position}/", "attempts": [[id, token], ...],
  "positions": 120, "header": "X-Attempt-Token"}`` — client *i* is candidate ``attempts[i]``; it
  PUTs answers to random positions with its own strictly increasing ``seq``, like the exam page.
* ``{"kind": "get", "paths": [...]}`` — GET a random path of the list.
* ``{"kind": "list", "requests": [{"method", "path", "headers", "body"}, ...]}`` — each request
  once, in order (the open mode's exam start: one request per candidate).

Keep-alive is used whenever the server allows it (gunicorn's sync workers close after each
response, so clients reconnect — as browsers behind a proxy would not, but the same for both sides
of a ratio). Latency of an open-loop request is measured from its scheduled time, so queueing in the
client counts (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class HttpError(Exception):
    pass


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)  # one response body per unexpected status


class Connection:
    """One HTTP/1.1 connection that reconnects when the server closes it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, req: Request) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = [f"{req.method} {req.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in req.headers.items()]
        if req.body or req.method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(req.body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + req.body)
        status, body, keep = await read_response(self.reader)
        if not keep:
            await self.close()
        return status, body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the connection may be reused."""
    raw = await reader.readuntil(b"\r\n\r\n")
    return await read_body(reader, *parse_head(raw))


def parse_head(raw: bytes) -> tuple[int, dict[str, str], str]:
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise HttpError(f"bad status line {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers, parts[0]


async def read_body(reader: asyncio.StreamReader, status: int, headers: dict[str, str], version: str):
    keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(c[:-2] for c in chunks)
    else:
        body = await reader.read()
        keep = False
    return status, body, keep


# --- sources --------------------------------------------------------------------------


def save_source(source: dict, client: int, rng: random.Random):
    """Candidate ``client`` saving answers: random position, strictly increasing seq."""
    attempt_id, token = source["attempts"][client % len(source["attempts"])]
    header = source.get("header", "X-Attempt-Token")
    headers = {"Content-Type": "application/json", "Accept": "application/json", header: token}
    positions = int(source.get("positions", 100))
    seq = int(source.get("first_seq", 1))
    while True:
        position = rng.randint(1, positions)
        answer = {"choice": rng.choice("ABCDE")}
        body = json.dumps({"answer": answer, "flagged": False, "seq": seq}).encode()
        yield Request("PUT", source["path"].format(attempt=attempt_id, position=position), headers, body)
        seq += 1


def get_source(source: dict, client: int, rng: random.Random):
    headers = {"Accept": "application/json", **source.get("headers", {})}
    paths = source["paths"]
    while True:
        yield Request("GET", rng.choice(paths), headers)


def list_requests(source: dict) -> list[Request]:
    out = []
    for r in source["requests"]:
        body = r.get("body", b"")
        if not isinstance(body, bytes | str):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        out.append(Request(r.get("method", "GET"), r["path"], r.get("headers", {}), data))
    return out


SOURCES = {"save": save_source, "get": get_source}


# --- running ----------------------------------------------------------------------------


async def _one(conn: Connection, req: Request, outcome: Outcome, started: float, record: bool) -> None:
    try:
        status, body = await conn.request(req)
    except (OSError, asyncio.IncompleteReadError, HttpError, ValueError) as exc:
        await conn.close()
        if record:
            outcome.errors[type(exc).__name__] += 1
        return
    if record:
        outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
        outcome.statuses[status] += 1
        if status >= 400 and str(status) not in outcome.samples:
            outcome.samples[str(status)] = body[:500].decode("utf-8", "replace")


async def run_closed(plan: dict) -> tuple[Outcome, float]:
    url = urlsplit(plan["url"])
    source = plan["source"]
    make = SOURCES[source["kind"]]
    outcome = Outcome()
    warmup, duration = float(plan.get("warmup", 2.0)), float(plan.get("duration", 10.0))
    t0 = time.perf_counter()
    measure_from, measure_to = t0 + warmup, t0 + warmup + duration
    seed = int(plan.get("seed", 1))

    async def client(index: int) -> None:
        rng = random.Random(seed * 100_003 + index)
        requests = make(source, index, rng)
        conn = Connection(url.hostname, url.port)
        try:
            while True:
                started = time.perf_counter()
                if started >= measure_to:
                    return
                await _one(conn, next(requests), outcome, started, record=started >= measure_from)
        finally:
            await conn.close()

    await asyncio.gather(*(client(i) for i in range(int(plan["concurrency"]))))
    return outcome, duration


async def run_open(plan: dict) -> tuple[Outcome, float]:
    url = urlsplit(plan["url"])
    requests = list_requests(plan["source"])
    outcome = Outcome()
    spread = float(plan.get("arrival_seconds", 60.0))
    gate = asyncio.Semaphore(int(plan.get("concurrency", 256)))
    pool: list[Connection] = []
    t0 = time.perf_counter() + 0.05

    async def fire(i: int, req: Request) -> None:
        scheduled = t0 + spread * i / max(1, len(requests))
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        async with gate:
            conn = pool.pop() if pool else Connection(url.hostname, url.port)
            await _one(conn, req, outcome, scheduled, record=True)
            pool.append(conn)

    await asyncio.gather(*(fire(i, r) for i, r in enumerate(requests)))
    elapsed = time.perf_counter() - t0
    for conn in pool:
        await conn.close()
    return outcome, elapsed


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))  # nearest rank
    return sorted_values[index]


def summarize(outcome: Outcome, seconds: float, expect: list[int] | None = None) -> dict:
    latencies = sorted(outcome.latencies_ms)
    expect = expect or [200, 201]
    bad_status = sum(n for status, n in outcome.statuses.items() if status not in expect)
    return {
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "throughput": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else float("nan"),
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "errors": bad_status + sum(outcome.errors.values()),
        "exceptions": dict(outcome.errors),
        "error_samples": outcome.samples,
    }


def run(plan: dict) -> dict:
    runner = run_open if plan.get("mode") == "open" else run_closed
    outcome, seconds = asyncio.run(runner(plan))
    return summarize(outcome, seconds, plan.get("expect"))


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m bench.load SPEC.json")
    with open(argv[0]) as handle:
        plan = json.load(handle)
    print(json.dumps(run(plan)))


if __name__ == "__main__":
    main(sys.argv[1:])
