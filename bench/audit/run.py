"""Audit log benchmark: one command, figures against references measured in the same run.

    python bench/audit/run.py [--entries 1000000] [--appends 50000] [--dir DIR]

1. Sustained durable appends/s on SQLite, pinned to one core, 256 concurrent producers
   (the gateway's shape), vs. raw SQLite inserts of the same rows with the same
   durability and batch size (no Merkle tree, no signing).     target >= 5,000/s
2. Inclusion proof on a log of --entries leaves (median of 2,000 random proofs,
   each verified), vs. one indexed point SELECT on the same database. target <= 5 ms
3. `audit verify` of that log (every leaf, node, checkpoint), vs. reading and
   SHA-256-hashing the same payloads.                                target <= 60 s
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from sovgate.audit import AuditRecord, FindingSummary, RuleRecord, open_audit_log, open_audit_log_sync
from sovgate.audit.log import open_log_reader
from sovgate.audit.merkle import verify_inclusion
from sovgate.audit.record import encode_leaf, normalize
from sovgate.audit.verify import verify_log


def record(i: int) -> AuditRecord:
    """A typical request record (about 700 bytes as a leaf)."""
    return AuditRecord(
        id=f"01JDX3V7Q8ZK4M2N5P{i:08d}",
        tenant=f"tenant-{i % 7}",
        model="chat",
        findings=(FindingSummary("PHONE", "DE", 1 + i % 3), FindingSummary("HEALTH", "DE", 1)),
        categories=("HEALTH",),
        subject_jurisdictions=("DE",),
        rules=(
            RuleRecord(
                "baseline/special-categories-eu",
                "deny_provider",
                "GDPR Art. 9, 44",
                "health data stays in EU",
            ),
        ),
        eligible=("eu-sovereign", "de-onprem"),
        provider="eu-sovereign",
        provider_operator_country="FR",
        provider_hosting=("FR",),
        protection={"eu-sovereign": ("PHONE",)},
        fingerprint=hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
    )


async def _append_load(url: str, kw: dict, n: int, producers: int = 256) -> float:
    log = await open_audit_log(url, **kw)
    per = n // producers

    async def producer(p: int) -> None:
        for j in range(per):
            await log.append(record(p * per + j))

    t = time.perf_counter()
    await asyncio.gather(*(producer(p) for p in range(producers)))
    dt = time.perf_counter() - t
    await log.close()
    return per * producers / dt


def _raw_sqlite_inserts(path: Path, n: int, batch: int) -> float:
    """Reference: the same leaves inserted with the same durability, no tree or signature."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE t (idx INTEGER PRIMARY KEY, id TEXT, time TEXT, tenant TEXT, h BLOB, payload BLOB)"
    )
    conn.execute("CREATE INDEX t_id ON t (id)")
    conn.execute("CREATE INDEX t_time ON t (time)")
    t = time.perf_counter()
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            r = normalize(record(i))
            leaf = encode_leaf(r)
            rows.append((i, r.id, r.time, r.tenant, hashlib.sha256(b"\0" + leaf).digest(), leaf))
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    dt = time.perf_counter() - t
    conn.close()
    return n / dt


def _fill(url: str, kw: dict, n: int) -> float:
    log = open_audit_log_sync(url, checkpoint_every=100_000, max_batch=8192, **kw)
    t = time.perf_counter()
    step = 50_000
    for start in range(0, n, step):
        futs = [log.submit(record(i)) for i in range(start, min(n, start + step))]
        futs[-1].result()
        print(f"\r  filling: {min(n, start + step):,}/{n:,}", end="", flush=True)
    log.close_sync()
    print()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--appends", type=int, default=51_200)
    ap.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temp dir)")
    ap.add_argument(
        "--postgres", default=None, help="also measure appends on this (empty) PostgreSQL database URL"
    )
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="sovgate-audit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    kw = {
        "key_path": work / "bench.key",
        "hmac_secret_path": work / "bench.hmac",
        "origin": "bench.example/audit",
    }

    print(
        f"sovgate audit bench (python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, dir {work})"
    )
    # 1. appends
    if hasattr(os, "sched_setaffinity"):
        all_cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(all_cpus)})
    ours = asyncio.run(_append_load(f"sqlite:///{work}/appends.db", kw, args.appends))
    ref = _raw_sqlite_inserts(work / "raw.db", args.appends, 256)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, all_cpus)
    ok = "OK" if ours >= 5000 else "BELOW TARGET"
    print(
        f"1. durable appends, 1 core: {ours:,.0f}/s   raw SQLite inserts: {ref:,.0f}/s   "
        f"ratio {ours / ref:.2f}   target >= 5,000/s: {ok}"
    )
    if args.postgres:
        pg = asyncio.run(_append_load(args.postgres, kw, args.appends))
        print(f"   PostgreSQL durable appends: {pg:,.0f}/s   ratio to SQLite {pg / ours:.2f}")

    # 2. inclusion proofs on a big log
    url = f"sqlite:///{work}/big.db"
    n = args.entries
    fill_s = _fill(url, kw, n)
    print(f"   built a {n:,}-entry log in {fill_s:.1f} s ({n / fill_s:,.0f} appends/s in bulk)")
    log = open_log_reader(url, key_path=kw["key_path"])
    rnd = random.Random(1)
    root = log.root()
    times, sel = [], []
    conn = log.store.reader()
    for _ in range(2000):
        i = rnd.randrange(n)
        t = time.perf_counter()
        p = log.inclusion_proof(i)
        times.append(time.perf_counter() - t)
        verify_inclusion(p.index, p.tree_size, p.leaf_hash, p.proof, root)
        t = time.perf_counter()
        conn.execute("SELECT leaf_hash FROM audit_entries WHERE idx = ?", (i,)).fetchone()
        sel.append(time.perf_counter() - t)
    med, ref_med = statistics.median(times), statistics.median(sel)
    p99 = sorted(times)[int(len(times) * 0.99)]
    ok = "OK" if med <= 0.005 else "ABOVE TARGET"
    print(
        f"2. inclusion proof, {n:,} entries: median {med * 1000:.3f} ms (p99 "
        f"{p99 * 1000:.3f} ms)   one point SELECT: {ref_med * 1000:.3f} ms   "
        f"ratio {med / ref_med:.1f}   target <= 5 ms: {ok}"
    )

    # 3. verify
    t = time.perf_counter()
    result = verify_log(log)
    verify_s = time.perf_counter() - t
    t = time.perf_counter()
    for e in log.store.iter_entries():
        hashlib.sha256(b"\0" + (e.payload or b"")).digest()
    ref_s = time.perf_counter() - t
    log.close_sync()
    ok = "OK" if verify_s <= 60 else "ABOVE TARGET"
    print(
        f"3. audit verify, {result.size:,} entries, {result.checkpoints} checkpoints: {verify_s:.1f} s   "
        f"read+hash payloads only: {ref_s:.1f} s   ratio {verify_s / ref_s:.1f}   target <= 60 s: {ok}"
    )


if __name__ == "__main__":
    main()
