"""Where the tests find Redis: the one running on 127.0.0.1:6379, else one pytest-redis starts."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest


def redis_url(request: pytest.FixtureRequest, db: int) -> str:
    """A redis:// URL of database `db` (each test module its own), or skip when there is no Redis."""
    with socket.socket() as s:
        s.settimeout(0.3)
        if s.connect_ex(("127.0.0.1", 6379)) == 0:
            return f"redis://127.0.0.1:6379/{db}"
    if not (shutil.which("redis-server") or Path("/usr/bin/redis-server").exists()):
        pytest.skip("no Redis on 127.0.0.1:6379 and no redis-server for pytest-redis to start")
    proc = request.getfixturevalue("redis_proc")  # pytest-redis starts /usr/bin/redis-server
    return f"redis://{proc.host}:{proc.port}/{db}"
