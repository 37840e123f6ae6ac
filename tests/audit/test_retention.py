"""Retention vs. erasure: a purge is a signed admin record in the log, and `verify` accepts a
missing payload only when such a record, later in the log, covers its time and tenant
(QA A1/A6). Real databases (SQLite file, PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys

import msgspec
import pytest
from audit_cases import rec

from sovgate.audit import AuditLog, admin_record, open_audit_log_sync
from sovgate.audit.log import LogReader, open_log_reader
from sovgate.audit.record import ADMIN_ID_PREFIX, PURGE_ACTION
from sovgate.audit.verify import TamperError, verify_log

OLD = "2025-01-02T03:04:05.000000Z"  # far beyond the six-month retention


def _old(i: int, tenant: str) -> object:
    return msgspec.structs.replace(rec(i, tenant=tenant), time=OLD)


@pytest.fixture
def aged(audit_url: str, log_kwargs: dict) -> tuple[str, dict]:
    """Entries 0..5 are old (even: acme-de, odd: acme-cn), 6..9 recent."""
    log = open_audit_log_sync(audit_url, **log_kwargs)
    for i in range(6):
        log.append_sync(_old(i, "acme-de" if i % 2 == 0 else "acme-cn"))  # type: ignore[arg-type]
    for i in range(6, 10):
        log.append_sync(rec(i))
    log.close_sync()
    return audit_url, log_kwargs


def _writer(aged: tuple[str, dict]) -> AuditLog:
    url, kw = aged
    return open_audit_log_sync(url, **kw)


def _reader(aged: tuple[str, dict]) -> LogReader:
    url, kw = aged
    return open_log_reader(url, key_path=kw["key_path"])


def _null(log: LogReader, idx: int) -> None:
    log.store.reader().execute(log.store.q("UPDATE audit_entries SET payload = NULL WHERE idx = ?"), (idx,))


def _bad_entry(log: LogReader) -> int | None:
    with pytest.raises(TamperError) as exc:
        verify_log(log)
    assert "no signed purge" in str(exc.value) or "leaf hash" in str(exc.value), str(exc.value)
    return exc.value.index


def test_retention_purge_is_signed_and_verifies(aged: tuple[str, dict]) -> None:
    w = _writer(aged)
    assert w.purge() == 6  # the default retention: the six old payloads
    w.close_sync()
    log = _reader(aged)
    result = verify_log(log)
    assert (result.size, result.purged, result.purges) == (11, 6, 1)
    purge = log.entry(next(r.id for r in log.records() if r.kind == "admin"))
    assert purge is not None and purge.idx == 10 and purge.id.startswith(ADMIN_ID_PREFIX)
    rec10 = next(r for r in log.records() if r.kind == "admin")
    assert rec10.action == PURGE_ACTION and rec10.details["count"] == "6" and rec10.details["tenant"] == ""
    assert OLD < rec10.details["cutoff"] < rec10.time
    log.close_sync()


def test_erasing_a_payload_younger_than_the_cutoff_is_tampering(aged: tuple[str, dict]) -> None:
    w = _writer(aged)
    w.purge()
    w.close_sync()
    log = _reader(aged)
    _null(log, 7)  # recent: no purge covers it
    assert _bad_entry(log) == 7
    log.close_sync()


def test_erasing_without_any_purge_is_tampering(aged: tuple[str, dict]) -> None:
    log = _reader(aged)
    _null(log, 2)  # old enough for retention, but nobody signed a purge
    assert _bad_entry(log) == 2
    log.close_sync()
    url, kw = aged
    cmd = [sys.executable, "-m", "sovgate", "audit", "verify", "--audit", url, "--key", str(kw["key_path"])]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "entry 2 (id req-2)" in p.stderr and "no signed purge" in p.stderr


def test_a_tenant_purge_covers_only_that_tenant(aged: tuple[str, dict]) -> None:
    w = _writer(aged)
    assert w.purge(tenant="acme-cn") == 3  # entries 1, 3, 5
    w.close_sync()
    log = _reader(aged)
    assert verify_log(log).purged == 3
    _null(log, 4)  # an old acme-de payload
    assert _bad_entry(log) == 4
    log.close_sync()


def test_a_purge_covers_only_entries_before_it(aged: tuple[str, dict]) -> None:
    w = _writer(aged)
    w.purge()
    late = w.append_sync(_old(99, "acme-de"))  # type: ignore[arg-type]  # an old time, written after
    w.close_sync()
    log = _reader(aged)
    assert verify_log(log).purged == 6
    _null(log, late)
    assert _bad_entry(log) == late
    log.close_sync()


def test_erasing_the_purge_record_unjustifies_the_purge(aged: tuple[str, dict]) -> None:
    w = _writer(aged)
    w.purge()
    w.purge(0)  # a later purge keeps every admin record's payload
    w.close_sync()
    log = _reader(aged)
    admins = [r for r in log.records() if r.kind == "admin"]
    assert [r.index for r in admins] == [10, 11]  # both purge records still readable
    assert verify_log(log).purged == 10
    _null(log, 11)  # the second purge record gone: nothing covers the recent entries 6..9
    assert _bad_entry(log) == 6
    _null(log, 10)  # both gone: nothing covers any
    assert _bad_entry(log) == 0
    log.close_sync()


def test_admin_record_api() -> None:
    r = admin_record("gateway.start", details={"packs": "baseline@1,eu-gdpr@2"}, fingerprint="ab" * 32)
    assert (r.kind, r.action, r.tenant, r.fingerprint) == ("admin", "gateway.start", None, "ab" * 32)
    assert (
        r.id.startswith(ADMIN_ID_PREFIX)
        and r.time.endswith("Z")
        and r.details == {"packs": "baseline@1,eu-gdpr@2"}
    )
    assert admin_record("x", details={}, fingerprint="", tenant="acme-de").tenant == "acme-de"


def test_purge_cover_is_by_index_cutoff_and_scope() -> None:
    """The bisection index over purge records against a plain reading of the rule."""
    import random

    from sovgate.audit._store import Entry
    from sovgate.audit.verify import _Purges

    rnd = random.Random(7)
    times = [f"2026-{m:02d}-01T00:00:00.000000Z" for m in range(1, 13)]
    tenants = ["", "acme-de", "acme-cn"]
    for _ in range(200):
        purges = [
            (rnd.randrange(100), rnd.choice(times), rnd.choice(tenants)) for _ in range(rnd.randrange(6))
        ]
        index = _Purges(purges)
        for _ in range(20):
            e = Entry(
                rnd.randrange(100), "x", rnd.choice(times), rnd.choice(["acme-de", "acme-cn"]), b"", None
            )
            want = any(i > e.idx and e.time < c and t in ("", e.tenant) for i, c, t in purges)
            assert index.covers(e) == want, (purges, e)
