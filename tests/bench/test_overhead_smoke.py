"""The overhead benchmark keeps working: a quick run against the fake upstream.

Not a timing test: it checks that the harness starts its processes, drives real
HTTP load, parses JSON and SSE answers, meters CPU and writes its results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest
from stdnum import iban

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "overhead"
sys.path.insert(0, str(BENCH))

import report  # noqa: E402
import targets  # noqa: E402
import workload  # noqa: E402


def test_ticket_prompt_carries_valid_personal_data() -> None:
    tickets = workload.tickets()
    assert len({t.text for t in tickets}) == workload.VARIANTS
    for t in tickets:
        _name, _email, phone, account = t.pii
        assert iban.is_valid(account), account
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone
        assert all(value in t.text for value in t.pii)
        assert 1900 <= len(t.text.encode()) <= 2300
    body = json.loads(workload.bodies("ticket", "m", True)[0])
    assert body["stream"] is True and body["messages"][1]["content"] == tickets[0].text


def test_quick_run_direct(tmp_path: Path) -> None:
    out = tmp_path / "overhead.json"
    argv = [sys.executable, str(BENCH / "run.py"), "--quick", "--targets", "direct"]
    argv += ["--duration", "0.2", "--warmup", "0.05", "--out", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    rows = result["rows"]
    assert {(r["mode"], r["prompt"], r["concurrency"]) for r in rows} == {
        (m, p, c) for m in ("json", "stream") for p in ("short", "ticket") for c in (1, 8)
    }
    for r in rows:
        assert r["target"] == "direct"
        assert r["errors"] == 0 and r["completed"] > 20, r
        assert r["rps"] > 0 and 0 < r["p50_ms"] <= r["p99_ms"]
        assert r["cpu_ms_per_req"] is not None and r["cpu_ms_per_req"] > 0  # the upstream's CPU
        if r["mode"] == "stream":
            assert 0 < r["ttfe_p50_ms"] <= r["p50_ms"] * 1.5
        else:
            assert r["ttfe_p50_ms"] is None
    assert result["machine"]["nproc"] >= 1
    assert "| json | ticket | 8 |" in out.with_suffix(".md").read_text()


def test_quick_run_sovgate_pseudonymizes(tmp_path: Path) -> None:
    """The real `sovgate serve` (full pipeline) under the harness: answers, streams, no raw PII out."""
    out = tmp_path / "overhead.json"
    argv = [sys.executable, str(BENCH / "run.py"), "--quick", "--targets", "sovgate", "--prompts", "ticket"]
    argv += ["--concurrency", "1", "--duration", "0.3", "--warmup", "0.05", "--out", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    rows = {r["mode"]: r for r in result["rows"]}
    assert set(rows) == {"json", "stream"}
    for r in rows.values():
        assert r["target"] == "sovgate" and r["errors"] == 0 and r["completed"] >= 1, r
        assert r["cpu_ms_per_req"] is not None and r["cpu_ms_per_req"] > 0
    assert rows["stream"]["ttfe_p50_ms"] is not None
    pii = result["pii_check"]
    assert pii["forwarded"] is True, pii
    assert pii["raw_pii_values_reaching_upstream"] == [], pii  # the US provider sees placeholders only
    assert 0 < result["memory"]["rss_mb_after_run"] < 1024


def test_load_generator_counts_failures(tmp_path: Path) -> None:
    """Answers that are not 200 (here: 404 from the upstream) are errors, not samples."""
    upstream, base = targets.start_upstream(tmp_path, None)
    try:
        bodies = tmp_path / "bodies.json"
        bodies.write_text(json.dumps(workload.bodies("short", "m", False)))
        before = targets.get_json(base + "/_bench/stats")
        assert isinstance(before, dict)
        argv = [sys.executable, str(BENCH / "loadgen.py"), "--url", base + "/v1/nothing-here"]
        argv += ["--bodies", str(bodies), "--concurrency", "2", "--requests", "50"]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True)
        result = json.loads(done.stdout)
        assert result["completed"] == 0 and result["errors"] == 50
        assert result["statuses"] == {"404": 50}
        stats = targets.get_json(base + "/_bench/stats")
        assert isinstance(stats, dict) and stats["requests"] == 50
        # Keep-alive held: one connection per worker, plus the stats probe itself.
        assert stats["connections"] - before["connections"] == 2 + 1
    finally:
        upstream.stop()


def _phase(target: str, rnd: int, p50: float, p99: float, rps: float) -> dict[str, object]:
    return {
        "target": target,
        "mode": "json",
        "prompt": "ticket",
        "concurrency": 1,
        "round": rnd,
        "completed": 100,
        "errors": 0,
        "rps": rps,
        "latency": {"p50_ms": p50, "p99_ms": p99},
        "ttfe": {},
        "cpu_ms_per_req": 0.5 if target == "sovgate" else 10.0,
    }


def test_added_latency_is_per_round_difference_to_direct() -> None:
    phases = [
        _phase("direct", 0, 0.1, 0.3, 5000),
        _phase("sovgate", 0, 0.6, 1.3, 1500),
        _phase("litellm", 0, 10.1, 14.3, 90),
        _phase("direct", 1, 0.3, 0.5, 4000),
        _phase("sovgate", 1, 1.1, 2.5, 1300),
        _phase("litellm", 1, 12.3, 16.5, 80),
    ]
    rows = {r["target"]: r for r in report.aggregate(phases)}
    assert rows["sovgate"]["added_p50_ms"] == pytest.approx((0.5 + 0.8) / 2)
    assert rows["sovgate"]["added_p99_ms"] == pytest.approx((1.0 + 2.0) / 2)
    assert rows["direct"]["added_p50_ms"] is None
    (ratio,) = report.ratios(list(rows.values()))
    assert ratio["rps_x"] == pytest.approx(1400 / 85)
    assert ratio["cpu_x"] == pytest.approx(20.0)
    checks = {c["check"]: c for c in report.checks(list(rows.values()), None)}
    assert checks["added p50 ms, c=1, ticket"]["ok"] is True
    assert checks["CPU ms/request, json, ticket (worst concurrency)"]["ok"] is True
    assert checks["added p50 ms, c=1, short"]["ok"] is None  # not measured


def test_quick_run_traced_exports_spans(tmp_path: Path) -> None:
    """`--traced`: a second sovgate with every request traced, its spans reaching the OTLP sink."""
    out = tmp_path / "overhead.json"
    argv = [sys.executable, str(BENCH / "run.py"), "--quick", "--targets", "sovgate", "--traced"]
    argv += ["--prompts", "short", "--modes", "json", "--concurrency", "1", "--duration", "0.3"]
    argv += ["--warmup", "0.05", "--out", str(out)]
    env = {**os.environ, "OTEL_BSP_SCHEDULE_DELAY": "100"}  # export within the short run
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    rows = {r["target"]: r for r in result["rows"]}
    assert set(rows) == {"sovgate", "traced"}
    assert rows["traced"]["errors"] == 0 and rows["traced"]["completed"] >= 1
    assert result["settings"]["traced"] is True and result["settings"]["trace_ratio"] == 1.0
    assert result["traces_exported"]["exports"] >= 1 and result["traces_exported"]["bytes"] > 0
