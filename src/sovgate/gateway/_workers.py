"""`serve --workers N`: N forked uvicorn servers, each accepting on its own listening socket.

Forking after start-up work (config, policy compile, classifier automata) means workers
start at once and share those read-only pages copy-on-write, instead of each
re-importing and rebuilding them as uvicorn's spawn-based workers do. Everything with
threads or connections (event loop, upstream pool, audit log) is opened in each worker
by the app's lifespan, after the fork.

Each worker gets its own socket bound to the same address with SO_REUSEPORT, so the kernel
spreads new connections evenly over the workers. With one shared socket, whichever worker
wakes first accepts: 32 keep-alive clients ended up 26 : 6 on two workers, and the busy one
capped the throughput. Where SO_REUSEPORT is missing, the workers share one socket.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

import uvicorn

# a worker that dies sooner than this after its start is not replaced (it would crash again)
_MIN_LIFETIME_S = 10.0


def _listen(config: uvicorn.Config, port: int) -> socket.socket:
    """A listening socket on `config.host`:`port` that other workers' sockets may share."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((config.host, port))
        sock.listen(config.backlog)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _refuse_if_served(config: uvicorn.Config) -> None:
    """SO_REUSEPORT would let this server join another one's port (same user) and take half of
    its clients; a second `serve` must fail as it does without the option."""
    if not config.port:
        return
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(config.host, config.host)
    try:
        with socket.create_connection((host, config.port), timeout=0.5):
            pass
    except OSError:
        return  # nobody listening: the port is ours to bind
    raise OSError(errno.EADDRINUSE, "address already in use (another server answers on it)")


def run_workers(config: uvicorn.Config, workers: int, on_exit: Callable[[int], None] | None = None) -> int:
    """Serve with `workers` processes until SIGINT/SIGTERM; returns the exit code. `on_exit` is
    called with the pid of every worker that ended (e.g. to drop its share of the metrics)."""
    own = hasattr(socket, "SO_REUSEPORT")
    if own:
        _refuse_if_served(config)
        first = _listen(config, config.port)  # binding errors surface here, before any fork
        port = first.getsockname()[1]  # the port the others join when the config said 0
        pending = [first, *(_listen(config, port) for _ in range(workers - 1))]
    else:
        shared = config.bind_socket()
        pending = []
    children: dict[int, float] = {}
    stopping = False

    def spawn() -> None:
        # with SO_REUSEPORT a replacement worker gets a new socket of its own
        sock = (pending.pop() if pending else _listen(config, port)) if own else shared
        pid = os.fork()
        if pid == 0:  # worker
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            for other in pending:  # the sockets of workers not forked yet
                other.close()
            code = 1
            try:
                uvicorn.Server(config).run(sockets=[sock])
                code = 0
            finally:
                os._exit(code)
        if own:
            sock.close()  # the worker holds it now
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
        if started is not None and on_exit is not None:
            on_exit(pid)
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
    if not own:
        shared.close()
    return 1 if failed and not stopping else 0
