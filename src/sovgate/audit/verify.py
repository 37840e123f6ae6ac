"""Full verification of a stored log: what `sovgate audit verify` runs.

Trusts nothing in the database but the log's public key. It recomputes every leaf
hash from its payload, rebuilds the tree and compares every stored interior node,
checks the signed head and every checkpoint (signature, origin, root at its size)
and the consistency proof between consecutive checkpoints, and requires that the
rows are exactly leaves 0..size-1 of the signed head. The first problem found
is raised as `TamperError`, naming the entry.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import msgspec

from sovgate.audit import merkle
from sovgate.audit._store import Entry, Head, stored_index
from sovgate.audit.log import AuditError, LogReader
from sovgate.audit.note import Checkpoint, NoteError, Verifier, open_checkpoint, verify_note
from sovgate.audit.record import LEAF_VERSION, PURGE_ACTION, AuditRecord, decode_leaf, leaf_version


class TamperError(Exception):
    """The stored log does not match its signatures; `index` is the first bad entry, if known."""

    def __init__(self, message: str, index: int | None = None, record_id: str | None = None) -> None:
        self.index, self.record_id = index, record_id
        where = (
            f"entry {index}" + (f" (id {record_id})" if record_id else "") + ": " if index is not None else ""
        )
        super().__init__(where + message)


@dataclass
class VerifyResult:
    size: int
    root: bytes
    checkpoints: int
    purged: int
    purges: int = 0  # signed audit.purge admin records
    witnessed: dict[int, list[str]] = field(default_factory=dict)  # checkpoint size -> witness names
    in_flight: int = 0  # write-ahead records (outside the tree, not verified: nothing signs them)


def verify_log(
    log: LogReader,
    *,
    witnesses: Sequence[Verifier] = (),
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    key = log.verifier()
    head = log.store.head()
    signed = _open_head(head, key)  # only the signed note is trusted, not the row's columns
    checkpoints = _checkpoints(log, key, signed.size)
    if signed.size and not checkpoints:  # the first batch always commits one with its head
        raise TamperError(
            f"the signed head covers {signed.size} entries but no checkpoint is stored: "
            "checkpoints were deleted"
        )
    due = {cp.size: cp for cp in checkpoints}
    rng = merkle.CompactRange()
    nodes = log.store.iter_nodes()
    purged = 0
    purges: _Purges | None = None  # read when the first missing payload is met
    for entry in log.store.iter_entries():
        if entry.idx != rng.size:
            if entry.idx < rng.size:  # cannot happen with a primary key, but be explicit
                raise TamperError("appears twice", entry.idx, entry.id)
            raise TamperError("is missing (rows were deleted)", rng.size)
        if entry.idx >= signed.size:
            _reject_unsigned_tail(log, key, entry, signed.size)
            break
        if entry.payload is None:
            if purges is None:
                purges = _purges(log, signed.size)
            _check_purged(entry, purges)
            purged += 1
        else:
            _check_entry(entry)
        for (level, n), h in rng.append(entry.leaf_hash):
            _check_node(nodes, level, n, h)
        if rng.size in due and rng.root() != due[rng.size].root:
            _rewritten(rng.size, f"the signed checkpoint of size {rng.size}", due)
        if progress and rng.size % 4096 == 0:
            progress(rng.size)
    if rng.size < signed.size:
        raise TamperError(
            f"is missing: the signed head covers {signed.size} entries, the table ends here", rng.size
        )
    if rng.root() != signed.root:
        _rewritten(rng.size, "the signed head", due)
    if (head.size, head.root) != (signed.size, signed.root):
        raise TamperError(f"the head row says size {head.size}, its signed note {signed.size}")
    for a, b in pairwise(checkpoints):
        p = log.consistency_proof(a.size, b.size)
        try:
            merkle.verify_consistency(a.size, b.size, a.root, b.root, p.proof)
        except merkle.ProofError as e:
            raise TamperError(f"checkpoints of sizes {a.size} and {b.size} are inconsistent: {e}") from None
    if progress:
        progress(rng.size)
    n_purges = (purges or _purges(log, signed.size)).count
    return VerifyResult(
        rng.size,
        rng.root(),
        len(checkpoints),
        purged,
        n_purges,
        _witnessed(log, witnesses),
        len(log.store.pending()),
    )


class _Purges:
    """The signed purge records, indexed so that "is there a purge after entry i whose cutoff is
    later than t" is one bisection (a log purged daily for years has thousands of them)."""

    def __init__(self, purges: list[tuple[int, str, str]]) -> None:  # (index, cutoff, tenant)
        self.count = len(purges)
        by_scope: dict[str, list[tuple[int, str]]] = {}
        for index, cutoff, tenant in purges:
            by_scope.setdefault(tenant, []).append((index, cutoff))
        # per scope ("" = all tenants): indices ascending, and the latest cutoff from there on
        self._scopes: dict[str, tuple[list[int], list[str]]] = {}
        for scope, items in by_scope.items():
            items.sort()
            suffix, best = [], ""
            for _, cutoff in reversed(items):
                best = max(best, cutoff)
                suffix.append(best)
            self._scopes[scope] = ([i for i, _ in items], suffix[::-1])

    def covers(self, entry: Entry) -> bool:
        for scope in ("", entry.tenant or ""):
            found = self._scopes.get(scope)
            if found is None:
                continue
            indices, latest_cutoff = found
            k = bisect.bisect_right(indices, entry.idx)  # first purge after the entry
            if k < len(indices) and entry.time < latest_cutoff[k]:
                return True
        return False


