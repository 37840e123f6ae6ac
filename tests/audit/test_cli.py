"""`sovgate audit ...` as a user runs it, outputs checked with independent code."""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import msgspec
import pytest
from audit_cases import rec
from audit_reference import ref_leaf_hash, ref_mth, ref_path, ref_proof
from typer.testing import CliRunner

from sovgate.audit import AuditRecord, FindingSummary, RuleRecord, open_audit_log_sync
from sovgate.cli import app


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str, cwd: Path | None = None, ok: bool = True) -> Ran:
    """`sovgate audit ARGS` through the real Typer app, in-process (test_verify and test_witness
    also run it as subprocesses)."""
    with contextlib.chdir(cwd or Path.cwd()):
        r = CliRunner().invoke(app, ["audit", *args])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    ran = Ran(r.exit_code, r.stdout, r.stderr)
    if ok:
        assert ran.returncode == 0, ran.stderr
    return ran


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, list[bytes]]:
    """A SQLite log in tmp_path with default key locations, filled with flows."""
    url = f"sqlite:///{tmp_path}/sovgate-audit.db"
    log = open_audit_log_sync(url, origin="eu.example/audit", checkpoint_every=5)
    for i in range(12):
        # served in the EU: the US provider was excluded by the special-categories rule
        r = msgspec.structs.replace(
            rec(i, tenant="acme-de" if i % 2 else "acme-cn"), excluded={"us-global": "baseline/eu-special"}
        )
        if i % 3 == 1:  # the organization's own detector matched (leaf v4)
            r = msgspec.structs.replace(r, endpoint="chat", detectors={"acme.codename": 1})
        if i % 3 == 0:  # a flow to the US of German subjects' personal data, pseudonymized
            r = AuditRecord(
                id=f"req-{i}",
                tenant="acme-de",
                # the phone masked for the US provider, the tax ID not (leaf v5: which scheme)
                findings=(
                    FindingSummary("PHONE", "DE", 1, "phone"),
                    FindingSummary("NATIONAL_ID", "DE", 1, "de.idnr"),
                ),
                subject_jurisdictions=("DE",),
                rules=(RuleRecord("baseline/pseudonymize-abroad", "pseudonymize", "GDPR Art. 46", "r"),),
                provider="us-global",
                provider_operator_country="US",
                provider_hosting=("US",),
                protection={"us-global": ("PHONE",)},
            )
        log.append_sync(r)
    log.close_sync()
    leaves = [e.payload for e in open_audit_log_sync(url).store.iter_entries()]
    return url, leaves


def test_key_and_checkpoint_are_c2sp_notes(db: tuple[str, list[bytes]]) -> None:
    url, leaves = db
    vkey = run("key", "--audit", url).stdout.strip()
    name, key_id, blob = vkey.split("+", 2)
    raw = base64.b64decode(blob)
    assert name == "eu.example/audit" and raw[0] == 1 and len(raw) == 33
    assert key_id == hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4].hex()

    note = run("checkpoint", "--audit", url).stdout
    text, sig = note.split("\n\n")
    origin, size, root = text.split("\n")
    assert (origin, int(size)) == ("eu.example/audit", len(leaves))
    assert base64.b64decode(root) == ref_mth(leaves)
    line_name, line_sig = sig.removeprefix("\u2014 ").rstrip("\n").split(" ")
    sig_raw = base64.b64decode(line_sig)
    assert line_name == name and sig_raw[:4].hex() == key_id
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig_raw[4:], (text + "\n").encode())


def test_proofs_print_rfc9162_proofs_in_hex(db: tuple[str, list[bytes]]) -> None:
    url, leaves = db
    out = run("proof", "--index", "3", "--size", "10", "--audit", url).stdout
    assert out.startswith('{"type":"inclusion","index":3,"tree_size":10,"leaf_hash":')
    p = json.loads(out)
    assert p["leaf_hash"] == ref_leaf_hash(leaves[3]).hex()
    assert p["proof"] == [h.hex() for h in ref_path(3, leaves[:10])]
    assert p["root"] == ref_mth(leaves[:10]).hex()
    assert json.loads(run("proof", "--index", "11", "--audit", url).stdout)["tree_size"] == 12

    c = json.loads(run("proof", "--consistency", "5", "12", "--audit", url).stdout)
    assert list(c) == ["type", "size1", "size2", "proof", "root1", "root2"]
    assert c["proof"] == [h.hex() for h in ref_proof(5, leaves)]
    assert (c["root1"], c["root2"]) == (ref_mth(leaves[:5]).hex(), ref_mth(leaves).hex())

    bad = run("proof", "--index", "12", "--audit", url, ok=False)
    assert bad.returncode == 2 and "not in a tree of size 12" in bad.stderr and "Traceback" not in bad.stderr


