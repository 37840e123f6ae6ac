"""Witnessing (C2SP tlog-witness, cosignature/v1): a peer attests it saw the same log.

Log side: `add_checkpoint_body` builds the request, `request_cosignature` posts it
to a witness (retrying once with the size the witness reports on 409) and returns
the cosignature lines, which `AuditLog.add_cosignatures` stores on the checkpoint.

Witness side: `Witness.add_checkpoint` is the endpoint's logic, HTTP-free: it
checks the log's signature and the consistency proof from the size it last saw,
updates its state and cosigns. State is a JSON file {origin: [size, root b64]},
replaced atomically under a lock (a thread lock, and an `flock` of `<state>.lock` for the
worker processes of one `sovgate serve`), so the check-and-update cannot be rolled back.
`open_witness` loads (or creates) its key; `sovgate serve` serves it at POST /add-checkpoint
when `gateway.witness` is configured.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sovgate.audit import merkle
from sovgate.audit._keys import load_or_create_signer
from sovgate.audit.log import LogReader
from sovgate.audit.note import ALG_COSIGNATURE_V1, NoteError, Signer, Verifier, parse_checkpoint, split_note

CONTENT_TYPE_SIZE = "text/x.tlog.size"


class WitnessError(RuntimeError):
    """A witness could not be asked, or refused to cosign."""


def add_checkpoint_body(old_size: int, proof: list[bytes], note: str) -> str:
    """The add-checkpoint request: "old N", proof lines, a blank line, the signed checkpoint."""
    if len(proof) > 63:
        raise ValueError("a consistency proof has at most 63 hashes")
    lines = [f"old {old_size}", *(base64.b64encode(p).decode() for p in proof)]
    return "\n".join(lines) + "\n\n" + note


@dataclass(frozen=True)
class WitnessReply:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class Witness:
    def __init__(self, signer: Signer, logs: list[Verifier], state_path: Path) -> None:
        if signer.alg != ALG_COSIGNATURE_V1:
            raise NoteError("a witness key must be a cosignature/v1 (0x04) key")
        self.signer = signer
        self.logs = {v.name: v for v in logs}
        self.state_path = state_path
        self._lock = threading.Lock()

    def _state(self) -> dict[str, list]:
        try:
            return json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return {}

    @contextlib.contextmanager
    def _processes(self) -> Iterator[None]:
        """Across the worker processes serving this witness: one check-and-update at a time."""
        try:
            import fcntl
        except ImportError:  # Windows: one process
            yield
            return
        fd = os.open(f"{self.state_path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _save(self, state: dict[str, list]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.state_path.parent, prefix=".witness-")
        with os.fdopen(fd, "w") as f:
            json.dump(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.state_path)

    def add_checkpoint(self, body: str, now: int | None = None) -> WitnessReply:
        try:
            head, note = body.split("\n\n", 1)
            first, *proof_lines = head.split("\n")
            if not first.startswith("old ") or len(proof_lines) > 63:
                raise ValueError
            old = int(first[4:])
            proof = [base64.b64decode(line, validate=True) for line in proof_lines]
            text, sigs = split_note(note)
            cp = parse_checkpoint(text)
        except (ValueError, NoteError):
            return WitnessReply(400, "malformed add-checkpoint request\n")
        log_key = self.logs.get(cp.origin)
        if log_key is None:
            return WitnessReply(404, f"unknown log origin {cp.origin}\n")
        sig = next((s for s in sigs if (s.name, s.key_id) == (log_key.name, log_key.key_id)), None)
        try:
            if sig is None:
                raise NoteError("no signature by the log key")
            log_key.verify(text, sig.blob)
        except NoteError:
            return WitnessReply(403, "checkpoint is not signed by a trusted key\n")
        with self._lock, self._processes():
            state = self._state()
            known_size, known_root = state.get(cp.origin, [0, base64.b64encode(merkle.EMPTY_ROOT).decode()])
            known = base64.b64decode(known_root)
            if old != known_size:
                return WitnessReply(409, f"{known_size}\n", CONTENT_TYPE_SIZE)
            if cp.size < old:
                return WitnessReply(400, "checkpoint is smaller than the old size\n")
            if cp.size == old and cp.root != known:
                return WitnessReply(409, "same size, different root: the log forked\n")
            try:
                merkle.verify_consistency(old, cp.size, known, cp.root, proof)
            except merkle.ProofError as e:
                return WitnessReply(422, f"bad consistency proof: {e}\n")
            state[cp.origin] = [cp.size, base64.b64encode(cp.root).decode()]
            self._save(state)
        ts = int(time.time()) if now is None else now
        return WitnessReply(200, self.signer.sign_line(text, ts))


def open_witness(name: str, key_path: Path, state_path: Path, log_vkeys: list[str]) -> Witness:
    """A witness named `name` for the logs of `log_vkeys`, its cosignature/v1 key in `key_path`
    (created on first use, mode 0600). Raises NoteError naming what is wrong."""
    logs = []
    for i, vkey in enumerate(log_vkeys):
        try:
            logs.append(Verifier.from_vkey(vkey))
        except NoteError as e:
            raise NoteError(f"log key {i + 1}: {e}") from None
    signer = load_or_create_signer(key_path, name, ALG_COSIGNATURE_V1)
    state_path.parent.mkdir(parents=True, exist_ok=True)
    return Witness(signer, logs, state_path)


def request_cosignature(url: str, log: LogReader, size: int, *, timeout: float = 10.0) -> list[str]:
    """Ask the witness at `url` (its add-checkpoint endpoint) to cosign the stored checkpoint of `size`."""
    import httpx

    cp = log.store.checkpoint(size)
    if cp is None:
        raise WitnessError(f"no checkpoint of size {size}")
    note = cp.note
    old = 0
    for _ in range(2):
        proof = log.consistency_proof(old, size).proof if 0 < old < size else []
        try:
            r = httpx.post(url, content=add_checkpoint_body(old, proof, note), timeout=timeout)
        except httpx.HTTPError as e:
            raise WitnessError(f"witness {url} unreachable: {e}") from None
        if r.status_code == 409 and r.headers.get("content-type", "").startswith(CONTENT_TYPE_SIZE):
            old = int(r.text.strip())
            if old > size:
                raise WitnessError(f"the witness has seen size {old}, beyond {size}")
            continue
        if r.status_code != 200:
            raise WitnessError(f"witness answered {r.status_code}: {r.text.strip()}")
        return [line for line in r.text.splitlines() if line]
    raise WitnessError("the witness keeps reporting another size")
