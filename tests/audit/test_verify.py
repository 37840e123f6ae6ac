"""`audit verify` against rows edited, deleted, reordered and appended behind the log's back,
on the real databases (SQLite file, PostgreSQL), through the library and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest
from audit_cases import rec
from audit_reference import ref_mth

from sovgate.audit import AuditError, merkle, open_audit_log_sync
from sovgate.audit.log import LogReader, open_log_reader
from sovgate.audit.verify import TamperError, verify_log

N = 50


@pytest.fixture
def filled(audit_url: str, log_kwargs: dict) -> tuple[str, dict]:
    log = open_audit_log_sync(audit_url, checkpoint_every=16, **log_kwargs)
    got = []
    for start in range(0, N, 8):  # several batches, so several checkpoints
        futs = [log.submit(rec(i)) for i in range(start, min(N, start + 8))]
        got += [f.result() for f in futs]
    assert sorted(got) == list(range(N))
    log.close_sync()
    return audit_url, log_kwargs


def _reader(filled: tuple[str, dict]) -> LogReader:
    url, kw = filled
    return open_log_reader(url, key_path=kw["key_path"])


def _sql(log: LogReader, sql: str, *args: object) -> None:
    log.store.reader().execute(log.store.q(sql), args)


def _row(log: LogReader, idx: int) -> tuple:
    e = log.store.entry_at(idx)
    assert e is not None
    return e.payload, e.leaf_hash


def edit_payload(log: LogReader) -> int:
    payload, _ = _row(log, 7)
    _sql(
        log,
        "UPDATE audit_entries SET payload = ? WHERE idx = 7",
        payload.replace(b"eu-sovereign", b"us-global"),
    )
    return 7


def edit_payload_and_leaf_hash(log: LogReader) -> int:
    payload, _ = _row(log, 9)
    new = payload.replace(b'"DE"', b'"FR"')
    _sql(log, "UPDATE audit_entries SET payload = ?, leaf_hash = ? WHERE idx = 9", new, merkle.leaf_hash(new))
    return 8  # the level-1 node over entries 8..9 no longer matches


def rewrite_leaf_and_nodes(log: LogReader) -> int:
    """Edit a record and recompute its leaf hash and every stored node: only signed roots tell."""
    rewrite_everything_but_signatures(log, touch_head=False)
    return max(c.size for c in log.store.checkpoints() if c.size <= 20)  # the span since that checkpoint


def rewrite_everything_but_signatures(log: LogReader, touch_head: bool = True) -> int:
    """Edit a record and recompute leaf, every stored node and the head root (without the key)."""
    payload, _ = _row(log, 20)
    new = payload.replace(b"eu-sovereign", b"us-global")
    _sql(
        log, "UPDATE audit_entries SET payload = ?, leaf_hash = ? WHERE idx = 20", new, merkle.leaf_hash(new)
    )
    rng = merkle.CompactRange()
    from sovgate.audit._store import stored_index

    for e in log.store.iter_entries():
        for (lv, n), h in rng.append(e.leaf_hash):
            _sql(log, "UPDATE audit_nodes SET hash = ? WHERE pos = ?", h, stored_index(lv, n))
    if touch_head:
        _sql(log, "UPDATE audit_head SET root = ? WHERE one = 1", rng.root())
    return -1  # caught by the head signature


def delete_middle(log: LogReader) -> int:
    _sql(log, "DELETE FROM audit_entries WHERE idx = 13")
    return 13


def delete_last(log: LogReader) -> int:
    _sql(log, f"DELETE FROM audit_entries WHERE idx = {N - 1}")
    return N - 1


def swap_rows(log: LogReader) -> int:
    """Reorder: rows 4 and 30 exchange their content (payload, hashes, columns)."""
    a, b = log.store.entry_at(4), log.store.entry_at(30)
    assert a and b
    for src, dst in ((a, 30), (b, 4)):
        _sql(
            log,
            "UPDATE audit_entries SET id = ?, time = ?, tenant = ?, payload = ?, leaf_hash = ? WHERE idx = ?",
            src.id,
            src.time,
            src.tenant,
            src.payload,
            src.leaf_hash,
            dst,
        )
    return 4


def swap_adjacent_rows(log: LogReader) -> int:
    """Rows 3 and 4 exchange places: each record still names the index it was signed at."""
    a, b = log.store.entry_at(3), log.store.entry_at(4)
    assert a and b
    _sql(log, "UPDATE audit_entries SET idx = -1 WHERE idx = 3")
    _sql(log, "UPDATE audit_entries SET idx = 3 WHERE idx = 4")
    _sql(log, "UPDATE audit_entries SET idx = 4 WHERE idx = -1")
    return 3


def append_row(log: LogReader) -> int:
    payload = json.dumps({"id": "forged", "time": "2026-01-01T00:00:00Z"}).encode()
    _sql(
        log,
        "INSERT INTO audit_entries (idx, id, time, tenant, leaf_hash, payload) VALUES (?, ?, ?, ?, ?, ?)",
        N,
        "forged",
        "2026-01-01T00:00:00Z",
        None,
        merkle.leaf_hash(payload),
        payload,
    )
    return N


def append_row_and_bump_head(log: LogReader) -> int:
    """Append a row and move the head row's size and root along (the signature cannot follow)."""
    append_row(log)
    leaves = [e.leaf_hash for e in log.store.iter_entries()]
    root = merkle.root(len(leaves), merkle.leaves_reader(leaves))
    _sql(log, "UPDATE audit_head SET size = ?, root = ? WHERE one = 1", N + 1, root)
    return N


