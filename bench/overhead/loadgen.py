"""Closed-loop HTTP/1.1 load generator for the overhead benchmark.

`concurrency` workers each hold one keep-alive connection and send the next
request as soon as the previous answer is complete (closed loop). Raw asyncio
protocol on uvloop with httptools parsing and pre-serialized requests, so one
request costs the generator a few tens of microseconds: it is not what limits
a Python gateway.

Per request it records the latency (send to last byte) and, for streams, the
time to first event (send to the first body bytes holding `data:`). A phase is
a warm-up (not recorded) followed by a measured window; the gateway's CPU time
(utime+stime of its process tree, from /proc) is read at both edges of the
window. With `--requests N` it instead sends exactly N requests (soak mode).

Prints one JSON object on stdout. Used by run.py, one process per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import httptools
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _proc

SAMPLE_LIMIT = 4096


class _Response:
    __slots__ = ("body", "done", "first", "keep_alive", "status", "tail")

    def __init__(self) -> None:
        self.status = 0
        self.first = 0.0
        self.done = False
        self.keep_alive = True
        self.tail = b""
        self.body: list[bytes] | None = None


class _Connection(asyncio.Protocol):
    """One keep-alive client connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[_Response] | None = None
        self.resp = _Response()
        self.closed = False

    # asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("connection closed by peer"))

    # httptools callbacks
    def on_headers_complete(self) -> None:
        self.resp.status = status = self.parser.get_status_code()
        if status != 200 and self.resp.body is None:
            self.resp.body = []  # keep error bodies: they say what went wrong

    def on_body(self, body: bytes) -> None:
        resp = self.resp
        if resp.first == 0.0 and b"data:" in body:
            resp.first = time.perf_counter()
        # Keep enough of the end to see `data: [DONE]` split across reads.
        resp.tail = (resp.tail + body[-64:])[-64:]
        if resp.body is not None:
            resp.body.append(body)

    def on_message_complete(self) -> None:
        self.resp.done = True
        # Only valid inside the callback: httptools resets it once the message is done.
        self.resp.keep_alive = self.parser.should_keep_alive()
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(self.resp)

    def _fail(self, exc: BaseException) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def send(self, payload: bytes, keep_body: bool) -> asyncio.Future[_Response]:
        assert self.transport is not None
        self.resp = _Response()
        if keep_body:
            self.resp.body = []
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return self.waiter


@dataclass
class _Record:
    latencies: list[float] = field(default_factory=list)
    ttfe: list[float] = field(default_factory=list)
    completed: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)
    sample: str = ""
    error_sample: str = ""
    stream_incomplete: int = 0
    sent: int = 0


