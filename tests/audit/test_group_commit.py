"""Group commit: a commit waits briefly for the records of other requests in progress.

With `checkpoint_every=1` every commit writes a checkpoint, so the checkpoint sizes show
where the batches ended.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from audit_cases import rec

from sovgate.audit import AuditLog, open_audit_log_sync


def _log(tmp_path: Path, delay_s: float, working: int | None) -> AuditLog:
    log = open_audit_log_sync(
        f"sqlite:///{tmp_path}/audit.db",
        key_path=tmp_path / "log.key",
        hmac_secret_path=tmp_path / "log.hmac",
        origin="test.example/audit",
        checkpoint_every=1,
        commit_delay_s=delay_s,
    )
    if working is not None:
        log.working = lambda: working
    return log


def _commit_sizes(log: AuditLog) -> list[int]:
    return [c.size for c in log.checkpoints()]


def test_a_commit_waits_for_the_other_requests_in_progress(tmp_path: Path) -> None:
    log = _log(tmp_path, delay_s=2.0, working=3)
    try:
        first = log.submit(rec(0))
        time.sleep(0.05)
        second = log.submit(rec(1))
        time.sleep(0.05)
        assert not first.done() and not second.done()  # held: a third request is in progress
        third = log.submit(rec(2))
        assert sorted(f.result(timeout=5) for f in (first, second, third)) == [0, 1, 2]
        assert _commit_sizes(log) == [3]  # one commit for all three
    finally:
        log.close_sync()


def test_a_lone_request_is_committed_at_once(tmp_path: Path) -> None:
    log = _log(tmp_path, delay_s=5.0, working=1)
    try:
        t0 = time.monotonic()
        assert log.append_sync(rec(0)) == 0
        assert time.monotonic() - t0 < 2.0  # not held for the 5 s delay
        assert _commit_sizes(log) == [1]
    finally:
        log.close_sync()


def test_without_a_count_of_requests_nothing_waits(tmp_path: Path) -> None:
    log = _log(tmp_path, delay_s=5.0, working=None)
    try:
        t0 = time.monotonic()
        for i in range(3):
            log.append_sync(rec(i))
        assert time.monotonic() - t0 < 2.0
        assert _commit_sizes(log) == [1, 2, 3]
    finally:
        log.close_sync()


def test_fruitless_waits_shrink_and_a_fruitful_one_grows_the_delay(tmp_path: Path) -> None:
    # Requests in progress that append nothing (waiting on a slow provider): each wait in
    # which nothing arrived halves the next, down to 1/16 of the delay (50 ms here).
    in_progress = [5]
    log = _log(tmp_path, delay_s=0.8, working=None)
    log.working = lambda: in_progress[0]
    try:
        waited = []
        for i in range(6):
            t0 = time.monotonic()
            log.append_sync(rec(i))
            waited.append(time.monotonic() - t0)
        assert waited[0] >= 0.75  # the whole delay, first
        assert max(waited[-2:]) < 0.4  # the floor (50 ms) plus a commit
        assert _commit_sizes(log) == [1, 2, 3, 4, 5, 6]
        # A record that arrives while a commit waits: the next wait is longer again.
        in_progress[0] = 2
        first = log.submit(rec(10))
        while not log._queue.empty():  # the writer took it ...
            time.sleep(0.001)
        time.sleep(0.01)  # ... and waits (50 ms) for the second request's record
        second = log.submit(rec(11))
        assert sorted(f.result(timeout=5) for f in (first, second)) == [6, 7]
        assert _commit_sizes(log)[-1] == 8 and 7 not in _commit_sizes(log)  # one commit for both
        t0 = time.monotonic()
        log.append_sync(rec(20))  # one request still in progress: waited for, in vain
        assert time.monotonic() - t0 >= 0.095  # 100 ms now, no longer the 50 ms floor
    finally:
        log.close_sync()


def test_closing_releases_a_waiting_commit(tmp_path: Path) -> None:
    log = _log(tmp_path, delay_s=10.0, working=50)
    fut = log.submit(rec(0))
    time.sleep(0.05)
    closer = threading.Thread(target=log.close_sync)
    t0 = time.monotonic()
    closer.start()
    closer.join(timeout=5)
    assert not closer.is_alive() and time.monotonic() - t0 < 5
    assert fut.result(timeout=1) == 0  # committed, not dropped
    again = open_audit_log_sync(
        f"sqlite:///{tmp_path}/audit.db",
        key_path=tmp_path / "log.key",
        hmac_secret_path=tmp_path / "log.hmac",
        origin="test.example/audit",
    )
    try:
        assert again.size() == 1
    finally:
        again.close_sync()
