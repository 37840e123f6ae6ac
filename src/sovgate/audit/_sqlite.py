"""SQLite back end: the embedded default (WAL journal, synchronous=FULL: a commit is on disk)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sovgate.audit._store import SqlStore


class SqliteStore(SqlStore):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = Path(path)
        self.url = f"sqlite:///{path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self.connect()
        try:
            self.init_schema(conn)
        finally:
            conn.close()

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=60.0)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: the WAL is fsync'd at every commit, so an acknowledged append survives power loss.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    @contextlib.contextmanager
    def transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front: sequencing is serialized across processes.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