def edit_id_column(log: LogReader) -> int:
    _sql(log, "UPDATE audit_entries SET id = 'someone-else' WHERE idx = 11")
    return 11


def forge_checkpoint(log: LogReader) -> int:
    cp = log.store.checkpoints()[1]
    _sql(
        log,
        "UPDATE audit_checkpoints SET note = ? WHERE size = ?",
        cp.note.replace("\n" + str(cp.size), "\n999"),
        cp.size,
    )
    return -1


def erase_recent_payload(log: LogReader) -> int:
    """A payload minutes old set to NULL: not retention (no signed purge covers it)."""
    _sql(log, "UPDATE audit_entries SET payload = NULL WHERE idx = 11")
    return 11


def delete_checkpoints(log: LogReader) -> int:
    _sql(log, "DELETE FROM audit_checkpoints")
    return -1  # the signed head's size says there must be some


TAMPERS: list[Callable[[LogReader], int]] = [
    erase_recent_payload,
    delete_checkpoints,
    edit_payload,
    edit_payload_and_leaf_hash,
    rewrite_leaf_and_nodes,
    rewrite_everything_but_signatures,
    delete_middle,
    delete_last,
    swap_rows,
    swap_adjacent_rows,
    append_row,
    append_row_and_bump_head,
    edit_id_column,
    forge_checkpoint,
]


def test_untouched_log_verifies(filled: tuple[str, dict]) -> None:
    log = _reader(filled)
    seen: list[int] = []
    result = verify_log(log, progress=seen.append)
    assert result.size == N and result.root == ref_mth([e.payload for e in log.store.iter_entries()])
    assert result.checkpoints >= 3 and seen[-1] == N
    log.close_sync()


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__)
def test_tampering_is_caught_and_named(filled: tuple[str, dict], tamper: Callable[[LogReader], int]) -> None:
    log = _reader(filled)
    first_bad = tamper(log)
    with pytest.raises(TamperError) as exc:
        verify_log(log)
    if first_bad >= 0:
        assert exc.value.index == first_bad, str(exc.value)
    log.close_sync()


@pytest.mark.parametrize(
    "tamper", [edit_payload, swap_rows, append_row, erase_recent_payload], ids=lambda f: f.__name__
)
def test_cli_verify_exits_nonzero_naming_the_entry(
    filled: tuple[str, dict], tamper: Callable[[LogReader], int]
) -> None:
    url, kw = filled
    log = _reader(filled)
    bad = tamper(log)
    log.close_sync()
    cmd = [sys.executable, "-m", "sovgate", "audit", "verify", "--audit", url, "--key", str(kw["key_path"])]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"entry {bad}" in p.stderr


def test_cli_verify_ok_and_with_an_untrusted_key_fails(filled: tuple[str, dict]) -> None:
    url, kw = filled
    base = [sys.executable, "-m", "sovgate", "audit", "verify", "--audit", url]
    p = subprocess.run([*base, "--key", str(kw["key_path"])], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and f"OK: {N} entries" in p.stdout, p.stderr
    from sovgate.audit.note import Signer

    other = Signer.generate("test.example/audit").vkey()  # same name, different key
    p = subprocess.run([*base, "--vkey", other], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "signed head" in p.stderr


def test_purged_log_still_verifies_and_proves(filled: tuple[str, dict]) -> None:
    url, kw = filled
    log = _reader(filled)
    before = verify_log(log)
    old_root = log.root(16)
    log.close_sync()
    w = open_audit_log_sync(url, **kw)
    assert w.purge(0) == N  # appends its signed admin record (index N) first
    assert w.append_sync(rec(N + 1)) == N + 1  # and the log continues after the purge
    w.close_sync()
    log = _reader(filled)
    assert [r.id for r in log.records()][1:] == [f"req-{N + 1}"]
    purge = next(log.records())
    assert (purge.kind, purge.action, purge.index) == ("admin", "audit.purge", N)
    assert purge.details["count"] == str(N)
    after = verify_log(log)
    assert (after.size, after.purged, after.purges) == (N + 2, N, 1)
    assert log.root(N) == before.root
    p = log.inclusion_proof(3, 16)
    merkle.verify_inclusion(3, 16, p.leaf_hash, p.proof, old_root)
    log.close_sync()


def test_writer_refuses_to_extend_a_log_whose_head_does_not_verify(filled: tuple[str, dict]) -> None:
    url, kw = filled
    log = _reader(filled)
    rewrite_everything_but_signatures(log)
    log.close_sync()
    with pytest.raises(AuditError, match="does not match the signed head"):
        open_audit_log_sync(url, **kw)
