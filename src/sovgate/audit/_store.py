"""SQL storage of the log, shared by the SQLite and PostgreSQL back ends.

Tables (see docs/audit.md for the diagram):
- audit_entries(idx, id, time, tenant, leaf_hash, payload): one row per leaf;
  payload (the canonical leaf bytes) becomes NULL when retention purges it, the
  leaf hash stays;
- audit_nodes(pos, hash): every interior perfect-subtree hash (level >= 1), keyed
  by Go tlog's StoredHashIndex, so rows are in the order they were completed;
- audit_head(one, size, root, note): the latest integrated tree, signed at every
  batch (so rows appended behind the log's back are outside any signature);
- audit_checkpoints(size, time, note): the periodic checkpoints, with cosignatures;
- audit_meta(key, value): origin;
- audit_pending(id, owner, payload): write-ahead records of requests in flight. Before a
  request goes out to a provider, the record it would leave if the gateway stopped there
  (outcome "interrupted") is committed here; the request's final record replaces it in the
  tree (same transaction). Rows of an owner (one open log) that is gone are sequenced as they
  are by the next writer (`AuditLog` recovery). Outside the tree: nothing here is signed.

A writer sequences under an exclusive lock (SQLite BEGIN IMMEDIATE, PostgreSQL
SELECT ... FOR UPDATE of the head row): read head, append, write nodes and the
new head, commit. Two writers can never fork the log.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sovgate.audit.merkle import EMPTY_ROOT, Hash, Node
from sovgate.audit.record import ADMIN_ID_PREFIX

_ADMIN_LIKE = ADMIN_ID_PREFIX + "%"


def stored_index(level: int, n: int) -> int:
    """Position of node (level, n) in the append-only hash sequence (Go tlog.StoredHashIndex)."""
    for _ in range(level):
        n = 2 * n + 1
    i = 0
    while n:
        i += n
        n >>= 1
    return i + level


@dataclass(frozen=True, slots=True)
class Entry:
    idx: int
    id: str
    time: str
    tenant: str | None
    leaf_hash: bytes
    payload: bytes | None


@dataclass(frozen=True, slots=True)
class Head:
    size: int
    root: bytes
    note: str | None


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    time: float
    note: str


_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS audit_entries (
        idx {int_key} PRIMARY KEY, id TEXT NOT NULL, time TEXT NOT NULL, tenant TEXT,
        leaf_hash {blob} NOT NULL, payload {blob})""",
    "CREATE INDEX IF NOT EXISTS audit_entries_id ON audit_entries (id)",
    "CREATE INDEX IF NOT EXISTS audit_entries_time ON audit_entries (time)",
    "CREATE TABLE IF NOT EXISTS audit_nodes (pos {int_key} PRIMARY KEY, hash {blob} NOT NULL)",
    """CREATE TABLE IF NOT EXISTS audit_head (
        one INTEGER PRIMARY KEY CHECK (one = 1), size BIGINT NOT NULL, root {blob} NOT NULL, note TEXT)""",
    """CREATE TABLE IF NOT EXISTS audit_checkpoints (
        size BIGINT PRIMARY KEY, time DOUBLE PRECISION NOT NULL, note TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS audit_pending (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, payload {blob} NOT NULL){without_rowid}""",
]

_ENTRY_COLS = "idx, id, time, tenant, leaf_hash, payload"


