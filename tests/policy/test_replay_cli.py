"""`sovgate policy replay` against a real audit log and gateway configuration.

Needs sovgate.audit and sovgate.gateway.config (other capabilities); skipped where they are not present.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
import yaml

TESTDATA = Path(__file__).parent / "testdata" / "replay"


@pytest.fixture
def audit_db(tmp_path: Path) -> Path:
    audit = pytest.importorskip("sovgate.audit")
    pytest.importorskip("sovgate.gateway.config")
    if not hasattr(audit, "open_audit_log_sync"):
        pytest.skip("sovgate.audit not merged yet")
    db = tmp_path / "audit.db"
    log = audit.open_audit_log_sync(f"sqlite:///{db}")
    try:
        for row in yaml.safe_load((TESTDATA / "traffic.yaml").read_text()):
            refused = row.get("refused")
            log.append_sync(
                audit.AuditRecord(
                    id=row["id"],
                    tenant=row["tenant"],
                    model=row["model"],
                    findings=tuple(audit.FindingSummary(k, j, 1, d) for k, j, d in row["findings"]),
                    categories=tuple(row.get("categories", ())),
                    eligible=tuple(row["eligible"]),
                    rules=(audit.RuleRecord(rule=refused, effect="refuse"),) if refused else (),
                    outcome="refused" if refused else "ok",
                )
            )
    finally:
        log.close_sync()
    return db


def replay(db: Path, *packs: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = {"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": os.environ["PYTHONPATH"]}
    args = [
        "policy",
        "replay",
        "--audit",
        str(db),
        "--config",
        str(TESTDATA / "sovgate.yaml"),
        *extra,
        "--packs",
        *packs,
    ]
    return subprocess.run(
        [sys.executable, "-m", "sovgate", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_replay_reports_what_a_stricter_draft_changes(audit_db: Path) -> None:
    r = replay(audit_db, "baseline", "eu-gdpr", "eu-sovereign-strict", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert (report["total"], report["skipped"], report["unchanged"]) == (6, 1, 2)
    changed = {c["id"]: c for c in report["changes"]}
    assert set(changed) == {"r1", "r2", "r6"}
    assert changed["r1"]["after"] == ["mistral", "de-onprem"]
    assert report["by_kind"] == {"fewer-providers": 3}


def test_replay_table_and_bad_pack(audit_db: Path) -> None:
    r = replay(audit_db, "classified")
    assert r.returncode == 0, r.stderr
    assert "replayed 6 requests under classified" in r.stdout and "no-longer-refused: 1" in r.stdout
    r = replay(audit_db, "eu-gdrp")
    assert r.returncode == 2 and "no built-in pack of that name" in r.stderr


def test_replay_missing_database(tmp_path: Path) -> None:
    pytest.importorskip("sovgate.gateway.config")
    r = replay(tmp_path / "nope.db", "baseline")
    assert r.returncode == 2 and "no audit log at" in r.stderr and "nope.db" in r.stderr


def test_replay_bad_since_is_one_clear_line(audit_db: Path) -> None:
    r = replay(audit_db, "baseline", extra=("--since", "yesterday"))
    assert r.returncode == 2 and "yesterday" in r.stderr and "Traceback" not in r.stderr


def test_recorded_traffic_file_is_well_formed() -> None:
    from sovgate.policy import Recorded

    rows = yaml.safe_load((TESTDATA / "traffic.yaml").read_text())
    assert [msgspec.convert(r, Recorded).id for r in rows] == ["r1", "r2", "r3", "r4", "r5", "r6"]
