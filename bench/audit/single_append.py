"""What one durable append costs when it is alone in its commit (a gateway at concurrency 1).

    python bench/audit/single_append.py [--appends 3000] [--gap-ms 0.5] [--dir DIR]

At concurrency 1 every request waits for a commit of its own record; at higher concurrency
commits are shared (group commit) and this cost is split. The appends are made one at a time,
`--gap-ms` apart (as requests arrive), each timed to its return; the writer thread's steps are
timed inside it (wall and thread CPU). References measured in the same run, on the same disk:
a bare SQLite commit of one row with the same durability (WAL, synchronous=FULL), and an
`fdatasync` of 4 KB written in place. docs/performance.md ("What c = 1 costs") has the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

import sovgate.audit._sqlite as sqlite_store
import sovgate.audit._store as store
import sovgate.audit.log as log_module
from sovgate.audit import AuditRecord, FindingSummary, RuleRecord, open_audit_log_sync


def _record(i: int) -> AuditRecord:
    """A request record of the size the gateway writes for the bench ticket."""
    return AuditRecord(
        id=f"{i:032x}",
        tenant="bench",
        model="chat",
        findings=(
            FindingSummary("EMAIL", None, 1),
            FindingSummary("IBAN", "DE", 1),
            FindingSummary("PERSON", None, 1),
            FindingSummary("PHONE", "DE", 1),
            FindingSummary("STREET_ADDRESS", "DE", 1),
        ),
        categories=("FINANCIAL",),
        subject_jurisdictions=("DE",),
        rules=(
            RuleRecord("baseline/personal-data-outside-adequate", "pseudonymize", "GDPR Art. 44", "x" * 80),
        ),
        eligible=("bench-us",),
        provider="bench-us",
        provider_operator_country="US",
        provider_hosting=("US",),
        protection={"bench-us": ("EMAIL", "IBAN", "PERSON", "PHONE", "STREET_ADDRESS")},
        fingerprint="0" * 64,
    )


class Steps:
    """Wall and thread-CPU time per named step, summed over the measured appends."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = defaultdict(list)
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.on = False

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        t, c = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            if self.on:
                self.wall[name].append(time.perf_counter() - t)
                self.cpu[name].append(time.thread_time() - c)

    def wrap(self, owner: Any, attr: str, name: str | None = None) -> None:
        fn: Callable[..., Any] = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timed(name or attr):
                return fn(*args, **kwargs)

        setattr(owner, attr, timed)


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0.0


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))] if xs else 0.0


def measure_appends(directory: Path, appends: int, gap_s: float) -> tuple[list[float], Steps]:
    steps = Steps()
    log = open_audit_log_sync(f"sqlite:///{directory}/audit.db")
    steps.wrap(log, "_integrate", "writer: transaction, then waking the caller")
    steps.wrap(log, "_sign", "signed tree head (Ed25519)")
    steps.wrap(log_module, "sequenced_leaf", "leaf encoding")
    steps.wrap(log_module.merkle, "leaf_hash", "leaf hash")
    for method, name in (
        ("head", "read the head"),
        ("insert", "insert entry and nodes"),
        ("set_head", "update the head"),
        ("last_checkpoint", "checkpoint lookup"),
    ):
        steps.wrap(store.WriteTx, method, name)
    steps.wrap(sqlite_store.SqliteStore, "maintain", "WAL checkpoint (every 32 batches), per append")

    @contextlib.contextmanager
    def transaction(self: Any, conn: Any, *, durable: bool = True) -> Iterator[None]:
        # SqliteStore.transaction, its ends timed (appends only: every commit is durable)
        assert durable
        with steps.timed("writers' lock and BEGIN IMMEDIATE"), contextlib.ExitStack() as held:
            held.enter_context(self._writers_queue())
            conn.execute("BEGIN IMMEDIATE")
            lock = held.pop_all()  # kept until the transaction ends, released as the real one does
        with lock:
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            with steps.timed("COMMIT (with fsync)"):
                conn.execute("COMMIT")

    sqlite_store.SqliteStore.transaction = transaction  # type: ignore[method-assign]
    totals = []
    try:
        for i in range(appends + appends // 10):
            steps.on = i >= appends // 10  # a tenth as warm-up
            t = time.perf_counter()
            log.append_sync(_record(i))
            if steps.on:
                totals.append(time.perf_counter() - t)
            time.sleep(gap_s)
    finally:
        log.close_sync()
    return totals, steps


def bare_commits(directory: Path, n: int, gap_s: float) -> list[float]:
    conn = sqlite3.connect(directory / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (x BLOB)")
    out = []
    for _ in range(n):
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", (os.urandom(600),))
        conn.execute("COMMIT")
        out.append(time.perf_counter() - t)
        time.sleep(gap_s)
    conn.close()
    return out


def fdatasyncs(directory: Path, n: int, gap_s: float) -> list[float]:
    fd = os.open(directory / "raw", os.O_RDWR | os.O_CREAT, 0o600)
    os.write(fd, b"\0" * 65536)
    os.fsync(fd)
    out = []
    for i in range(n):
        t = time.perf_counter()
        os.pwrite(fd, os.urandom(4096), (i % 16) * 4096)
        os.fdatasync(fd)
        out.append(time.perf_counter() - t)
        time.sleep(gap_s)
    os.close(fd)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--appends", type=int, default=3000)
    ap.add_argument("--gap-ms", type=float, default=0.5)
    ap.add_argument("--dir", type=Path, default=None, help="where to write (default: a temp dir)")
    args = ap.parse_args()
    gap = args.gap_ms / 1000
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        d = Path(tmp)
        totals, steps = measure_appends(d, args.appends, gap)
        bare = bare_commits(d, args.appends, gap)
        sync = fdatasyncs(d, args.appends, gap)
    n = len(totals)
    print(f"{n} appends, one record per commit, {args.gap_ms:g} ms apart (medians; p99 for the totals)\n")
    print(f"{'step (writer thread)':48} {'wall µs':>9} {'CPU µs':>9}")
    for name in steps.wall:
        per = len(steps.wall[name]) / n  # calls per append (the checkpoint runs every 32nd)
        wall, cpu = _median(steps.wall[name]) * per, _median(steps.cpu[name]) * per
        if name.startswith("WAL checkpoint"):  # rare and long: the mean is what each append pays
            wall, cpu = sum(steps.wall[name]) / n, sum(steps.cpu[name]) / n
        print(f"{name:48} {wall * 1e6:9.1f} {cpu * 1e6:9.1f}")
    print()
    p50, p99 = _median(totals), _pct(totals, 0.99)
    print(f"{'append, from the caller (queue, commit, wake-up)':48} {p50 * 1e6:9.1f}   p99 {p99 * 1e6:.0f}")
    print(f"{'reference: bare SQLite commit of one row':48} {_median(bare) * 1e6:9.1f}")
    print(f"{'reference: fdatasync of 4 KB written in place':48} {_median(sync) * 1e6:9.1f}")
    print(
        f"\nappend : bare commit = {p50 / _median(bare):.2f}, append : fdatasync = {p50 / _median(sync):.2f}"
    )


if __name__ == "__main__":
    main()