class WriteTx:
    """Statements available inside a sequencing transaction."""

    def __init__(self, store: SqlStore, conn: Any) -> None:
        self._s = store
        self._c = conn

    def head(self) -> Head:
        row = self._c.execute(
            self._s.q("SELECT size, root, note FROM audit_head WHERE one = 1") + self._s.lock_row
        ).fetchone()
        return Head(int(row[0]), bytes(row[1]), row[2])

    def read_nodes(self, nodes: Sequence[Node]) -> list[Hash]:
        return self._s._read_nodes(self._c, nodes)

    def insert(self, entries: Sequence[tuple], nodes: Sequence[tuple[int, bytes]]) -> None:
        self._s.insert_rows(self._c, entries, nodes)

    def set_head(self, size: int, root: bytes, note: str) -> None:
        self._c.execute(
            self._s.q("UPDATE audit_head SET size = ?, root = ?, note = ? WHERE one = 1"), (size, root, note)
        )

    def last_checkpoint(self) -> StoredCheckpoint | None:
        row = self._c.execute(
            "SELECT size, time, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1"
        ).fetchone()
        return StoredCheckpoint(int(row[0]), float(row[1]), row[2]) if row else None

    def insert_checkpoint(self, size: int, time: float, note: str) -> None:
        self._c.execute(
            self._s.q("INSERT INTO audit_checkpoints (size, time, note) VALUES (?, ?, ?)"), (size, time, note)
        )

    def put_pending(self, rows: Sequence[tuple[str, str, bytes]]) -> None:
        """Write-ahead records (id, owner, payload); a later one for the same id replaces it."""
        self._c.cursor().executemany(
            self._s.q(
                "INSERT INTO audit_pending (id, owner, payload) VALUES (?, ?, ?) ON CONFLICT (id) "
                "DO UPDATE SET owner = excluded.owner, payload = excluded.payload"
            ),
            rows,
        )

    def drop_pending(self, ids: Sequence[str]) -> None:
        self._c.cursor().executemany(self._s.q("DELETE FROM audit_pending WHERE id = ?"), [(i,) for i in ids])

    def entry_ids(self, ids: Sequence[str]) -> set[str]:
        return _entry_ids(self._c, self._s, ids)

    def pending_of(self, owner: str) -> list[tuple[str, bytes]]:
        """An owner's write-ahead records (id, payload), oldest request first (ids are UUIDv7)."""
        rows = self._c.execute(
            self._s.q("SELECT id, payload FROM audit_pending WHERE owner = ? ORDER BY id"), (owner,)
        ).fetchall()
        return [(r[0], bytes(r[1])) for r in rows]


