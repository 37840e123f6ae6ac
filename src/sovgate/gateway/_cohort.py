"""Classifying the requests that are ready at the same time back to back (cohort scheduling).

Under concurrent load the event loop would otherwise run each request from start to upstream
call in one go: parsing, classification, policy, pseudonymization, the upstream write, then
the next request. Everything else a request does evicts the detectors' tables, regex programs
and code from the CPU caches, so each classification starts cold. Requests that reach
classification in the same turn of the loop are queued instead and classified one after the
other by one callback; each then goes on as before. Alone (one request at a time) a request
waits only for that callback, in the next turn of the loop.

Measured side by side on the overhead benchmark's 2 KB ticket (docs/performance-history.md): 13 % less
CPU per request at concurrency 32, 8 % at 8, the same at 1. Pseudonymization of requests whose
pseudonym session is their own goes through a cohort of its own likewise (_protect_adapter.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# A run (one callback) takes queued calls until their costs (characters of text) reach this:
# meanwhile the loop serves no I/O, so a run holds it about as long as classifying two of the
# largest texts still classified on the loop (32 KiB; larger ones go to a thread, _offload.py).
# A run always takes at least one call; the rest of the queue follows in a later callback.
# Runs of 8 requests (16 KB of tickets) kept little of the gain at concurrency 32: the rest of
# each cohort waited behind the loop's other ready work and started cold again.
RUN_COST = 64 * 1024


class Cohort:
    """Runs synchronous, CPU-bound calls submitted in the same turn of the loop back to back."""

    def __init__(self, run_cost: int = RUN_COST) -> None:
        self.run_cost = run_cost
        self._queue: list[tuple[asyncio.Future[Any], int, Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., T], *args: Any, cost: int = 1) -> asyncio.Future[T]:
        """`fn(*args)`'s result (or exception), computed in a later turn of the loop; `cost` is
        what the call weighs against `run_cost` (for classification: its characters)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        if not self._queue:
            loop.call_soon(self._run)
        self._queue.append((fut, cost, fn, args))
        return fut

    def _run(self) -> None:
        queue, spent, n = self._queue, 0, 0
        while n < len(queue) and (n == 0 or spent + queue[n][1] <= self.run_cost):
            spent += queue[n][1]
            n += 1
        run, self._queue = queue[:n], queue[n:]
        if self._queue:
            asyncio.get_running_loop().call_soon(self._run)
        try:
            for fut, _, fn, args in run:
                if fut.cancelled():  # the request went away while it waited
                    continue
                try:
                    fut.set_result(fn(*args))
                except Exception as exc:  # the caller refuses the request (fail closed)
                    fut.set_exception(exc)
        finally:  # a BaseException (shutdown) ends the run: its other callers must not hang
            for fut, *_ in run:
                if not fut.done():
                    fut.cancel()
