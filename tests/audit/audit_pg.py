"""Start a throwaway PostgreSQL server for the tests when none is reachable.

pytest-postgresql's executor runs `pg_ctl` as the current user, which PostgreSQL refuses
for root (CI containers); this does the same steps, via `runuser -u postgres` when root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _pg_ctl() -> str | None:
    found = shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl"
    if os.path.exists(found):
        return found
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def spawned_server() -> Iterator[str]:
    """Yield the URL of the `postgres` database on a fresh local server; removes it afterwards."""
    pg_ctl = _pg_ctl()
    if pg_ctl is None:
        raise RuntimeError("no pg_ctl found")
    tmp = tempfile.mkdtemp(prefix="sovgate-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(tmp, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = f"{tmp}/data", _free_port()
    run = lambda *args: subprocess.run([*prefix, pg_ctl, *args], check=True, capture_output=True, timeout=120)  # noqa: E731
    run("initdb", "-D", data, "-o", "--username=postgres --auth=trust")
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=on"
    run("start", "-D", data, "-w", "-l", f"{tmp}/pg.log", "-o", opts)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        run("stop", "-D", data, "-m", "immediate")
        shutil.rmtree(tmp, ignore_errors=True)