class SqlStore:
    """Dialect-neutral SQL; subclasses connect and say how to lock and bulk-insert."""

    blob = "BLOB"
    int_key = "BIGINT"  # the type of integer primary keys
    lock_row = ""  # appended to the head SELECT inside a write transaction
    without_rowid = ""  # SQLite: keyed tables stored as one B-tree (one page written, not two)
    url: str

    # --- subclass hooks ---
    def connect(self) -> Any:
        raise NotImplementedError

    def q(self, sql: str) -> str:
        return sql

    @contextlib.contextmanager
    def transaction(self, conn: Any, *, durable: bool = True) -> Iterator[None]:
        raise NotImplementedError

    def insert_rows(self, conn: Any, entries: Sequence[tuple], nodes: Sequence[tuple[int, bytes]]) -> None:
        conn.cursor().executemany(
            self.q(f"INSERT INTO audit_entries ({_ENTRY_COLS}) VALUES (?, ?, ?, ?, ?, ?)"), entries
        )
        if nodes:
            conn.cursor().executemany(self.q("INSERT INTO audit_nodes (pos, hash) VALUES (?, ?)"), nodes)

    # --- set-up ---
    def __init__(self) -> None:
        self._reader: Any = None

    def init_schema(self, conn: Any) -> None:
        with self.transaction(conn):
            self.create_schema(conn)

    def create_schema(self, conn: Any) -> None:
        for stmt in _SCHEMA:
            conn.execute(stmt.format(blob=self.blob, int_key=self.int_key, without_rowid=self.without_rowid))
        conn.execute(
            self.q(
                "INSERT INTO audit_head (one, size, root, note) VALUES (1, 0, ?, NULL) ON CONFLICT DO NOTHING"
            ),
            (EMPTY_ROOT,),
        )

    def claim_meta(self, key: str, value: str) -> str:
        """Set a meta value unless already set; returns the stored value."""
        conn = self.reader()
        with self.transaction(conn):
            conn.execute(
                self.q("INSERT INTO audit_meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING"),
                (key, value),
            )
            return conn.execute(self.q("SELECT value FROM audit_meta WHERE key = ?"), (key,)).fetchone()[0]

    def get_meta(self, key: str) -> str | None:
        row = self.reader().execute(self.q("SELECT value FROM audit_meta WHERE key = ?"), (key,)).fetchone()
        return row[0] if row else None

    # --- owners of write-ahead records: a live owner holds a lock that dies with its process ---
    def hold_owner(self, conn: Any, owner: str) -> None:
        """Take `owner`'s lock for as long as this store (and `conn`) stays open."""
        raise NotImplementedError

    def owner_gone(self, conn: Any, owner: str) -> bool:
        """Whether `owner`'s lock is free (its process ended); if so, it is now held by the caller
        until `release_owner`, so that only one writer recovers that owner's records."""
        raise NotImplementedError

    def release_owner(self, conn: Any, owner: str) -> None:
        """Let go of `owner`'s lock (one's own at close, or a dead owner's after recovery)."""
        raise NotImplementedError

    def stale_owners(self) -> list[str]:
        """Owners known outside the rows (SQLite: lock files), so that ended ones are cleaned up."""
        raise NotImplementedError

    # Write-ahead records outside the database (SQLite: a journal file per owner); by default
    # they are rows of audit_pending, written by the log's writer
    def open_journal(self, owner: str) -> Any:
        return None

    def journal_records(self, owner: str) -> list[tuple[str, bytes]]:
        return []

    def remove_journal(self, owner: str) -> None:
        return None

    def pending_owners(self, conn: Any) -> list[str]:
        return [r[0] for r in conn.execute("SELECT DISTINCT owner FROM audit_pending").fetchall()]

    def entry_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` have a record in the log."""
        return _entry_ids(self.reader(), self, ids)

    def pending(self) -> list[tuple[str, str, bytes]]:
        """Every write-ahead record (id, owner, payload): requests in flight, or not yet recovered."""
        rows = self.reader().execute("SELECT id, owner, payload FROM audit_pending ORDER BY id").fetchall()
        return [(r[0], r[1], bytes(r[2])) for r in rows]

    def reader(self) -> Any:
        if self._reader is None:
            self._reader = self.connect()
        return self._reader

    def maintain(self, conn: Any, batches: int) -> int:
        """Housekeeping between batches, given the batches since the last (SQLite: WAL checkpoints);
        returns the count to go on with."""
        return 0

    @contextlib.contextmanager
    def write(self, conn: Any, *, durable: bool = True) -> Iterator[WriteTx]:
        """A sequencing transaction. `durable=False` (write-ahead records only): the commit need
        not reach the disk before it returns; it survives a crash of this process, not of the host."""
        with self.transaction(conn, durable=durable):
            yield WriteTx(self, conn)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # --- reads ---
    def _read_nodes(self, conn: Any, nodes: Sequence[Node]) -> list[Hash]:
        leaves = [i for lv, i in nodes if lv == 0]
        inner = {stored_index(lv, i): (lv, i) for lv, i in nodes if lv > 0}
        got: dict[Node, bytes] = {}
        for chunk in _chunks(leaves, 500):
            marks = ",".join("?" * len(chunk))
            for idx, h in conn.execute(
                self.q(f"SELECT idx, leaf_hash FROM audit_entries WHERE idx IN ({marks})"), chunk
            ):
                got[(0, int(idx))] = bytes(h)
        for chunk in _chunks(list(inner), 500):
            marks = ",".join("?" * len(chunk))
            for pos, h in conn.execute(
                self.q(f"SELECT pos, hash FROM audit_nodes WHERE pos IN ({marks})"), chunk
            ):
                got[inner[int(pos)]] = bytes(h)
        missing = [n for n in nodes if n not in got]
        if missing:
            raise LookupError(f"log storage lacks tree nodes {missing[:3]} (damaged or truncated)")
        return [got[n] for n in nodes]

    def read_nodes(self, nodes: Sequence[Node]) -> list[Hash]:
        return self._read_nodes(self.reader(), nodes)

    def head(self) -> Head:
        row = self.reader().execute("SELECT size, root, note FROM audit_head WHERE one = 1").fetchone()
        return Head(int(row[0]), bytes(row[1]), row[2])

    def checkpoints(self) -> list[StoredCheckpoint]:
        rows = (
            self.reader().execute("SELECT size, time, note FROM audit_checkpoints ORDER BY size").fetchall()
        )
        return [StoredCheckpoint(int(s), float(t), n) for s, t, n in rows]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = (
            self.reader()
            .execute("SELECT size, time, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1")
            .fetchone()
        )
        return StoredCheckpoint(int(row[0]), float(row[1]), row[2]) if row else None

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        row = (
            self.reader()
            .execute(self.q("SELECT size, time, note FROM audit_checkpoints WHERE size = ?"), (size,))
            .fetchone()
        )
        return StoredCheckpoint(int(row[0]), float(row[1]), row[2]) if row else None

    def update_checkpoint_note(self, size: int, update: Callable[[str], str]) -> str | None:
        """Replace the note of the checkpoint of `size` by `update(note)` in one transaction
        (None if there is no such checkpoint): concurrent updates never drop each other's lines."""
        conn = self.reader()
        with self.transaction(conn):
            row = conn.execute(
                self.q("SELECT note FROM audit_checkpoints WHERE size = ?") + self.lock_row, (size,)
            ).fetchone()
            if row is None:
                return None
            note = update(row[0])
            conn.execute(self.q("UPDATE audit_checkpoints SET note = ? WHERE size = ?"), (note, size))
        return note

    def entry_by_id(self, record_id: str) -> Entry | None:
        sql = f"SELECT {_ENTRY_COLS} FROM audit_entries WHERE id = ? ORDER BY idx LIMIT 1"
        row = self.reader().execute(self.q(sql), (record_id,)).fetchone()
        return _entry(row) if row else None

    def entry_at(self, idx: int) -> Entry | None:
        row = (
            self.reader()
            .execute(self.q(f"SELECT {_ENTRY_COLS} FROM audit_entries WHERE idx = ?"), (idx,))
            .fetchone()
        )
        return _entry(row) if row else None

    def count_entries(self) -> int:
        return int(self.reader().execute("SELECT COUNT(*) FROM audit_entries").fetchone()[0])

    def iter_entries(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        tenant: str | None = None,
        with_payload_only: bool = False,
        batch: int = 5000,
    ) -> Iterator[Entry]:
        """Entries by index, paged by key so no long-lived cursor is held."""
        where, args = ["idx > ?"], []
        if since:
            where.append("time >= ?")
            args.append(since)
        if until:
            where.append("time < ?")
            args.append(until)
        if tenant is not None:
            where.append("tenant = ?")
            args.append(tenant)
        if with_payload_only:
            where.append("payload IS NOT NULL")
        sql = self.q(
            f"SELECT {_ENTRY_COLS} FROM audit_entries WHERE {' AND '.join(where)} ORDER BY idx LIMIT {batch}"
        )
        last = -1
        conn = self.connect()
        try:
            while True:
                rows = conn.execute(sql, (last, *args)).fetchall()
                for row in rows:
                    yield _entry(row)
                if len(rows) < batch:
                    return
                last = int(rows[-1][0])
        finally:
            conn.close()

    def iter_nodes(self, batch: int = 20000) -> Iterator[tuple[int, bytes]]:
        sql = self.q(f"SELECT pos, hash FROM audit_nodes WHERE pos > ? ORDER BY pos LIMIT {batch}")
        last = -1
        conn = self.connect()
        try:
            while True:
                rows = conn.execute(sql, (last,)).fetchall()
                for pos, h in rows:
                    yield int(pos), bytes(h)
                if len(rows) < batch:
                    return
                last = int(rows[-1][0])
        finally:
            conn.close()

    def _purgeable(self, before: str, tenant: str | None) -> tuple[str, tuple]:
        # admin records (ids "admin-...") hold no personal data and justify the purges: kept
        where = "time < ? AND payload IS NOT NULL AND id NOT LIKE ?"
        args: tuple[str, ...] = (before, _ADMIN_LIKE)
        if tenant is not None:
            where += " AND tenant = ?"
            args += (tenant,)
        return where, args

    def count_purgeable(self, before: str, tenant: str | None = None) -> int:
        where, args = self._purgeable(before, tenant)
        sql = self.q(f"SELECT COUNT(*) FROM audit_entries WHERE {where}")
        return int(self.reader().execute(sql, args).fetchone()[0])

    def purge(self, before: str, tenant: str | None = None, *, before_index: int) -> int:
        """Drop payloads of entries older than `before` (RFC 3339) and below `before_index`
        (the purge's own admin record); leaf hashes stay."""
        where, args = self._purgeable(before, tenant)
        sql = self.q(f"UPDATE audit_entries SET payload = NULL WHERE {where} AND idx < ?")
        conn = self.reader()
        with self.transaction(conn):
            return conn.execute(sql, (*args, before_index)).rowcount

    def admin_entries(self) -> Iterator[Entry]:
        """Entries whose id marks an admin record (payload present), by index."""
        sql = self.q(
            f"SELECT {_ENTRY_COLS} FROM audit_entries WHERE id LIKE ? AND payload IS NOT NULL ORDER BY idx"
        )
        return (_entry(row) for row in self.reader().execute(sql, (_ADMIN_LIKE,)).fetchall())


def _entry(row: Sequence[Any]) -> Entry:
    idx, rid, time, tenant, lh, payload = row
    return Entry(int(idx), rid, time, tenant, bytes(lh), None if payload is None else bytes(payload))


def _entry_ids(conn: Any, store: SqlStore, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(ids), 500):
        marks = ",".join("?" * len(chunk))
        sql = store.q(f"SELECT id FROM audit_entries WHERE id IN ({marks})")
        found.update(r[0] for r in conn.execute(sql, chunk).fetchall())
    return found


def _chunks(items: list, n: int) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
