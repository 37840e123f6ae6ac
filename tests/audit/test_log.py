"""The log on each real back end (SQLite file, PostgreSQL server): the same suite for both."""

from __future__ import annotations

import asyncio
import itertools
import threading

import pytest
from audit_cases import rec
from audit_reference import ref_mth, ref_path, ref_proof
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sovgate.audit import (
    AuditError,
    AuditRecord,
    merkle,
    open_audit_log,
    open_audit_log_sync,
)
from sovgate.audit.note import Verifier, open_checkpoint, parse_checkpoint, split_note


async def test_append_returns_sequential_durable_indices(audit_url: str, log_kwargs: dict) -> None:
    log = await open_audit_log(audit_url, **log_kwargs)
    indices = await asyncio.gather(*(log.append(rec(i)) for i in range(300)))
    assert sorted(indices) == list(range(300))
    await log.close()
    # A fresh process view: every returned index is there with its record.
    again = open_audit_log_sync(audit_url, **log_kwargs)
    try:
        assert again.size() == 300
        entries = list(again.store.iter_entries())
        assert [e.idx for e in entries] == list(range(300))
        assert sorted(e.id for e in entries) == sorted(f"req-{i}" for i in range(300))
        leaves = [e.payload for e in entries]
        assert again.root() == ref_mth(leaves)
        assert again.head().root == ref_mth(leaves)
    finally:
        again.close_sync()


async def test_proofs_match_reference_at_every_size(audit_url: str, log_kwargs: dict) -> None:
    log = await open_audit_log(audit_url, **log_kwargs)
    for i in range(37):  # one at a time: many small batches, many head revisions
        await log.append(rec(i))
    leaves = [e.payload for e in log.store.iter_entries()]
    for size in range(1, 38):
        root = log.root(size)
        assert root == ref_mth(leaves[:size])
        for m in range(size):
            p = log.inclusion_proof(m, size)
            assert p.proof == ref_path(m, leaves[:size])
            merkle.verify_inclusion(m, size, p.leaf_hash, p.proof, p.root)
        for m in range(1, size):
            c = log.consistency_proof(m, size)
            assert c.proof == ref_proof(m, leaves[:size])
            merkle.verify_consistency(m, size, c.root1, c.root2, c.proof)
    with pytest.raises(merkle.ProofError):
        log.inclusion_proof(0, 38)
    await log.close()


async def test_checkpoints_are_signed_and_consistent(audit_url: str, log_kwargs: dict) -> None:
    log = await open_audit_log(audit_url, checkpoint_every=10, **log_kwargs)
    for i in range(45):
        await log.append(rec(i))
    await log.close()
    log = open_audit_log_sync(audit_url, **log_kwargs)
    key = Verifier.from_vkey(log.vkey())
    cps = [open_checkpoint(c.note, key) for c in log.checkpoints()]
    sizes = [c.size for c in cps]
    assert sizes[-1] == 45 and sizes == sorted(set(sizes)) and len(sizes) >= 5
    assert all(c.origin == "test.example/audit" for c in cps)
    for a, b in itertools.pairwise(cps):
        p = log.consistency_proof(a.size, b.size)
        merkle.verify_consistency(a.size, b.size, a.root, b.root, p.proof)
    head = open_checkpoint(log.checkpoint(), key)
    assert (head.size, head.root) == (45, log.root())
    log.close_sync()


async def test_concurrent_writers_share_one_log_without_forking(audit_url: str, log_kwargs: dict) -> None:
    """Two independent log instances (as two worker processes would) append at once."""
    logs = [open_audit_log_sync(audit_url, **log_kwargs) for _ in range(2)]
    got: list[list[int]] = [[], []]

    def work(k: int) -> None:
        futs = [logs[k].submit(rec(1000 * k + i)) for i in range(400)]
        got[k] = [f.result() for f in futs]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got[0] + got[1]) == list(range(800))
    leaves = [e.payload for e in logs[0].store.iter_entries()]
    assert logs[0].root() == logs[1].root() == ref_mth(leaves)
    for log in logs:
        log.close_sync()


async def test_empty_log_has_a_signed_empty_checkpoint(audit_url: str, log_kwargs: dict) -> None:
    log = await open_audit_log(audit_url, **log_kwargs)
    text, sigs = split_note(log.checkpoint())
    cp = parse_checkpoint(text)
    assert (cp.size, cp.root) == (0, merkle.EMPTY_ROOT) and len(sigs) == 1
    await log.close()


async def test_reopen_with_another_origin_is_refused(audit_url: str, log_kwargs: dict) -> None:
    log = await open_audit_log(audit_url, **log_kwargs)
    await log.append(rec(0))
    await log.close()
    with pytest.raises(AuditError, match="origin"):
        open_audit_log_sync(audit_url, **(log_kwargs | {"origin": "other.example/log"}))


async def test_records_filter_and_fingerprint(audit_url: str, log_kwargs: dict) -> None:
    log = await open_audit_log(audit_url, **log_kwargs)
    await log.append(rec(1, tenant="a"))
    await log.append(rec(2, tenant="b"))
    assert [r.id for r in log.records(tenant="b")] == ["req-2"]
    assert [r.id for r in log.records()] == ["req-1", "req-2"]
    fp = log.fingerprint(b"+49 30 1234567")
    assert len(fp) == 64 and fp != log.fingerprint(b"+49 30 1234568")
    import hashlib

    assert fp != hashlib.sha256(b"+49 30 1234567").hexdigest()  # keyed, not a plain hash
    await log.close()
    with pytest.raises(AuditError):
        await log.append(rec(3))


async def test_failures_surface_as_audit_errors(audit_url: str, log_kwargs: dict) -> None:
    """The gateway fails closed on AuditError: bad records and storage failures both raise it."""
    log = await open_audit_log(audit_url, **log_kwargs)
    with pytest.raises(AuditError, match="invalid audit record"):
        await log.append(AuditRecord(id="x", time="yesterday"))
    assert await log.append(rec(0)) == 0
    log.store.reader().execute("DROP TABLE audit_nodes")  # storage broken behind the log's back
    with pytest.raises(AuditError, match="audit append failed"):
        await asyncio.gather(*(log.append(rec(i)) for i in range(1, 4)))
    assert log.store.count_entries() == 1  # the failed batch left nothing behind
    await log.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.integers(1, 40), min_size=1, max_size=8), data=st.data())
def test_any_batching_gives_the_reference_tree(
    tmp_path_factory: pytest.TempPathFactory, batches: list[int], data: st.DataObject
) -> None:
    """Generate-then-verify on the real SQLite store: whatever the batch boundaries, the
    stored tree is the reference tree and every generated proof verifies."""
    d = tmp_path_factory.mktemp("h")
    log = open_audit_log_sync(
        f"sqlite:///{d}/a.db", key_path=d / "k", hmac_secret_path=d / "h", checkpoint_every=7
    )
    n = 0
    for b in batches:
        [f.result() for f in [log.submit(rec(n + i)) for i in range(b)]]
        n += b
    leaves = [e.payload for e in log.store.iter_entries()]
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    p = log.inclusion_proof(index, size)
    assert p.root == ref_mth(leaves[:size]) and p.proof == ref_path(index, leaves[:size])
    merkle.verify_inclusion(index, size, p.leaf_hash, p.proof, p.root)
    m = data.draw(st.integers(1, size))
    c = log.consistency_proof(m, size)
    merkle.verify_consistency(m, size, c.root1, c.root2, c.proof)
    log.close_sync()
