"""SQLite specifics: rowid tables, older logs, WAL checkpoints off the commit path, first opens at once."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path

from audit_cases import rec

from sovgate.audit import _store, open_audit_log_sync, open_log_reader
from sovgate.audit.verify import verify_log

# a log of before 2026-11-28: BIGINT keys, no write-ahead table
OLD_SCHEMA = [stmt.replace("{int_key}", "BIGINT") for stmt in _store._SCHEMA if "audit_pending" not in stmt]


def _indexes(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_leaves_and_nodes_are_keyed_by_rowid(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    log = open_audit_log_sync(f"sqlite:///{db}")
    log.append_sync(rec(1))
    log.close_sync()
    # an INTEGER PRIMARY KEY is the rowid: no extra unique index to write at every commit
    row_keyed = ("sqlite_autoindex_audit_entries", "sqlite_autoindex_audit_nodes")
    assert not {n for n in _indexes(db) if n.startswith(row_keyed)}
    assert {"audit_entries_id", "audit_entries_time"} <= _indexes(db)


def test_a_log_created_with_bigint_keys_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        for stmt in OLD_SCHEMA:
            conn.execute(stmt.format(blob="BLOB"))
    assert "sqlite_autoindex_audit_entries_1" in _indexes(db)
    log = open_audit_log_sync(f"sqlite:///{db}")
    assert [log.append_sync(rec(i)) for i in range(20)] == list(range(20))
    asyncio.run(log.dispatch(rec(20)))  # the write-ahead table is added on open
    assert [r[0] for r in log.store.pending()] == ["req-20"]
    log.close_sync()  # appends what is still in flight
    reader = open_log_reader(f"sqlite:///{db}")
    assert verify_log(reader).size == 21


def test_the_writer_checkpoints_the_wal_between_batches(tmp_path: Path) -> None:
    # SQLite alone checkpoints inside the commit that fills the WAL to 1,000 pages (one request
    # in ~180 waits for it); the writer checkpoints every few dozen batches after releasing them
    db = tmp_path / "a.db"
    log = open_audit_log_sync(f"sqlite:///{db}")
    for i in range(400):
        log.append_sync(rec(i))  # one batch each
    wal_pages = (db.parent / (db.name + "-wal")).stat().st_size // 4096
    log.close_sync()
    assert wal_pages < 500, wal_pages
    reader = open_log_reader(f"sqlite:///{db}")
    assert verify_log(reader).size == 400


_OPEN_AT_ONCE = """
import os, sys, time
from sovgate.audit import open_audit_log_sync
go, url, key = sys.argv[1], sys.argv[2], sys.argv[3]
while not os.path.exists(go):
    time.sleep(0.001)
log = open_audit_log_sync(url, key_path=key, hmac_secret_path=key + ".hmac")
from audit_cases import rec
print(log.append_sync(rec(os.getpid())))
log.close_sync()
"""


def test_workers_opening_a_new_log_at_once_all_succeed(tmp_path: Path) -> None:
    # `serve --workers N` on a first start: every worker creates the same new database at once;
    # switching it to WAL and creating the schema must not fail with "database is locked"
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), *sys.path]))
    for attempt in range(3):  # three fresh databases, four openers each
        url = f"sqlite:///{tmp_path}/new{attempt}.db"
        go = tmp_path / f"go{attempt}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN_AT_ONCE, str(go), url, str(tmp_path / f"k{attempt}")],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(4)
        ]
        time.sleep(1.5)  # all four imported and waiting
        go.touch()
        results = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), [err[-800:] for _, err in results]
        assert sorted(int(out) for out, _ in results) == [0, 1, 2, 3]