def test_show_prints_record_and_leaf_hash(db: tuple[str, list[bytes]]) -> None:
    url, leaves = db
    s = json.loads(run("show", "req-3", "--audit", url).stdout)
    assert s["index"] == 3 and s["leaf_hash"] == ref_leaf_hash(leaves[3]).hex()
    assert hashlib.sha256(b"\x00" + base64.b64decode(s["leaf"])).hexdigest() == s["leaf_hash"]
    assert json.loads(base64.b64decode(s["leaf"])) == s["record"]
    assert s["record"]["provider"] == "us-global"
    assert s["record"]["excluded"] == {}
    eu = json.loads(run("show", "req-4", "--audit", url).stdout)["record"]
    assert eu["provider"] == "eu-sovereign" and eu["excluded"] == {"us-global": "baseline/eu-special"}
    missing = run("show", "nope", "--audit", url, ok=False)
    assert missing.returncode == 1 and "no record" in missing.stderr


def test_export_and_report_show_cross_border_flows(db: tuple[str, list[bytes]]) -> None:
    url, _ = db
    rows = [json.loads(x) for x in run("export", "--format", "jsonl", "--audit", url).stdout.splitlines()]
    assert len(rows) == 12
    us = [r for r in rows if r["provider"] == "us-global"]
    assert len(us) == 4 and all(r["cross_border"] and r["pseudonymized"] == ["PHONE"] for r in us)
    assert us[0]["citations"] == ["GDPR Art. 46"] and us[0]["hosting"] == ["US"]
    assert not any(
        r["cross_border"] for r in rows if r["provider"] == "eu-sovereign" and r["hosting"] == ["DE"]
    )

    table = list(
        csv.reader(
            io.StringIO(run("export", "--format", "csv", "--tenant", "acme-cn", "--audit", url).stdout)
        )
    )
    assert table[0][:3] == ["time", "id", "tenant"] and {r[2] for r in table[1:]} == {"acme-cn"}
    assert len(run("export", "--since", "2999-01-01", "--audit", url).stdout) == 0

    report = run("report", "--audit", url).stdout
    assert "DE" in report and "US" in report and "HEALTH" in report and "PERSONAL" in report


def test_export_and_report_say_which_rule_excluded_which_provider(db: tuple[str, list[bytes]]) -> None:
    url, _ = db
    rows = [json.loads(x) for x in run("export", "--audit", url).stdout.splitlines()]
    assert {r["id"]: r["excluded"] for r in rows if r["provider"] == "eu-sovereign"} == {
        f"req-{i}": ["us-global: baseline/eu-special"] for i in range(12) if i % 3
    }
    assert all(r["excluded"] == [] for r in rows if r["provider"] == "us-global")
    table = list(csv.reader(io.StringIO(run("export", "--format", "csv", "--audit", url).stdout)))
    col = table[0].index("excluded")
    assert sorted({r[col] for r in table[1:]}) == ["", "us-global: baseline/eu-special"]
    report = run("report", "--audit", url).stdout
    assert "Providers excluded" in report
    line = next(x for x in report.splitlines() if "baseline/eu-special" in x)
    assert "us-global" in line and line.split()[-2] == "8"
    own = next(x for x in report.splitlines() if "acme.codename" in x)
    assert own.split()[-2] == "4"  # requests 1, 4, 7 and 10


def test_export_and_report_say_which_scheme_went_where_in_the_clear_or_masked(
    db: tuple[str, list[bytes]],
) -> None:
    url, _ = db
    rows = [json.loads(x) for x in run("export", "--audit", url).stdout.splitlines()]
    assert {tuple(r["findings"]) for r in rows if r["provider"] == "us-global"} == {
        ("NATIONAL_ID de.idnr (DE): 1", "PHONE phone (DE): 1")
    }
    report = run("report", "--audit", url).stdout
    assert "What was sent where" in report
    table = report.split("What was sent where")[1].splitlines()
    cells = {tuple(c.strip() for c in x.strip("│ ").split("│")) for x in table if x.startswith("│")}
    # requests 0, 3, 6, 9 went to the US: the tax ID in the clear, the phone pseudonymized;
    # the other eight (records without details, as leaves before v5) carried a phone to France
    assert cells == {
        ("NATIONAL_ID", "de.idnr", "US", "4", "0"),
        ("PHONE", "phone", "US", "0", "4"),
        ("PHONE", "-", "FR", "0", "8"),
    }
    # the same tables for tooling
    data = json.loads(run("report", "--json", "--audit", url).stdout)
    assert list(data) == ["flows", "excluded", "detectors", "sent"]
    assert {
        (r["kind"], r["detail"], r["destination"], r["in_the_clear"], r["pseudonymized"])
        for r in data["sent"]
    } == {
        ("NATIONAL_ID", "de.idnr", "US", 4, 0),
        ("PHONE", "phone", "US", 0, 4),
        ("PHONE", "-", "FR", 0, 8),
    }
    assert {"provider": "us-global", "rule": "baseline/eu-special", "requests": 8} in data["excluded"]
    assert data["detectors"] == [{"detector": "acme.codename", "requests": 4}]
    assert sum(r["requests"] for r in data["flows"]) == 12


