"""Fixtures of the audit tests: vectors from testdata/, and a log per store back end.

The PostgreSQL back end runs against a real server: the one on 127.0.0.1:5432 when it is
reachable, else one started by pytest-postgresql (pg_ctl). Each test session uses a
throwaway database, each test a fresh schema-free database copy (tables are dropped).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTDATA = Path(__file__).parent / "testdata"


def load_cases(kind: str) -> list[dict]:
    return [
        json.loads(p.read_text()) | {"file": str(p.relative_to(TESTDATA))}
        for p in sorted((TESTDATA / kind).rglob("*.json"))
    ]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL of a throwaway database on a real PostgreSQL server."""
    import psycopg

    base = os.environ.get("SOVGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    proc = None
    if not _reachable("127.0.0.1", 5432) and "SOVGATE_TEST_PG" not in os.environ:
        import tempfile

        from pytest_postgresql.executors import PostgreSQLExecutor

        tmp = tempfile.mkdtemp(prefix="sovgate-pg-")
        port = 55432
        proc = PostgreSQLExecutor(
            executable="/usr/local/bin/pg_ctl" if Path("/usr/local/bin/pg_ctl").exists() else "pg_ctl",
            host="127.0.0.1",
            port=port,
            datadir=f"{tmp}/data",
            unixsocketdir=tmp,
            logfile=f"{tmp}/pg.log",
            startparams="-w",
            dbname="postgres",
            user="postgres",
            password=None,
        )
        proc.start()
        base = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    name = f"sovgate_audit_test_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(base, autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as e:
        pytest.skip(f"PostgreSQL not usable at {base}: {e}")
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(base, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if proc is not None:
        proc.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty log URL on each back end."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/audit.db"
    import psycopg

    url = request.getfixturevalue("pg_server_url")
    with psycopg.connect(url, autocommit=True) as c:
        for t in ("audit_entries", "audit_nodes", "audit_head", "audit_checkpoints", "audit_meta"):
            c.execute(f"DROP TABLE IF EXISTS {t}")
    return url


@pytest.fixture
def log_kwargs(tmp_path: Path) -> dict:
    return {
        "key_path": tmp_path / "log.key",
        "hmac_secret_path": tmp_path / "log.hmac",
        "origin": "test.example/audit",
    }
