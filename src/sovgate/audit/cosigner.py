"""The log side of witnessing, run by the gateway (`gateway.cosign`): every `interval_s` it has
the latest checkpoint of its own log cosigned by each configured witness (typically the peer
gateways of other regions, `gateway.witness` there) and stores the cosignatures on it, as
`sovgate audit cosign` does by hand.

One worker process does it (a non-blocking `flock` beside the log, or in the temp directory for
PostgreSQL: one per host then; another worker takes over when that one exits), in a thread with
its own connection to the log: the requests' event loop never waits for a witness. Storing a
cosignature merges it into the checkpoint's note in one transaction, so cosigners running at
once (a hand-run `cosign`, another host) never drop each other's lines. A witness that fails
is reported once, and asked again at the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

from sovgate.audit.log import LogReader, open_log_reader
from sovgate.audit.note import Verifier, split_note
from sovgate.audit.witness import request_cosignature


@dataclass
class Cosigner:
    url: str  # the log (gateway.audit)
    witnesses: list[tuple[str, Verifier]]  # (add-checkpoint URL, the witness's vkey)
    interval_s: float = 60.0
    _failing: set[str] = field(default_factory=set)  # witnesses reported as failing
    _confirmed: set[str] = field(default_factory=set)  # witnesses whose first cosignature was reported
    _lock_fd: int | None = None
    _log: LogReader | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def cosign_latest(self) -> int:
        """Have the latest checkpoint cosigned by every witness that has not yet; returns how
        many new cosignatures were stored. Blocking (HTTP, database): run it in a thread."""
        if self._log is None:
            self._log = open_log_reader(self.url)
        log = self._log
        cp = log.store.latest_checkpoint()
        if cp is None or cp.size == 0:
            return 0
        have = {(s.name, s.key_id) for s in split_note(cp.note)[1]}
        added = 0
        for url, witness in self.witnesses:
            if self._stop.is_set():
                break
            if (witness.name, witness.key_id) in have:
                continue
            try:
                lines = request_cosignature(url, log, cp.size)
                log.add_cosignatures(cp.size, lines, [witness])
            except Exception as exc:  # unreachable, refused, a bad answer: the next witness
                self._report(url, f"sovgate: cosign: witness {url}: {exc}", failing=True)
                continue
            self._report(
                url, f"sovgate: cosign: checkpoint {cp.size} cosigned by {witness.name}", failing=False
            )
            added += 1
        return added

    def _report(self, url: str, line: str, *, failing: bool) -> None:
        """Once per failure streak, and once for the first cosignature of each witness after
        start or after failures: what an operator needs, without a line per checkpoint."""
        if failing:
            if url not in self._failing:
                self._failing.add(url)
                print(line, file=sys.stderr)
            return
        if url in self._failing or url not in self._confirmed:
            self._failing.discard(url)
            self._confirmed.add(url)
            print(line, file=sys.stderr)

    def _elected(self) -> bool:
        """Whether this process is the one that cosigns (holds the lock; it keeps it while alive)."""
        if self._lock_fd is not None:
            return True
        try:
            import fcntl
        except ImportError:  # Windows: one process
            return True
        if self.url.startswith("sqlite:///"):
            path = self.url.removeprefix("sqlite:///") + ".cosign.lock"
        else:
            digest = hashlib.sha256(self.url.encode()).hexdigest()[:16]
            path = os.path.join(tempfile.gettempdir(), f"sovgate-cosign-{digest}.lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            self._report(path, f"sovgate: cosign: cannot open the lock file {path}: {exc}", failing=True)
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def _release(self, _: Any = None) -> None:
        if self._log is not None:
            with contextlib.suppress(Exception):
                self._log.close_sync()
            self._log = None
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    async def run(self) -> None:
        running: asyncio.Future[int] | None = None
        try:
            while True:
                if self._elected():
                    running = asyncio.ensure_future(asyncio.to_thread(self.cosign_latest))
                    try:
                        await asyncio.shield(running)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:  # e.g. the database briefly locked: next interval
                        self._report("", f"sovgate: cosign failed: {exc!r}", failing=True)
                    else:
                        self._failing.discard("")
                await asyncio.sleep(self.interval_s)
        finally:
            self._stop.set()  # the thread stops before its next witness
            if running is not None and not running.done():
                # keep the lock (no other worker may start) until the call in progress is over
                running.add_done_callback(self._release)
            else:
                self._release()
