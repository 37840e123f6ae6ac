"""The audit log: durable, group-committed appends to an RFC 9162 Merkle tree.

`append` hands the record to one writer thread per process. The writer takes
everything queued (up to `max_batch`), sequences it in one transaction under the
store's exclusive lock, fsyncs/commits, signs the new head, and only then resolves
the callers' futures: a returned index is durable. While one batch commits, the
next one queues up, so throughput grows with load without adding latency.

A commit costs the writer about the same whether it holds one record or fifty
(the transaction, the fsync, the signed head). When the appending process has
more requests in progress (`working`) than records are queued, the writer waits
up to `commit_delay_s` for their records before it commits, like PostgreSQL's
commit_delay/commit_siblings; with nothing more coming (one request at a time) it
commits at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import hmac
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from uuid_utils import uuid7

from sovgate.audit import merkle
from sovgate.audit._keys import load_or_create_secret, load_or_create_signer, read_key_name
from sovgate.audit._store import Entry, Head, SqlStore, StoredCheckpoint, WriteTx, stored_index
from sovgate.audit.note import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    add_signatures,
    open_checkpoint,
    sign_note,
    verify_note,
)
from sovgate.audit.record import (
    PURGE_ACTION,
    AuditRecord,
    admin_record,
    checked,
    decode_leaf,
    encode_leaf,
    parse_time,
    sequenced_leaf,
)

DEFAULT_URL = "sqlite:///./sovgate-audit.db"


class AuditError(RuntimeError):
    """The audit log cannot be opened or written (callers fail closed)."""


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    proof: list[bytes]
    root: bytes

    def to_json(self) -> dict:
        return {
            "type": "inclusion",
            "index": self.index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "proof": [p.hex() for p in self.proof],
            "root": self.root.hex(),
        }


@dataclass(frozen=True)
class ConsistencyProof:
    size1: int
    size2: int
    proof: list[bytes]
    root1: bytes
    root2: bytes

    def to_json(self) -> dict:
        return {
            "type": "consistency",
            "size1": self.size1,
            "size2": self.size2,
            "proof": [p.hex() for p in self.proof],
            "root1": self.root1.hex(),
            "root2": self.root2.hex(),
        }


_STOP = object()
_FLUSH = object()  # the journal holds lines of requests still in flight: sync it
# How long a write-ahead record may stay in the OS's cache before the writer syncs it (unless
# the request's final record is committed first): the window in which only a power cut of the
# host could lose it.
FLUSH_AFTER_S = 0.1


class LogReader:
    """Read access to a log: heads, checkpoints, proofs, records (no key material needed)."""

    def __init__(self, store: SqlStore, verifier: Verifier | None, *, retention_days: int = 183) -> None:
        self.store = store
        self.origin = store.get_meta("origin") or ""
        self._verifier = verifier
        self.retention_days = retention_days

    def verifier(self) -> Verifier:
        if self._verifier is None:
            raise AuditError("no verifier key: pass the log's vkey or its key file")
        return self._verifier

    def vkey(self) -> str:
        return self.verifier().vkey()

    def head(self) -> Head:
        return self.store.head()

    def size(self) -> int:
        return self.store.head().size

    def checkpoint(self) -> str:
        """The latest signed checkpoint: the head (signed at every batch), with any witness
        cosignatures when it is also a stored checkpoint."""
        head = self.store.head()
        if head.note is None:
            raise AuditError("the log has no signed head yet")
        stored = self.store.checkpoints()
        if stored and stored[-1].size == head.size:
            return stored[-1].note
        return head.note

    def checkpoints(self) -> list[StoredCheckpoint]:
        return self.store.checkpoints()

    def _size_or_head(self, size: int | None) -> int:
        head = self.store.head().size
        if size is None:
            return head
        if not 0 <= size <= head:
            raise merkle.ProofError(f"tree size {size} is beyond the log's size {head}")
        return size

    def root(self, size: int | None = None) -> bytes:
        return merkle.root(self._size_or_head(size), self.store.read_nodes)

    def inclusion_proof(self, index: int, size: int | None = None) -> InclusionProof:
        n = self._size_or_head(size)
        ranges = merkle.inclusion_ranges(index, n)
        hashes = merkle.hash_ranges([(index, index + 1), (0, n), *ranges], self.store.read_nodes)
        return InclusionProof(index, n, hashes[0], hashes[2:], hashes[1])

    def consistency_proof(self, size1: int, size2: int | None = None) -> ConsistencyProof:
        n = self._size_or_head(size2)
        if not 0 <= size1 <= n:
            raise merkle.ProofError(f"no consistency proof from size {size1} to {n}")
        if size1 in (0, n):  # RFC 9162 defines none: the empty proof
            return ConsistencyProof(size1, n, [], self.root(size1), self.root(n))
        ranges = merkle.consistency_ranges(size1, n)
        hashes = merkle.hash_ranges([(0, size1), (0, n), *ranges], self.store.read_nodes)
        return ConsistencyProof(size1, n, hashes[2:], hashes[0], hashes[1])

    def entry(self, record_id: str) -> Entry | None:
        return self.store.entry_by_id(record_id)

    def records(
        self, since: str | None = None, until: str | None = None, tenant: str | None = None
    ) -> Iterator[AuditRecord]:
        """Records (payload not purged) in log order, filtered by time [since, until) and tenant.
        `since`/`until` are RFC 3339 times or ISO dates (AuditError otherwise), compared as times."""
        try:
            lo = parse_time(since) if since is not None else None
            hi = parse_time(until) if until is not None else None
        except ValueError as e:
            raise AuditError(str(e)) from None
        entries = self.store.iter_entries(since=lo, until=hi, tenant=tenant, with_payload_only=True)
        return (decode_leaf(e.payload) for e in entries)  # type: ignore[arg-type]

    def close_sync(self) -> None:
        self.store.close()

    def add_cosignatures(self, size: int, lines: list[str], witnesses: list[Verifier]) -> str:
        """Attach witness cosignature lines to the stored checkpoint of `size` (each must verify)."""

        def merged(note: str) -> str:
            new = add_signatures(note, lines)
            _, ok = verify_note(new, witnesses)
            if len(ok) < len({w.name for w in witnesses}):
                raise NoteError("not every witness cosigned this checkpoint")
            return new

        note = self.store.update_checkpoint_note(size, merged)  # read and write in one transaction
        if note is None:
            raise AuditError(f"no checkpoint of size {size}")
        return note


class AuditLog(LogReader):
    """A log open for appending (one writer thread per instance)."""

    def __init__(
        self,
        store: SqlStore,
        signer_path: Path,
        secret_path: Path,
        *,
        origin: str | None,
        checkpoint_every: int,
        checkpoint_interval_s: float,
        retention_days: int,
        max_batch: int,
        commit_delay_s: float = 0.0,
    ) -> None:
        name = origin or store.get_meta("origin") or read_key_name(signer_path) or _default_origin()
        stored = store.claim_meta("origin", name)
        if origin and origin != stored:
            raise AuditError(f"{store.url}: this log's origin is {stored!r}, not {origin!r}")
        try:
            self._signer = load_or_create_signer(signer_path, stored)
            self._secret = load_or_create_secret(secret_path)
        except NoteError as e:
            raise AuditError(str(e)) from None
        super().__init__(store, self._signer.verifier(), retention_days=retention_days)
        # keyed once: each fingerprint copies it instead of deriving the HMAC pads again
        self._mac = hmac.new(self._secret, digestmod=hashlib.sha256)
        self.key_path, self.secret_path = signer_path, secret_path
        self.checkpoint_every = checkpoint_every
        self.checkpoint_interval_s = checkpoint_interval_s
        self.max_batch = max_batch
        self.commit_delay_s = commit_delay_s
        self._delay = commit_delay_s  # the current wait, adapted by _gather
        # How many requests that append a record are being worked on (their records queued or
        # not): set by the process that appends (the gateway). Read by the writer thread; None:
        # never wait.
        self.working: Callable[[], int] | None = None
        self._range: merkle.CompactRange | None = None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._wconn = store.connect()
        self._batches = 0  # since the store's last housekeeping
        # Write-ahead records (`dispatch`) are this log's as `owner` while it is open; the ids of
        # those not yet replaced by their final record (writer thread only).
        self.owner = uuid7().hex
        self._pending_ids: set[str] = set()
        self._next_recovery = 0.0
        store.hold_owner(self._wconn, self.owner)
        # SQLite: write-ahead records go to this owner's journal file (one write(), no
        # transaction); PostgreSQL: rows of audit_pending, committed by the writer
        self._journal = store.open_journal(self.owner)
        self._flush_armed = False  # a check of the journal is due on the event loop
        if store.head().note is None:
            with store.write(self._wconn) as tx:
                head = tx.head()
                if head.note is None:  # a fresh log: sign the empty tree
                    tx.set_head(0, merkle.EMPTY_ROOT, self._sign(0, merkle.EMPTY_ROOT))
        try:
            self._check_head()
        except AuditError:
            self._wconn.close()
            store.close()
            raise
        self._guard(self._recover)  # requests in flight when an earlier gateway stopped
        self._thread = threading.Thread(target=self._run, name="sovgate-audit-writer", daemon=True)
        self._thread.start()

    def _check_head(self) -> None:
        """Refuse to extend a log whose stored right edge does not match its signed head
        (as Trillian does at start-up); `sovgate audit verify` says what is wrong."""
        head = self.store.head()
        try:
            cp = open_checkpoint(head.note or "", self.verifier())
            stored = merkle.root(head.size, self.store.read_nodes)
        except (NoteError, LookupError) as e:
            raise AuditError(
                f"{self.store.url}: the log's head is damaged ({e}); run sovgate audit verify"
            ) from None
        if (cp.size, cp.root) != (head.size, head.root) or stored != head.root:
            raise AuditError(
                f"{self.store.url}: the stored tree does not match the signed head; run sovgate audit verify"
            )

    # --- appending ---------------------------------------------------------------

    def _checked(self, record: AuditRecord) -> AuditRecord:
        if self._closed:
            raise AuditError("the audit log is closed")
        try:
            return checked(record)
        except (ValueError, TypeError, msgspec.MsgspecError) as e:
            raise AuditError(f"invalid audit record {getattr(record, 'id', '?')!r}: {e}") from None

    def _enqueue(self, record: AuditRecord, waiter: object, ahead: bool = False) -> None:
        self._queue.put((self._checked(record), waiter, ahead))

    async def dispatch(self, record: AuditRecord) -> None:
        """Write ahead: commit `record` (what the log must say if the request ends here, e.g.
        outcome "interrupted") before the request goes out. It stays outside the tree until
        `append` of a record with the same id replaces it; if this log's process ends first, the
        next writer to open the log appends it as it is. A later dispatch of the same id (a
        fallback to another provider) replaces the earlier one.

        When this returns the record survives a crash of this process. SQLite: it is a line of
        this owner's journal, written here, synced by the writer within `FLUSH_AFTER_S` unless
        the final record came first. PostgreSQL: a row committed by the writer
        (`synchronous_commit=off`: on the server, flushed by its WAL writer)."""
        if self._journal is None:
            fut = asyncio.get_running_loop().create_future()
            self._enqueue(record, fut, ahead=True)
            await fut
            return
        rec = self._checked(record)
        try:
            self._journal.write(rec.id, encode_leaf(rec))
        except OSError as e:
            raise AuditError(f"the write-ahead journal cannot be written: {e}") from None
        if not self._flush_armed:  # the request's final record may make the sync needless
            self._flush_armed = True
            asyncio.get_running_loop().call_later(FLUSH_AFTER_S, self._flush_due)

    def _flush_due(self) -> None:
        self._flush_armed = False  # (first: a line written from now on arms the next check)
        if self._journal is not None and self._journal.needs_flush() and not self._closed:
            self._queue.put(_FLUSH)

    def submit(self, record: AuditRecord) -> concurrent.futures.Future[int]:
        """Queue a record; the future resolves to its leaf index once it is durable."""
        fut: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._enqueue(record, fut)
        return fut

    async def append(self, record: AuditRecord) -> int:
        """Append a record; returns its leaf index once committed to durable storage."""
        fut = asyncio.get_running_loop().create_future()
        self._enqueue(record, fut)
        return await fut

    def append_sync(self, record: AuditRecord) -> int:
        return self.submit(record).result()

    def fingerprint(self, data: bytes) -> str:
        """Keyed content fingerprint (hex HMAC-SHA256 with the deployment secret)."""
        mac = self._mac.copy()
        mac.update(data)
        return mac.hexdigest()

    def purge(self, older_than_days: int | None = None, tenant: str | None = None) -> int:
        """Remove payloads older than the retention (of one tenant, or all); leaf hashes stay,
        so the tree, old checkpoints and proofs still verify. The purge is first appended as a
        signed admin record (action "audit.purge", details cutoff/count/tenant): `verify` accepts
        a missing payload only when such a record, later in the log, covers its time. Admin
        records themselves are never purged."""
        days = self.retention_days if older_than_days is None else older_than_days
        cutoff = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        details = {
            "cutoff": cutoff,
            "count": str(self.store.count_purgeable(cutoff, tenant)),
            "older_than_days": str(days),
            "tenant": tenant or "",
        }
        fp = self.fingerprint(msgspec.json.encode(details, order="sorted"))
        purge = admin_record(PURGE_ACTION, details=details, fingerprint=fp, tenant=tenant or "")
        index = self.append_sync(purge)
        return self.store.purge(cutoff, tenant, before_index=index)

    def _sign(self, size: int, root: bytes) -> str:
        return sign_note(Checkpoint(self.origin, size, root).text(), self._signer)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=self.checkpoint_interval_s)
            except queue.Empty:
                self._guard(self._timed_checkpoint)
                self._guard(self._recover)
                self._guard(self._flush)  # (a check that never ran: its event loop ended)
                continue
            batch = []
            stop = False
            while item is not None:
                if item is _STOP:
                    stop = True
                elif item is _FLUSH:
                    self._guard(self._flush)
                else:
                    batch.append(item)
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            # a write-ahead record holds its request before it goes out: never kept waiting
            waiting = self.commit_delay_s > 0 and self.working is not None
            if batch and not stop and waiting and not any(ahead for _, _, ahead in batch):
                stop = self._gather(batch)
            if batch:
                self._integrate(batch)
                try:  # after the waiters were released: nobody waits on this
                    self._batches = self.store.maintain(self._wconn, self._batches + 1)
                except Exception:  # e.g. a busy database: SQLite's own checkpoint remains
                    self._batches = 0
                if time.monotonic() >= self._next_recovery:  # a busy log is never idle: check here too
                    self._guard(self._recover)
            if stop:
                # requests still in flight (cancelled at shutdown): their write-ahead records
                if self._journal is not None:
                    self._journal.close()
                self._guard(lambda: self._recover_owner(self.owner))
                self._guard(lambda: self._timed_checkpoint(final=True))
                return

    def _gather(self, batch: list) -> bool:
        """Wait a little for the records of other requests in progress to join `batch`; True if
        the log is closing.

        Requests in progress may be waiting on a slow provider and append nothing for seconds:
        a wait in which no record arrived halves the next one (down to 1/16 of commit_delay_s),
        one that gathered records doubles it again. Fast local traffic keeps the whole delay; a
        gateway in front of slow providers stops paying it after a few commits.
        """
        working = self.working
        assert working is not None
        # once every request in progress has queued its record, nothing more is coming soon
        if working() <= len(batch) or len(batch) >= self.max_batch:
            return False  # no wait, nothing learnt
        arrived = 0
        deadline = time.monotonic() + self._delay
        while len(batch) < self.max_batch and working() > len(batch):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if item is _STOP:
                return True
            if item is _FLUSH:
                self._guard(self._flush)
                continue
            batch.append(item)
            arrived += 1
            if item[2]:  # a write-ahead record: its request is waiting to go out
                break
        if arrived:
            self._delay = min(self.commit_delay_s, self._delay * 2)
        else:
            self._delay = max(self.commit_delay_s / 16, self._delay / 2)
        return False

    def _guard(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # a failed timed checkpoint is retried at the next tick
            self._range = None

    def _integrate(self, batch: list) -> None:
        ahead = [(rec, w) for rec, w, a in batch if a]
        final = [(rec, w) for rec, w, a in batch if not a]
        done: list[str] = []
        try:
            # write-ahead rows alone need not wait for the disk (PostgreSQL: its WAL writer's)
            with self.store.write(self._wconn, durable=bool(final)) as tx:
                if ahead:
                    tx.put_pending([(rec.id, self.owner, encode_leaf(rec)) for rec, _ in ahead])
                if final:
                    done = [rec.id for rec, _ in final if rec.id in self._pending_ids]
                    if done:
                        tx.drop_pending(done)
                    first = self._sequence(tx, [rec for rec, _ in final])
        except Exception as e:
            self._range = None
            err = AuditError(f"audit append failed: {e}")
            _resolve([(w, None, err) for _, w, _ in batch])
            return
        self._pending_ids.update(rec.id for rec, _ in ahead)
        self._pending_ids.difference_update(done)
        if final and self._journal is not None:
            self._journal.done([rec.id for rec, _ in final])
        _resolve(
            [(w, None, None) for _, w in ahead] + [(w, first + i, None) for i, (_, w) in enumerate(final)]
        )

    def _sequence(self, tx: WriteTx, records: list[AuditRecord]) -> int:
        """Append checked records as leaves, advance and sign the head; the first one's index."""
        head = tx.head()
        rng = self._frontier(tx, head.size)
        first = rng.size
        entries: list[tuple[int, str, str, str | None, bytes, bytes]] = []
        nodes: list[tuple[int, bytes]] = []
        for rec in records:
            leaf = sequenced_leaf(rec, rng.size)
            lh = merkle.leaf_hash(leaf)
            entries.append((rng.size, rec.id, rec.time, rec.tenant, lh, leaf))
            nodes.extend((stored_index(lv, n), h) for (lv, n), h in rng.append(lh))
        tx.insert(entries, nodes)
        self._advance(tx, rng.size, rng.root())
        return first

    def _flush(self) -> None:
        if self._journal is not None:
            self._journal.flush()

    def _recover(self) -> None:
        """Append the write-ahead records of owners that are gone (their process ended while a
        request was in flight) as they are, and clean up after those owners."""
        self._next_recovery = time.monotonic() + self.checkpoint_interval_s
        owners = set(self.store.pending_owners(self._wconn)) | set(self.store.stale_owners())
        owners.discard(self.owner)
        for owner in sorted(owners):
            if self.store.owner_gone(self._wconn, owner):
                try:
                    self._recover_owner(owner)
                finally:
                    self.store.release_owner(self._wconn, owner)

    def _recover_owner(self, owner: str) -> None:
        try:
            with self.store.write(self._wconn) as tx:
                rows = tx.pending_of(owner)  # read under the writers' lock: recovered once
                if rows:
                    tx.drop_pending([rid for rid, _ in rows])
                latest = dict(rows) | dict(self.store.journal_records(owner))
                if latest:  # (a journal line outlives its request's final record a while)
                    ended = tx.entry_ids(list(latest))
                    todo = [_recovered(p) for rid, p in latest.items() if rid not in ended]
                    if todo:
                        self._sequence(tx, todo)
        except Exception:
            self._range = None
            raise
        self.store.remove_journal(owner)
        if owner == self.owner:
            self._pending_ids.clear()

    def _frontier(self, tx: WriteTx, size: int) -> merkle.CompactRange:
        """The right edge of the tree at `size` (cached; reloaded if another writer moved on)."""
        if self._range is None or self._range.size != size:
            self._range = None
            self._range = merkle.CompactRange(size, tx.read_nodes(merkle.CompactRange.nodes_for(size)))
        return self._range

    def _advance(self, tx: WriteTx, size: int, root: bytes) -> None:
        note = self._sign(size, root)
        tx.set_head(size, root, note)
        last = tx.last_checkpoint()
        if self._checkpoint_due(last, size, final=False):
            tx.insert_checkpoint(size, time.time(), note)

    def _checkpoint_due(self, last: StoredCheckpoint | None, size: int, *, final: bool) -> bool:
        if last is None:
            return True
        if size <= last.size:
            return False
        if final or size - last.size >= self.checkpoint_every:
            return True
        return time.time() - last.time >= self.checkpoint_interval_s

    def _timed_checkpoint(self, final: bool = False) -> None:
        with self.store.write(self._wconn) as tx:
            head = tx.head()
            if head.note and self._checkpoint_due(tx.last_checkpoint(), head.size, final=final):
                tx.insert_checkpoint(head.size, time.time(), head.note)

    def close_sync(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()
            # appended by another thread while closing: never sequenced
            late: list[tuple[object, int | None, Exception | None]] = []
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is not _STOP:
                    late.append((item[1], None, AuditError("the audit log is closed")))
            _resolve(late)
            self._wconn.close()
            self.store.close()

    async def close(self) -> None:
        """Flush pending appends and write a final checkpoint."""
        await asyncio.to_thread(self.close_sync)


def _resolve(results: list[tuple[object, int | None, Exception | None]]) -> None:
    """Resolve waiters from the writer thread: concurrent futures directly, asyncio futures
    with one call into each event loop per batch (not one wake-up per append)."""
    by_loop: dict[asyncio.AbstractEventLoop, list] = {}
    for waiter, value, error in results:
        if isinstance(waiter, asyncio.Future):
            by_loop.setdefault(waiter.get_loop(), []).append((waiter, value, error))
        elif error is not None:
            waiter.set_exception(error)  # type: ignore[attr-defined]
        else:
            waiter.set_result(value)  # type: ignore[attr-defined]
    for loop, items in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting any more
            loop.call_soon_threadsafe(_resolve_in_loop, items)


def _resolve_in_loop(items: list[tuple[asyncio.Future, int | None, Exception | None]]) -> None:
    for fut, value, error in items:
        if fut.done():  # the caller was cancelled; the record is in the log all the same
            continue
        if error is not None:
            fut.set_exception(error)
        else:
            fut.set_result(value)


def _recovered(payload: bytes) -> AuditRecord:
    """A write-ahead record as the log keeps it (checked again: the row was outside the tree)."""
    return checked(decode_leaf(payload))


def _default_origin() -> str:
    return f"sovgate.invalid/audit/{secrets.token_hex(6)}"


def _store_for(url: str, *, must_exist: bool = False) -> tuple[SqlStore, Path]:
    if url.startswith("sqlite:///"):
        from sovgate.audit._sqlite import SqliteStore

        path = url.removeprefix("sqlite:///")
        if not path or path == ":memory:":
            raise AuditError(f"{url}: the audit log needs a file (sqlite:///path/to/audit.db)")
        if must_exist and not Path(path).is_file():
            raise AuditError(f"no audit log at {path}")
        return SqliteStore(path), Path(path)
    if url.startswith(("postgresql://", "postgres://")):
        from sovgate.audit._postgres import PostgresStore

        return PostgresStore(url), Path("sovgate-audit")
    raise AuditError(f"unsupported audit URL {url!r}: use sqlite:///path or postgresql://...")


def _open_store(url: str, *, must_exist: bool = False) -> tuple[SqlStore, Path]:
    try:
        return _store_for(url, must_exist=must_exist)
    except AuditError:
        raise
    except Exception as e:  # unreachable server, bad file: fail closed with the reason
        raise AuditError(f"cannot open audit log {url}: {e}") from None


def _default_key_path(base: Path) -> Path:
    return base.with_name(base.name + ".key")


def open_log_reader(
    url: str = DEFAULT_URL,
    *,
    key_path: str | Path | None = None,
    vkey: str | None = None,
    retention_days: int = 183,
) -> LogReader:
    """Open an existing log read-only. The verifier key is `vkey` (what an auditor trusts)
    or else the one derived from the log's key file, when present."""
    store, base = _open_store(url, must_exist=True)
    try:
        if vkey:
            verifier: Verifier | None = Verifier.from_vkey(vkey)
        else:
            path = Path(key_path) if key_path else _default_key_path(base)
            verifier = Signer.from_skey(path.read_text()).verifier() if path.is_file() else None
    except NoteError as e:
        store.close()
        raise AuditError(str(e)) from None
    return LogReader(store, verifier, retention_days=retention_days)


def open_audit_log_sync(
    url: str = DEFAULT_URL,
    *,
    key_path: str | Path | None = None,
    origin: str | None = None,
    hmac_secret_path: str | Path | None = None,
    checkpoint_every: int = 1000,
    checkpoint_interval_s: float = 10.0,
    retention_days: int = 183,
    max_batch: int = 4096,
    commit_delay_s: float = 0.0,
) -> AuditLog:
    """Open (creating if needed) the log at `url`; the synchronous facade for CLI use.

    Keys default to files beside the database: `<db>.key` (Ed25519 signer, note
    format) and `<db>.hmac` (fingerprint secret); for PostgreSQL, ./sovgate-audit.*.
    """
    store, base = _open_store(url)
    return AuditLog(
        store,
        Path(key_path) if key_path else _default_key_path(base),
        Path(hmac_secret_path) if hmac_secret_path else base.with_name(base.name + ".hmac"),
        origin=origin,
        checkpoint_every=checkpoint_every,
        checkpoint_interval_s=checkpoint_interval_s,
        retention_days=retention_days,
        max_batch=max_batch,
        commit_delay_s=commit_delay_s,
    )


async def open_audit_log(url: str = DEFAULT_URL, **kwargs) -> AuditLog:
    """Open the log without blocking the event loop (see `open_audit_log_sync`)."""
    return await asyncio.to_thread(open_audit_log_sync, url, **kwargs)
