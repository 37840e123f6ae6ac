"""Write-ahead records: a request's record is committed before the request goes out to a
provider, so a gateway that dies while a provider has the request still leaves the record of
where the data went (outcome "interrupted"), appended by the next writer to open the log.

Each back end (SQLite, PostgreSQL) with a real child process killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from audit_cases import rec

from sovgate.audit import AuditLog, open_audit_log_sync
from sovgate.audit.record import decode_leaf
from sovgate.audit.verify import verify_log

CHILD = Path(__file__).with_name("write_ahead_child.py")


def _ahead(i: int) -> object:
    return msgspec.structs.replace(rec(i), outcome="interrupted", status=0)


async def _dispatch(log: AuditLog, *records: object) -> None:
    for r in records:
        await log.dispatch(r)  # type: ignore[arg-type]
    await asyncio.sleep(0.15)  # as a gateway's loop goes on: the journal's sync check runs (100 ms)


def _outcomes(log: AuditLog) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for e in log.store.iter_entries():
        seen.setdefault(e.id, []).append(decode_leaf(e.payload).outcome)  # type: ignore[arg-type]
    return seen


@pytest.fixture
def child(audit_url: str, log_kwargs: dict) -> Iterator:
    """Start a child that writes ahead the given requests and stays alive until killed."""
    procs: list[subprocess.Popen] = []

    def start(*ids: int) -> tuple[subprocess.Popen, str]:
        p = subprocess.Popen(
            [
                sys.executable,
                str(CHILD),
                audit_url,
                str(log_kwargs["key_path"]),
                str(log_kwargs["hmac_secret_path"]),
                *map(str, ids),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(CHILD.parent), *sys.path])},
        )
        procs.append(p)
        line = p.stdout.readline().split() if p.stdout else []
        assert line[:1] == ["ready"], f"child did not start: {line}"
        return p, line[1]

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_final_record_replaces_the_write_ahead_one(audit_url: str, log_kwargs: dict) -> None:
    log = open_audit_log_sync(audit_url, **log_kwargs)
    try:
        asyncio.run(_dispatch(log, _ahead(1), _ahead(2)))
        assert sorted(r[0] for r in log.store.pending()) == ["req-1", "req-2"]
        assert log.size() == 0  # outside the tree until the request ends
        log.append_sync(rec(1))
        assert [r[0] for r in log.store.pending()] == ["req-2"]
        assert _outcomes(log) == {"req-1": ["ok"]}
    finally:
        log.close_sync()


def test_a_fallback_replaces_the_earlier_write_ahead_record(audit_url: str, log_kwargs: dict) -> None:
    log = open_audit_log_sync(audit_url, **log_kwargs)
    try:
        first = _ahead(1)
        second = msgspec.structs.replace(first, provider="eu-other", protection={"eu-other": ("PHONE",)})
        asyncio.run(_dispatch(log, first, second))
        (rid, owner, payload), *more = log.store.pending()
        assert not more and rid == "req-1" and owner == log.owner
        assert decode_leaf(payload).provider == "eu-other"
    finally:
        log.close_sync()


def test_a_killed_writers_requests_in_flight_are_appended_by_the_next(
    audit_url: str, log_kwargs: dict, child
) -> None:
    proc, owner = child(1, 2, 3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    log = open_audit_log_sync(audit_url, **log_kwargs)  # recovers at open
    try:
        assert log.store.pending() == []
        assert _outcomes(log) == {f"req-{i}": ["interrupted"] for i in (1, 2, 3)}
        entry = log.entry("req-2")
        assert entry is not None and entry.payload is not None
        kept = decode_leaf(entry.payload)
        assert (kept.provider, kept.protection, kept.status) == (
            "eu-sovereign",
            {"eu-sovereign": ("PHONE",)},
            0,
        )
        assert verify_log(log).size == 3
        if audit_url.startswith("sqlite:///"):  # the dead owner's lock file is cleaned up
            db = Path(audit_url.removeprefix("sqlite:///"))
            assert not db.with_name(f"{db.name}.owner-{owner}").exists()
    finally:
        log.close_sync()


def test_a_live_writers_requests_are_left_alone_until_it_dies(
    audit_url: str, log_kwargs: dict, child
) -> None:
    proc, owner = child(7)
    log = open_audit_log_sync(audit_url, **log_kwargs, checkpoint_interval_s=0.1)
    try:
        time.sleep(0.4)  # several recovery checks while the child lives
        assert [(r[0], r[1]) for r in log.store.pending()] == [("req-7", owner)]
        assert log.size() == 0
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while log.store.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert log.store.pending() == []
        assert _outcomes(log) == {"req-7": ["interrupted"]}
    finally:
        log.close_sync()


def test_closing_appends_what_is_still_in_flight(audit_url: str, log_kwargs: dict) -> None:
    log = open_audit_log_sync(audit_url, **log_kwargs)
    asyncio.run(_dispatch(log, _ahead(4)))
    log.close_sync()
    log = open_audit_log_sync(audit_url, **log_kwargs)
    try:
        assert log.store.pending() == []
        assert _outcomes(log) == {"req-4": ["interrupted"]}
        assert verify_log(log).size == 1
    finally:
        log.close_sync()


def test_an_owners_files_live_beside_the_database_and_go_with_a_clean_close(
    tmp_path: Path, log_kwargs: dict
) -> None:
    db = tmp_path / "a.db"
    log = open_audit_log_sync(f"sqlite:///{db}", **log_kwargs)
    mine = f"a.db.owner-{log.owner}"
    assert sorted(p.name for p in tmp_path.glob("a.db.owner-*")) == [mine, f"{mine}.0"]  # lock, journal
    log.close_sync()
    assert list(tmp_path.glob("a.db.owner-*")) == []


def test_the_journal_keeps_only_what_is_in_flight(
    tmp_path: Path, log_kwargs: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: write-ahead records are lines of the owner's journal; a segment goes once every
    request in it has ended, and a line not yet on disk is synced when the writer idles."""
    from sovgate.audit import _journal

    monkeypatch.setattr(_journal, "SEGMENT_BYTES", 4096)  # a few records per segment
    db = tmp_path / "a.db"
    log = open_audit_log_sync(f"sqlite:///{db}", **log_kwargs)
    try:
        journal = log._journal
        assert journal is not None
        asyncio.run(_dispatch(log, *(_ahead(i) for i in range(40))))
        segments = sorted(tmp_path.glob(f"a.db.owner-{log.owner}.*"))
        assert len(segments) > 3
        deadline = time.monotonic() + 5
        while journal.needs_flush() and time.monotonic() < deadline:  # synced by the idle writer
            time.sleep(0.01)
        assert not journal.needs_flush()
        for i in range(39):
            log.append_sync(rec(i))
        left = sorted(tmp_path.glob(f"a.db.owner-{log.owner}.*"))
        assert len(left) <= 2  # the segment of req-39, and the one being written
        assert [r[0] for r in log.store.pending()] == ["req-39"]
    finally:
        log.close_sync()
    log = open_audit_log_sync(f"sqlite:///{db}", **log_kwargs)
    try:  # closing appended the one still in flight
        assert _outcomes(log)["req-39"] == ["interrupted"] and len(_outcomes(log)) == 40
    finally:
        log.close_sync()


