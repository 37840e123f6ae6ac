"""`serve --workers N`: N forked uvicorn servers accepting on one shared listening socket.

Forking after start-up work (config, policy compile, classifier automata) means workers
start at once and share those read-only pages copy-on-write, instead of each
re-importing and rebuilding them as uvicorn's spawn-based workers do. Everything with
threads or connections (event loop, upstream pool, audit log) is opened in each worker
by the app's lifespan, after the fork.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from typing import Any

import uvicorn

# a worker that dies sooner than this after its start is not replaced (it would crash again)
_MIN_LIFETIME_S = 10.0


def run_workers(config: uvicorn.Config, workers: int) -> int:
    """Serve with `workers` processes until SIGINT/SIGTERM; returns the exit code."""
    sock = config.bind_socket()
    children: dict[int, float] = {}
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # worker
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = 1
            try:
                uvicorn.Server(config).run(sockets=[sock])
                code = 0
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for _ in range(workers):
        spawn()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    failed = False
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        if time.monotonic() - started < _MIN_LIFETIME_S:
            print(f"sovgate: worker {pid} exited at start-up ({code}); not restarting it", file=sys.stderr)
            failed = True
            if not children:
                break
            continue
        print(f"sovgate: worker {pid} exited ({code}); starting a new one", file=sys.stderr)
        spawn()
    sock.close()
    return 1 if failed and not stopping else 0
