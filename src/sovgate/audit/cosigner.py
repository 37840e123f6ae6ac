"""The log side of witnessing, run by the gateway (`gateway.cosign`): every `interval_s` it has
the latest checkpoint of its own log cosigned by each configured witness (typically the peer
gateways of other regions, `gateway.witness` there) and stores the cosignatures on it, as
`sovgate audit cosign` does by hand.

One worker process of a deployment does it (a non-blocking `flock` beside the log; another
worker takes over when that one exits), in a thread with its own connections to the log: the
requests' event loop never waits for a witness. A witness that cannot be reached is reported
once, and asked again at the next interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sovgate.audit.log import AuditError, open_log_reader
from sovgate.audit.note import NoteError, Verifier, split_note
from sovgate.audit.witness import WitnessError, request_cosignature


@dataclass
class Cosigner:
    url: str  # the log (gateway.audit)
    key_path: Path  # the log's signer key: its verifier checks what the witnesses cosign
    witnesses: list[tuple[str, Verifier]]  # (add-checkpoint URL, the witness's vkey)
    interval_s: float = 60.0
    _failing: set[str] = field(default_factory=set)
    _lock_fd: int | None = None

    def cosign_latest(self) -> int:
        """Have the latest checkpoint cosigned by every witness that has not yet; returns how
        many new cosignatures were stored. Blocking (HTTP, database): run it in a thread."""
        log = open_log_reader(self.url, key_path=self.key_path)
        try:
            cp = log.store.latest_checkpoint()
            if cp is None or cp.size == 0:
                return 0
            have = {(s.name, s.key_id) for s in split_note(cp.note)[1]}
            added = 0
            for url, witness in self.witnesses:
                if (witness.name, witness.key_id) in have:
                    continue
                try:
                    lines = request_cosignature(url, log, cp.size)
                    log.add_cosignatures(cp.size, lines, [witness])
                except (WitnessError, NoteError, AuditError) as exc:
                    if url not in self._failing:
                        self._failing.add(url)
                        print(f"sovgate: cosign: witness {url}: {exc}", file=sys.stderr)
                    continue
                if url in self._failing:
                    self._failing.discard(url)
                    print(f"sovgate: cosign: witness {url} cosigns again", file=sys.stderr)
                added += 1
            return added
        finally:
            log.close_sync()

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
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    async def run(self) -> None:
        try:
            while True:
                if self._elected():
                    try:
                        await asyncio.to_thread(self.cosign_latest)
                    except Exception as exc:  # e.g. the database briefly locked: next interval
                        print(f"sovgate: cosign failed: {exc!r}", file=sys.stderr)
                await asyncio.sleep(self.interval_s)
        finally:
            if self._lock_fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._lock_fd)
                self._lock_fd = None
