"""Fixtures of the audit tests: a log per store back end.

The PostgreSQL back end runs against a real server (see `pg_server_url`). Each test session
uses a throwaway database; each test starts from empty tables.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_pg import reachable, spawned_server


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A URL of a throwaway database on a real PostgreSQL server: SOVGATE_TEST_PG, else the
    one on 127.0.0.1:5432 when reachable, else a server started for this session."""
    import psycopg

    with contextlib.ExitStack() as stack:
        base = os.environ.get("SOVGATE_TEST_PG", "")
        if not base:
            if reachable("127.0.0.1", 5432):
                base = "postgresql://postgres@127.0.0.1:5432/postgres"
            else:
                base = stack.enter_context(spawned_server())
        name = f"sovgate_audit_test_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base, autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        yield base.rsplit("/", 1)[0] + f"/{name}"
        with psycopg.connect(base, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty log URL on each back end."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/audit.db"
    import psycopg

    url = request.getfixturevalue("pg_server_url")
    with psycopg.connect(url, autocommit=True) as c:
        tables = (
            "audit_entries",
            "audit_nodes",
            "audit_head",
            "audit_checkpoints",
            "audit_meta",
            "audit_pending",
        )
        for t in tables:
            c.execute(f"DROP TABLE IF EXISTS {t}")
    return url


@pytest.fixture
def log_kwargs(tmp_path: Path) -> dict:
    return {
        "key_path": tmp_path / "log.key",
        "hmac_secret_path": tmp_path / "log.hmac",
        "origin": "test.example/audit",
    }