def _purges(log: LogReader, size: int) -> _Purges:
    """The signed purge records (read ahead of the main pass, which checks them again in order)."""
    out = []
    for entry in log.store.admin_entries():
        if entry.idx >= size:
            break
        rec = _check_entry(entry)
        if rec.kind == "admin" and rec.action == PURGE_ACTION and "cutoff" in rec.details:
            out.append((entry.idx, rec.details["cutoff"], rec.details.get("tenant", "")))
    return _Purges(out)


def _check_purged(entry: Entry, purges: _Purges) -> None:
    """A missing payload is retention only if a signed purge later in the log covers its time
    (and tenant); anything else is an erasure."""
    if not purges.covers(entry):
        raise TamperError(
            f"the payload was erased but no signed purge (admin record {PURGE_ACTION!r}) covers its "
            f"time {entry.time}",
            entry.idx,
            entry.id,
        )


def _rewritten(size: int, what: str, checkpoints: dict[int, Checkpoint]) -> None:
    """Leaves, nodes and all were rewritten consistently: only a signed root tells, and only
    which span of entries (since the previous checkpoint) holds the change."""
    lo = max((s for s in checkpoints if s < size), default=0)
    raise TamperError(
        f"entries {lo}..{size - 1} do not match {what} "
        "(a row was changed together with its leaf and tree hashes)",
        lo,
    )


def _open_head(head: Head, key: Verifier) -> Checkpoint:
    if head.note is None:
        raise TamperError("the log has no signed head")
    try:
        cp = open_checkpoint(head.note, key)
    except NoteError as e:
        raise TamperError(f"the signed head does not verify: {e}") from None
    _check_origin(cp, key)
    return cp


def _check_origin(cp: Checkpoint, key: Verifier) -> None:
    if cp.origin != key.name:
        raise TamperError(f"checkpoint origin {cp.origin!r} is not the key's name {key.name!r}")


def _checkpoints(log: LogReader, key: Verifier, head_size: int) -> list[Checkpoint]:
    out = []
    for stored in log.store.checkpoints():
        try:
            cp = open_checkpoint(stored.note, key)
        except NoteError as e:
            raise TamperError(f"checkpoint of size {stored.size} does not verify: {e}") from None
        _check_origin(cp, key)
        if cp.size != stored.size:
            raise TamperError(f"checkpoint row {stored.size} holds a note of size {cp.size}")
        if cp.size == 0 and cp.root != merkle.EMPTY_ROOT:
            raise TamperError("the checkpoint of size 0 does not carry the empty-tree root")
        if cp.size > head_size:
            raise TamperError(
                f"checkpoint of size {cp.size} is beyond the signed head ({head_size}): rolled back"
            )
        out.append(cp)
    return out


def _check_version(entry: Entry, v: int) -> None:
    if v > LEAF_VERSION:
        raise AuditError(
            f"entry {entry.idx} is a version {v} leaf; this sovgate reads up to {LEAF_VERSION}: upgrade"
        )


def _check_entry(entry: Entry) -> AuditRecord:
    """The entry's record, checked against its leaf hash, position and columns."""
    assert entry.payload is not None
    if merkle.leaf_hash(entry.payload) != entry.leaf_hash:
        raise TamperError("the record does not match its leaf hash (edited or moved)", entry.idx, entry.id)
    try:
        rec = decode_leaf(entry.payload)
    except msgspec.DecodeError as e:
        # a newer sovgate's leaf has fields this one does not know: say so, not "tampered"
        _check_version(entry, leaf_version(entry.payload) or 0)
        raise TamperError(f"the record is not a valid leaf: {e}", entry.idx, entry.id) from None
    _check_version(entry, rec.v)
    # v1 leaves written before the index was signed carry none: their position is proven by
    # the tree alone (a row moved is still caught by the node and root checks)
    if rec.index != entry.idx and not (rec.v == 1 and rec.index is None):
        raise TamperError(f"the record was signed at index {rec.index}: rows were moved", entry.idx, entry.id)
    if (rec.id, rec.time, rec.tenant) != (entry.id, entry.time, entry.tenant):
        raise TamperError("the id/time/tenant columns differ from the signed record", entry.idx, entry.id)
    return rec


def _check_node(nodes: Iterator[tuple[int, bytes]], level: int, n: int, h: bytes) -> None:
    want = stored_index(level, n)
    got = next(nodes, None)
    first = n << level
    if got is None or got[0] != want:
        raise TamperError(f"tree node ({level}, {n}) is missing from storage", first)
    if got[1] != h:
        raise TamperError(
            f"tree node ({level}, {n}) over entries {first}..{first + (1 << level) - 1} "
            "differs from the recomputed one (entries moved or their hashes changed)",
            first,
        )


def _reject_unsigned_tail(log: LogReader, key: Verifier, entry: Entry, size: int) -> None:
    # A live writer commits rows together with a newer signed head: re-read before accusing.
    newer = _open_head(log.store.head(), key).size
    if entry.idx >= newer:
        raise TamperError(
            f"is beyond the signed head (size {size}): appended behind the log's back", entry.idx, entry.id
        )


def _witnessed(log: LogReader, witnesses: Sequence[Verifier]) -> dict[int, list[str]]:
    if not witnesses:
        return {}
    out: dict[int, list[str]] = {}
    for stored in log.store.checkpoints():
        try:
            _, ok = verify_note(stored.note, list(witnesses))
        except NoteError as e:
            if "no signature by a known key" in str(e):
                continue
            raise TamperError(
                f"cosignature on checkpoint of size {stored.size} does not verify: {e}"
            ) from None
        out[stored.size] = sorted(ok)
    return out
