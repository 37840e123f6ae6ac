"""Durability: writer processes appending under load are killed with SIGKILL. Every append
that had returned is in the log at its index, the log verifies, and it continues."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from audit_cases import rec

from sovgate.audit import open_audit_log_sync
from sovgate.audit.log import open_log_reader
from sovgate.audit.verify import verify_log

WRITER = Path(__file__).with_name("durability_writer.py")


def _run_writers(url: str, kw: dict, n_procs: int, acks_wanted: int) -> dict[int, str]:
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), url, str(kw["key_path"]), str(kw["hmac_secret_path"]), f"p{k}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(n_procs)
    ]
    acked: dict[int, str] = {}
    problems: list[str] = []
    lock = threading.Lock()

    def read(p: subprocess.Popen) -> None:
        assert p.stdout is not None
        for line in p.stdout:
            if not line.endswith("\n"):  # cut by the kill: that append was not reported
                continue
            index, rid = line.split()
            with lock:
                if int(index) in acked:
                    problems.append(f"index {index} handed out twice: {acked[int(index)]} and {rid}")
                acked[int(index)] = rid

    readers = [threading.Thread(target=read, args=(p,), daemon=True) for p in procs]
    for t in readers:
        t.start()

    def enough() -> bool:  # every process under load, and enough acknowledged in all
        with lock:
            per = {rid.split("-")[0] for rid in acked.values()}
            return len(acked) >= acks_wanted and len(per) == n_procs

    deadline = time.monotonic() + 90
    while not enough() and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.05)
    for p in procs:
        os.kill(p.pid, signal.SIGKILL)  # mid-load, no chance to flush or checkpoint
    for p in procs:
        p.wait(timeout=10)
    errors = "".join(p.stderr.read() for p in procs if p.stderr)
    assert all(p.returncode == -signal.SIGKILL for p in procs), errors
    for t in readers:
        t.join(timeout=10)
    assert not problems, problems[:3]
    assert len(acked) >= acks_wanted, f"only {len(acked)} appends acknowledged; {errors}"
    return acked


def test_sigkill_under_load_loses_no_acknowledged_append(audit_url: str, log_kwargs: dict) -> None:
    acked = _run_writers(audit_url, log_kwargs, n_procs=2, acks_wanted=1500)
    log = open_log_reader(audit_url, key_path=log_kwargs["key_path"])
    result = verify_log(log)  # head signed, no fork, no gap, every node right
    entries = {e.idx: e.id for e in log.store.iter_entries()}
    assert result.size == len(entries) >= len(acked)
    missing = {i: rid for i, rid in acked.items() if entries.get(i) != rid}
    assert not missing, f"{len(missing)} acknowledged appends lost, e.g. {list(missing.items())[:3]}"
    assert {rid.split("-")[0] for rid in acked.values()} == {"p0", "p1"}  # both processes wrote
    log.close_sync()

    # After restart the log continues where it was and still verifies.
    w = open_audit_log_sync(audit_url, **log_kwargs)
    assert w.append_sync(rec(0)) == result.size
    w.close_sync()
    log = open_log_reader(audit_url, key_path=log_kwargs["key_path"])
    assert verify_log(log).size == result.size + 1
    log.close_sync()
