"""`serve --workers 2`: the kernel spreads keep-alive clients over both workers (SO_REUSEPORT),
a worker that dies is replaced with a socket of its own, and a taken port is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from sovgate.gateway import _workers

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(socket, "SO_REUSEPORT"),
    reason="reads /proc; per-worker sockets need SO_REUSEPORT",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                out.append(int(entry))
    return out


def _established_by_pid(port: int, pids: list[int]) -> Counter[int]:
    """How many established server-side connections on `port` each pid holds (from /proc)."""
    inodes: dict[str, int] = {}
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    held: Counter[int] = Counter()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            local_port, state, inode = int(cols[1].rsplit(":", 1)[1], 16), cols[3], cols[9]
            if local_port == port and state == "01" and inode in inodes:
                held[inodes[inode]] += 1
    return held


def _wait_ready(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("sovgate did not start")


def _health(sockets: list[socket.socket]) -> None:
    for s in sockets:
        s.sendall(b"GET /healthz HTTP/1.1\r\nhost: t\r\n\r\n")
    for s in sockets:
        assert s.recv(1000).startswith(b"HTTP/1.1 200")


@pytest.fixture
def served(tmp_path: Path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sovgate", "serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_ready(port, proc)
        yield port, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_keep_alive_clients_spread_over_both_workers(served) -> None:
    port, proc = served
    workers = _children(proc.pid)
    assert len(workers) == 2
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(48)]
    try:
        _health(clients)
        held = _established_by_pid(port, workers)
        assert sum(held.values()) == 48
        # a shared socket gave 26 : 6 of 32; hashing over two sockets keeps both well used
        assert min(held[w] for w in workers) >= 12, held
    finally:
        for c in clients:
            c.close()


def test_a_replaced_worker_accepts_on_a_socket_of_its_own(served) -> None:
    port, proc = served
    before = _children(proc.pid)
    time.sleep(_workers._MIN_LIFETIME_S + 0.5)  # one that dies younger is not replaced
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = _children(proc.pid)
        if len(now) == 2 and before[0] not in now:
            break
        time.sleep(0.1)
    replaced = [w for w in _children(proc.pid) if w not in before]
    assert replaced, "the dead worker was not replaced"
    time.sleep(1.0)  # the new worker's server is up
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(48)]
    try:
        _health(clients)  # no connection lands on a socket nobody accepts on
        held = _established_by_pid(port, _children(proc.pid))
        assert held[replaced[0]] > 0, held
    finally:
        for c in clients:
            c.close()


def test_a_port_in_use_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        _refused(taken.getsockname()[1], tmp_path)


def test_a_second_gateway_does_not_join_the_port(served, tmp_path: Path) -> None:
    _refused(served[0], tmp_path)


def _refused(port: int, cwd: Path) -> None:
    """`serve --workers 2` on `port` exits with a clear message, no traceback, serving nothing."""
    done = subprocess.run(
        [sys.executable, "-m", "sovgate", "serve", "--port", str(port), "--workers", "2"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "address already in use" in done.stderr and "Traceback" not in done.stderr, done.stderr
