"""SQLite back end: the embedded default (WAL journal, synchronous=FULL: a commit is on disk)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sovgate.audit._journal import Journal, owner_lock_path, read_journal, remove_journal
from sovgate.audit._journal import owners as journal_owners
from sovgate.audit._store import SqlStore

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


_BACKSTOP_PAGES = 10_000
_CHECKPOINT_BATCHES = 32  # ~200 pages: a checkpoint short enough to finish before the next batch


class SqliteStore(SqlStore):
    # INTEGER PRIMARY KEY is the rowid itself; BIGINT PRIMARY KEY would add a unique index to
    # write at every commit (logs created before keep that index and work the same)
    int_key = "INTEGER"
    without_rowid = " WITHOUT ROWID"

    def __init__(self, path: str) -> None:
        super().__init__()
        self._lock_fd: int | None = None
        self._owners: dict[str, int] = {}  # owner -> fd of its lock file, while this store holds it
        self.path = Path(path)
        self.url = f"sqlite:///{path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._queued = threading.local()  # whether this thread holds the writers' lock
        # Workers starting together would race to switch a new file to WAL and create the
        # schema ("database is locked" for the loser): one at a time.
        with self._writers_queue():
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
        # SQLite's automatic checkpoint runs inside the COMMIT that fills the WAL to 1,000 pages:
        # every ~180th request at concurrency 1 waited ~2 ms longer for it. The writer checkpoints
        # small and often between batches instead (`maintain`, after its waiters are released);
        # the automatic one stays as a backstop.
        conn.execute(f"PRAGMA wal_autocheckpoint={_BACKSTOP_PAGES}")
        return conn

    def maintain(self, conn: sqlite3.Connection, batches: int) -> int:
        """Checkpoint the WAL into the database every `_CHECKPOINT_BATCHES` batches; returns the
        count of batches since the last checkpoint."""
        if batches < _CHECKPOINT_BATCHES:
            return batches
        with self._writers_queue():  # not while another worker's writer commits
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return 0

    @contextlib.contextmanager
    def transaction(self, conn: sqlite3.Connection, *, durable: bool = True) -> Iterator[None]:
        # (every commit here is durable: write-ahead records go to the owner's journal instead)
        with self._writers_queue():
            # IMMEDIATE takes the write lock up front: sequencing is serialized across processes.
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # Write-ahead records: each owner's journal of requests in flight, beside the database
    # (_journal.py): one write() on the caller's thread instead of a transaction.
    def open_journal(self, owner: str) -> Journal | None:
        return Journal(self.path, owner)

    def journal_records(self, owner: str) -> list[tuple[str, bytes]]:
        return read_journal(self.path, owner)

    def remove_journal(self, owner: str) -> None:
        remove_journal(self.path, owner)

    def pending(self) -> list[tuple[str, str, bytes]]:
        rows = super().pending()
        for owner in journal_owners(self.path):
            records = read_journal(self.path, owner)
            in_log = self.entry_ids([rid for rid, _ in records])  # ended, not yet cleaned up
            rows += [(rid, owner, p) for rid, p in records if rid not in in_log]
        return sorted(rows)

    # Owners of write-ahead records: each open log holds an flock on `<db>.owner-<owner>`, which
    # the kernel releases when its process ends however it ends.
    def _owner_path(self, owner: str) -> Path:
        return owner_lock_path(self.path, owner)

    def hold_owner(self, conn: sqlite3.Connection, owner: str) -> None:
        fd = os.open(self._owner_path(owner), os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._owners[owner] = fd

    def owner_gone(self, conn: sqlite3.Connection, owner: str) -> bool:
        if owner in self._owners:
            return False
        try:
            fd = os.open(self._owner_path(owner), os.O_RDWR)
        except FileNotFoundError:
            fd = os.open(self._owner_path(owner), os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
        self._owners[owner] = fd
        return True

    def release_owner(self, conn: sqlite3.Connection, owner: str) -> None:
        fd = self._owners.pop(owner, None)
        if fd is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._owner_path(owner))  # before the unlock: no one locks a stale file
            os.close(fd)

    def stale_owners(self) -> list[str]:
        """Owners with a lock file beside the database that this store does not hold."""
        return [o for o in journal_owners(self.path) if o not in self._owners]

    def close(self) -> None:
        super().close()
        for owner in list(self._owners):
            self.release_owner(None, owner)  # type: ignore[arg-type]
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    @contextlib.contextmanager
    def _writers_queue(self) -> Iterator[None]:
        """Writers of several processes (`serve --workers N`) take turns on a lock file first.

        SQLite makes a writer that finds the database locked sleep and retry (1, 2, 5, 10 ... 100
        ms), however soon the lock is free again; with two busy workers that backoff, not the
        commits, set the pace. flock wakes the next writer the moment the last one commits."""
        if fcntl is None or getattr(self._queued, "held", False):  # no flock, or held already
            yield
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._queued.held = True
        try:
            yield
        finally:
            self._queued.held = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
