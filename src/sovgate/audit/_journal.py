"""The write-ahead journal of one open SQLite log: its requests in flight, in files beside the database.

A write-ahead record must be safe before the request goes out, and it is written for every
request: as a transaction of the shared database it cost about as much CPU as the final record's
own commit, and a hand-off to the writer thread and back. Here it is one `write()` on the caller's
thread, of one line of canonical JSON, to a file only this process writes: in the kernel's cache
when `write()` returns, so it survives the death of the process. It reaches the disk by the log's
writer (`flush`), soon after, unless the request's final record was committed first.

Files, for the owner `O` (one open log) of `<db>`:

    <db>.owner-O        held with flock while the owner lives (the kernel lets go when it dies)
    <db>.owner-O.N      journal segments, N = 0, 1, …: one JSON record per line, a later line for
                        the same id replaces an earlier one (a fallback to another provider)

A segment is removed once every record in it has its final record in the log; a new one is
started past `SEGMENT_BYTES`, so a busy gateway's journal stays small.
"""

from __future__ import annotations

import contextlib
import glob
import os
import threading
from collections.abc import Iterable
from pathlib import Path

import msgspec

SEGMENT_BYTES = 4 << 20


class _Id(msgspec.Struct):
    id: str


_ids = msgspec.json.Decoder(_Id)


def owner_lock_path(db: Path, owner: str) -> Path:
    return db.with_name(f"{db.name}.owner-{owner}")


def _segments(db: Path, owner: str) -> list[Path]:
    lock = owner_lock_path(db, owner)
    found = [Path(p) for p in glob.glob(f"{glob.escape(str(lock))}.*")]
    return sorted((p for p in found if p.suffix[1:].isdigit()), key=lambda p: int(p.suffix[1:]))


def read_journal(db: Path, owner: str) -> list[tuple[str, bytes]]:
    """An owner's write-ahead records (id, payload), the last line per id, in the order written.
    A torn last line (a power cut mid-write) is skipped, and so is a segment removed while this
    reads (its owner or a recovery finished with it)."""
    latest: dict[str, bytes] = {}
    for seg in _segments(db, owner):
        try:
            data = seg.read_bytes()
        except FileNotFoundError:  # removed since the listing: its records are in the log
            continue
        for line in data.split(b"\n"):
            if not line:
                continue
            try:
                rid = _ids.decode(line).id
            except msgspec.DecodeError:
                continue
            latest.pop(rid, None)  # re-inserted: the order of its last line
            latest[rid] = line
    return list(latest.items())


def remove_journal(db: Path, owner: str) -> None:
    for seg in _segments(db, owner):
        with contextlib.suppress(FileNotFoundError):
            seg.unlink()


def owners(db: Path) -> list[str]:
    """Every owner with a lock file beside `db` (alive or not)."""
    prefix = f"{db.name}.owner-"
    return sorted(
        p.name.removeprefix(prefix)
        for p in db.parent.glob(f"{glob.escape(prefix)}*")
        if "." not in p.name.removeprefix(prefix)
    )


class Journal:
    """The journal this process writes as `owner` (thread-safe: the event loop writes, the
    log's writer marks records done and flushes)."""

    def __init__(self, db: Path, owner: str) -> None:
        self._db, self._owner = db, owner
        self._lock = threading.Lock()
        self._seg = -1
        self._fd = -1
        self._size = 0
        self._open: dict[int, int] = {}  # segment -> records in it still in flight
        self._where: dict[str, int] = {}  # id in flight -> the segment of its last line
        self._unflushed: set[str] = set()  # in flight, written since the last flush
        self._rotate()

    def _path(self, seg: int) -> Path:
        lock = owner_lock_path(self._db, self._owner)
        return lock.with_name(f"{lock.name}.{seg}")

    def _rotate(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)  # what it holds is flushed before its descriptor goes
            os.close(self._fd)
            if not self._open.get(self._seg):
                self._drop(self._seg)
        self._seg += 1
        self._fd = os.open(self._path(self._seg), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._size = 0

    def _drop(self, seg: int) -> None:
        self._open.pop(seg, None)
        with contextlib.suppress(FileNotFoundError):
            self._path(seg).unlink()

    def write(self, rid: str, payload: bytes) -> None:
        """Append one record (canonical JSON, no newline in it); in the kernel when this returns."""
        line = payload + b"\n"
        with self._lock:
            if self._size >= SEGMENT_BYTES:
                self._rotate()
            if os.write(self._fd, line) != len(line):  # a regular file: short only when the disk is full
                raise OSError("the write-ahead journal could not be written (disk full?)")
            self._size += len(line)
            before = self._where.get(rid)
            if before is not None:
                self._release(before)
            self._where[rid] = self._seg
            self._open[self._seg] = self._open.get(self._seg, 0) + 1
            self._unflushed.add(rid)

    def done(self, ids: Iterable[str]) -> None:
        """These requests' final records are durable in the log: their lines are not needed."""
        with self._lock:
            for rid in ids:
                seg = self._where.pop(rid, None)
                if seg is not None:
                    self._unflushed.discard(rid)
                    self._release(seg)

    def _release(self, seg: int) -> None:
        left = self._open.get(seg, 0) - 1
        self._open[seg] = left
        if left <= 0 and seg != self._seg:
            self._drop(seg)

    def needs_flush(self) -> bool:
        return bool(self._unflushed)

    def flush(self) -> None:
        with self._lock:
            if self._unflushed:
                self._unflushed.clear()
                os.fsync(self._fd)

    def in_flight(self) -> list[str]:
        with self._lock:
            return list(self._where)

    def close(self) -> None:
        """Close the current segment; the files stay until the owner's records are recovered."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