@pytest.mark.parametrize("cmd", ["export", "report"])
@pytest.mark.parametrize("bad", ["yesterday", "2026-11-26 11:20", "2026-11-26T11:20", "26.11.2026", ""])
def test_since_and_until_must_be_times(db: tuple[str, list[bytes]], cmd: str, bad: str) -> None:
    url, _ = db
    for opt in ("--since", "--until"):
        p = run(cmd, opt, bad, "--audit", url, ok=False)
        assert p.returncode == 2 and "not an RFC 3339 time" in p.stderr and p.stdout == "", (opt, p)


def test_since_and_until_compare_as_times(db: tuple[str, list[bytes]]) -> None:
    url, _ = db
    rows = [json.loads(x) for x in run("export", "--audit", url).stdout.splitlines()]
    t5 = datetime.fromisoformat(rows[5]["time"].replace("Z", "+00:00"))
    in_paris = t5.astimezone(timezone(timedelta(hours=1))).isoformat()  # same instant, +01:00
    in_ny = t5.astimezone(timezone(timedelta(hours=-5))).isoformat()
    for since in (in_paris, in_ny, rows[5]["time"]):
        got = [
            json.loads(x)["id"] for x in run("export", "--since", since, "--audit", url).stdout.splitlines()
        ]
        assert got == [r["id"] for r in rows[5:]], since
    got = [
        json.loads(x)["id"] for x in run("export", "--until", in_paris, "--audit", url).stdout.splitlines()
    ]
    assert got == [r["id"] for r in rows[:5]]
    day = t5.date().isoformat()
    assert len(run("export", "--since", day, "--audit", url).stdout.splitlines()) == 12
    assert run("export", "--until", day, "--audit", url).stdout == ""


def test_default_url_and_missing_log(tmp_path: Path) -> None:
    p = run("checkpoint", cwd=tmp_path, ok=False)
    assert p.returncode == 2 and "no audit log at ./sovgate-audit.db" in p.stderr
    run("key", cwd=tmp_path)  # creates log and key in the working directory
    assert (tmp_path / "sovgate-audit.db").exists() and (tmp_path / "sovgate-audit.db.key").exists()
    assert run("checkpoint", cwd=tmp_path).stdout.split("\n")[1] == "0"


def test_purge_per_tenant_keeps_proofs(db: tuple[str, list[bytes]]) -> None:
    url, leaves = db
    before = json.loads(run("proof", "--index", "1", "--audit", url).stdout)
    out = run("purge", "--older-than-days", "0", "--tenant", "acme-cn", "--audit", url).stdout
    n_cn = sum(1 for x in leaves if b'"tenant":"acme-cn"' in x)
    assert f"purged the payloads of {n_cn} records of tenant acme-cn" in out
    tenants = {json.loads(x)["tenant"] for x in run("export", "--all", "--audit", url).stdout.splitlines()}
    assert tenants == {"acme-de"}
    # the purge appended its own signed admin record: the old tree is unchanged under it
    assert json.loads(run("proof", "--index", "1", "--size", "12", "--audit", url).stdout) == before
    assert f"OK: 13 entries, root {before['root']}" not in (v := run("verify", "--audit", url).stdout)
    assert "OK: 13 entries" in v and f"{n_cn} payloads purged by retention (1 signed purges)" in v


def test_config_supplies_the_log_url(tmp_path: Path) -> None:
    cfg = tmp_path / "sovgate.yaml"
    cfg.write_text(f"gateway:\n  audit: sqlite:///{tmp_path}/from-config.db\n")
    run("key", "--config", str(cfg))
    assert (tmp_path / "from-config.db").exists() and (tmp_path / "from-config.db.key").exists()
    cfg.write_text("gateway:\n  audit: [not, a, url]\n")
    p = run("checkpoint", "--config", str(cfg), ok=False)
    assert p.returncode == 2 and str(cfg) in p.stderr and "gateway.audit" in p.stderr
    assert "Traceback" not in p.stderr