def build_requests(url: str, bodies: list[bytes], headers: list[tuple[str, str]]) -> list[bytes]:
    parts = urlsplit(url)
    host = parts.netloc
    path = parts.path or "/"
    out = []
    for body in bodies:
        head = [f"POST {path} HTTP/1.1", f"host: {host}", "content-type: application/json"]
        head += [f"{k}: {v}" for k, v in headers]
        head.append(f"content-length: {len(body)}")
        out.append(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    return out


async def _connect(host: str, port: int) -> _Connection:
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(_Connection, host, port)
    return conn


async def _worker(
    host: str,
    port: int,
    requests: list[bytes],
    stream: bool,
    rec: _Record,
    window: list[float],
    budget: list[int] | None,
    cursor: Iterator[int],
) -> None:
    """Send requests until the window closes (or the request budget is spent).

    All workers draw from one `cursor`, so consecutive requests carry different bodies
    (per-worker cursors would send each body c times in a row, and a gateway that memoizes
    repeated text would answer all but the first from its memo)."""
    conn: _Connection | None = None
    n = len(requests)
    perf = time.perf_counter
    while True:
        if budget is not None:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        elif perf() >= window[1]:
            return
        try:
            if conn is None or conn.closed:
                conn = await _connect(host, port)
            keep = not rec.sample
            i = next(cursor)
            rec.sent += 1
            t0 = perf()
            resp = await conn.send(requests[i % n], keep)
            t1 = perf()
        except Exception as exc:  # counted, then the worker reconnects
            if budget is not None or window[0] <= perf() <= window[1]:
                rec.errors += 1
                kind = type(exc).__name__
                rec.error_kinds[kind] = rec.error_kinds.get(kind, 0) + 1
            conn = None
            await asyncio.sleep(0.01)
            continue
        if not resp.keep_alive:
            assert conn.transport is not None
            conn.transport.close()
            conn = None
        if resp.body is not None:
            text = b"".join(resp.body)[:SAMPLE_LIMIT].decode("utf-8", "replace")
            if keep:
                rec.sample = text
            if resp.status != 200 and not rec.error_sample:
                rec.error_sample = f"HTTP {resp.status}: {text}"
        if budget is None and not (window[0] <= t1 <= window[1]):
            continue
        rec.statuses[resp.status] = rec.statuses.get(resp.status, 0) + 1
        ok = resp.status == 200
        if stream and ok and b"[DONE]" not in resp.tail:
            rec.stream_incomplete += 1
            ok = False
        if not ok:
            rec.errors += 1
            continue
        rec.completed += 1
        rec.latencies.append(t1 - t0)
        if stream and resp.first:
            rec.ttfe.append(resp.first - t0)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def summarize(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    if not s:
        return {}
    ms = 1000.0
    return {
        "p50_ms": percentile(s, 50) * ms,
        "p90_ms": percentile(s, 90) * ms,
        "p99_ms": percentile(s, 99) * ms,
        "max_ms": s[-1] * ms,
        "mean_ms": sum(s) / len(s) * ms,
    }


async def run_phase(args: argparse.Namespace) -> dict[str, object]:
    parts = urlsplit(args.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    bodies = [b.encode() for b in msgspec.json.decode(Path(args.bodies).read_bytes())]
    headers = [tuple(h.split(":", 1)) for h in args.header]
    requests = build_requests(args.url, bodies, [(k.strip(), v.strip()) for k, v in headers])
    rec = _Record()
    pids = _proc.tree(args.cpu_pid) if args.cpu_pid else []
    cores = {int(c) for c in args.cores.split(",") if c.strip()}
    loop = asyncio.get_running_loop()
    now = time.perf_counter()
    budget: list[int] | None = None
    if args.requests:
        budget = [args.requests]
        window = [now, float("inf")]
    else:
        window = [now + args.warmup, now + args.warmup + args.duration]
    cpu: dict[str, float] = {}

    def mark(edge: str) -> None:
        cpu[edge] = _proc.cpu_seconds(pids)
        cpu[edge + "_t"] = time.perf_counter()
        if cores:
            cpu[edge + "_core"] = _proc.cores_busy_seconds(cores)

    if budget is None:
        loop.call_at(loop.time() + args.warmup, mark, "start")
    else:
        mark("start")
    cursor = itertools.count(args.start)
    workers = [
        asyncio.create_task(_worker(host, port, requests, args.stream, rec, window, budget, cursor))
        for _ in range(args.concurrency)
    ]
    if budget is None:
        await asyncio.sleep(args.warmup + args.duration)
        mark("end")
        # Let in-flight requests finish (they are not counted), but never hang.
        _, pending = await asyncio.wait(workers, timeout=args.timeout)
        for task in pending:
            task.cancel()
        elapsed = cpu["end_t"] - cpu["start_t"]
    else:
        # Every request of the budget must finish; run.py bounds the whole phase.
        await asyncio.gather(*workers)
        mark("end")
        elapsed = cpu["end_t"] - cpu["start_t"]
    cpu_s = cpu["end"] - cpu["start"] if pids else float("nan")
    # What else ran on the gateway's core during the window (other processes, steal): noise.
    foreign = None
    if cores and pids and elapsed > 0:
        foreign = max(0.0, (cpu["end_core"] - cpu["start_core"] - cpu_s) / (elapsed * len(cores)))
    return {
        "url": args.url,
        "concurrency": args.concurrency,
        "stream": args.stream,
        "duration_s": elapsed,
        "completed": rec.completed,
        "sent": rec.sent,  # warm-up and unfinished requests included: where the next phase starts
        "errors": rec.errors,
        "error_kinds": rec.error_kinds,
        "statuses": {str(k): v for k, v in rec.statuses.items()},
        "stream_incomplete": rec.stream_incomplete,
        "rps": rec.completed / elapsed if elapsed > 0 else 0.0,
        "latency": summarize(rec.latencies),
        "ttfe": summarize(rec.ttfe),
        "cpu_s": cpu_s,
        "cpu_ms_per_req": cpu_s * 1000.0 / rec.completed if rec.completed and pids else None,
        "cpu_pids": pids,
        "core_foreign_share": foreign,
        "sample": rec.sample,
        "error_sample": rec.error_sample,
    }


def main() -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=fmt)
    parser.add_argument("--url", required=True)
    parser.add_argument("--bodies", required=True, help="JSON file: a list of request bodies (strings)")
    parser.add_argument("--header", action="append", default=[], help="'name: value', repeatable")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--requests", type=int, default=0, help="send exactly N requests instead")
    parser.add_argument("--start", type=int, default=0, help="index of the first body to send")
    parser.add_argument("--stream", action="store_true", help="expect SSE answers ending in [DONE]")
    parser.add_argument("--cpu-pid", type=int, default=0, help="root pid of the process tree to meter")
    parser.add_argument("--cores", default="", help="the metered process's cores, e.g. 1 or 1,2 (noise)")
    parser.add_argument("--timeout", type=float, default=30.0, help="grace for in-flight requests")
    args = parser.parse_args()
    try:
        import uvloop

        result = uvloop.run(run_phase(args))
    except ImportError:
        result = asyncio.run(run_phase(args))
    sys.stdout.write(msgspec.json.encode(result).decode() + "\n")


if __name__ == "__main__":
    main()