def test_reading_a_journal_while_its_segment_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader (`audit verify`, `pending()`) lists an owner's segments, then the owner or a
    recovery removes one before it is read (CI saw this): that segment's records are in the log."""
    from sovgate.audit import _journal

    db = tmp_path / "a.db"
    lock = _journal.owner_lock_path(db, "o1")
    kept = lock.with_name(f"{lock.name}.1")
    kept.write_bytes(b'{"id":"req-2","outcome":"interrupted"}\n')
    gone = lock.with_name(f"{lock.name}.0")  # listed, then removed before the read
    monkeypatch.setattr(_journal, "_segments", lambda db, owner: [gone, kept])
    assert [rid for rid, _ in _journal.read_journal(db, "o1")] == ["req-2"]


@pytest.mark.parametrize("audit_url", ["sqlite"], indirect=True)
def test_a_torn_last_line_of_a_dead_owners_journal_is_skipped(
    audit_url: str, log_kwargs: dict, child
) -> None:
    proc, owner = child(1, 2)
    proc.kill()
    proc.wait()
    db = Path(audit_url.removeprefix("sqlite:///"))
    (seg,) = db.parent.glob(f"{db.name}.owner-{owner}.*")
    with seg.open("ab") as f:
        f.write(b'{"action":null,"categories":["HEA')  # a power cut mid-write
    log = open_audit_log_sync(audit_url, **log_kwargs)
    try:
        assert _outcomes(log) == {"req-1": ["interrupted"], "req-2": ["interrupted"]}
        assert not seg.exists() and log.store.pending() == []
    finally:
        log.close_sync()


def test_show_and_verify_tell_about_requests_in_flight(audit_url: str, log_kwargs: dict, child) -> None:
    from typer.testing import CliRunner

    from sovgate.cli import app

    proc, _owner = child(5)
    key = ["--audit", audit_url, "--key", str(log_kwargs["key_path"])]
    shown = CliRunner().invoke(app, ["audit", "show", "req-5", *key])
    assert shown.exit_code == 1
    assert "in flight at 'eu-sovereign'" in " ".join(shown.stderr.split())
    verified = CliRunner().invoke(app, ["audit", "verify", *key])
    assert verified.exit_code == 0, verified.stderr
    assert "OK: 0 entries" in verified.stdout and "1 write-ahead records outside the tree" in verified.stdout
    proc.kill()
    proc.wait()
    log = open_audit_log_sync(audit_url, **log_kwargs)  # recovers
    log.close_sync()
    shown = CliRunner().invoke(app, ["audit", "show", "req-5", *key])
    assert shown.exit_code == 0 and '"outcome":"interrupted"' in shown.stdout.replace(" ", "")
    verified = CliRunner().invoke(app, ["audit", "verify", *key])
    assert "OK: 1 entries" in verified.stdout and "write-ahead" not in verified.stdout
