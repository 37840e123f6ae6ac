"""PostgreSQL back end (psycopg 3): many gateway workers share one log.

Each batch is one transaction that first locks the head row (SELECT ... FOR
UPDATE), like Trillian's IntegrateBatch: sequencing is serialized, never forked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import psycopg

from sovgate.audit._store import SqlStore


class PostgresStore(SqlStore):
    blob = "BYTEA"
    lock_row = " FOR UPDATE"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        conn = self.connect()
        try:
            self.init_schema(conn)
        finally:
            conn.close()

    def init_schema(self, conn: psycopg.Connection) -> None:
        with self.transaction(conn):
            # Serialize concurrent first-time schema creation across workers.
            conn.execute("SELECT pg_advisory_xact_lock(7277657863)")
            self.create_schema(conn)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def q(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @contextlib.contextmanager
    def transaction(self, conn: psycopg.Connection) -> Iterator[None]:
        with conn.transaction():
            yield

    def insert_rows(
        self, conn: psycopg.Connection, entries: Sequence[tuple], nodes: Sequence[tuple[int, bytes]]
    ) -> None:
        with conn.cursor() as cur:
            with cur.copy("COPY audit_entries (idx, id, time, tenant, leaf_hash, payload) FROM STDIN") as cp:
                for row in entries:
                    cp.write_row(row)
            if nodes:
                with cur.copy("COPY audit_nodes (pos, hash) FROM STDIN") as cp:
                    for row in nodes:
                        cp.write_row(row)
