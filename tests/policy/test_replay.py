"""Dry-run replay of recorded traffic under draft packs (pure core and the audit-record adapter)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import msgspec
import pytest
import yaml

from sovgate.catalog import Catalog
from sovgate.policy import Engine, Recorded, from_audit, replay
from sovgate.types import Tenant

TRAFFIC = Path(__file__).parent / "testdata" / "replay" / "traffic.yaml"
CAT = Catalog.builtin()
PROVIDERS = {
    "us": CAT.preset("openai"),
    "mistral": msgspec.structs.replace(CAT.preset("mistral-eu"), hosting=("FR",)),
    "de-onprem": msgspec.structs.replace(CAT.preset("vllm"), hosting=("DE",)),
}
TENANTS = {
    "acme-de": Tenant(id="acme-de", home="DE", api_key_sha256="", route=("us", "mistral", "de-onprem"))
}


def traffic() -> list[Recorded]:
    rows = yaml.safe_load(TRAFFIC.read_text())
    return [msgspec.convert(r, Recorded) for r in rows]


def test_same_packs_change_nothing() -> None:
    engine = Engine.compile(["baseline"], PROVIDERS, CAT)
    report = replay(traffic(), engine, TENANTS, ["baseline"])
    assert (report.total, report.skipped, report.unchanged, report.changes) == (6, 1, 5, [])


def test_stricter_draft_reports_each_change() -> None:
    engine = Engine.compile(["baseline", "eu-gdpr", "eu-sovereign-strict"], PROVIDERS, CAT)
    report = replay(traffic(), engine, TENANTS, ["baseline", "eu-gdpr", "eu-sovereign-strict"])
    changes = {c.id: c for c in report.changes}
    assert set(changes) == {"r1", "r2", "r6"}  # r3: already EU-only; r4: still refused; r5: unknown tenant
    assert changes["r1"].kind == "fewer-providers" and changes["r1"].after == ("mistral", "de-onprem")
    assert "eu-sovereign-strict/no-foreign-law-exposure" in changes["r1"].rules
    assert "eu-gdpr/art10-criminal-data" in changes["r6"].rules
    assert report.by_kind == {"fewer-providers": 3}
    assert report.skipped == 1


def test_loosened_draft_reports_no_longer_refused() -> None:
    engine = Engine.compile(["classified"], PROVIDERS, CAT)
    report = replay(traffic(), engine, TENANTS, ["classified"])
    changes = {c.id: c for c in report.changes}
    assert changes["r4"].kind == "no-longer-refused"
    assert changes["r3"].kind == "more-providers" and changes["r3"].after == ("us", "mistral", "de-onprem")


def test_newly_refused() -> None:
    rec = Recorded(id="x", tenant="acme-de", findings=(("SECRET", None, "aws_access_key"),), eligible=("us",))
    engine = Engine.compile(["secrets"], PROVIDERS, CAT)
    (change,) = replay([rec], engine, TENANTS, ["secrets"]).changes
    assert change.kind == "newly-refused" and change.refused_after == "secrets/refuse-secrets"


def test_adapter_reads_audit_records() -> None:
    audit = SimpleNamespace(
        id="a1",
        kind="request",
        tenant="acme-de",
        model="chat",
        time="2026-11-26T10:00:00Z",
        findings=(
            SimpleNamespace(kind="EMAIL", jurisdiction="DE", count=2, detail="email"),
            SimpleNamespace(kind="PHONE", jurisdiction="DE", count=1),  # shaped like a record before v5
        ),
        categories=("HEALTH",),
        eligible=("mistral",),
        outcome="refused",
        rules=(SimpleNamespace(rule="baseline/secrets", effect="refuse"),),
    )
    rec = from_audit(audit)
    assert rec == Recorded(
        id="a1",
        tenant="acme-de",
        model="chat",
        findings=(("EMAIL", "DE", "email"), ("PHONE", "DE", None)),
        categories=("HEALTH",),
        eligible=("mistral",),
        refused="baseline/secrets",
        time="2026-11-26T10:00:00Z",
    )
    assert from_audit(SimpleNamespace(id="adm", kind="admin", tenant=None)) is None


@pytest.mark.parametrize("kind", ["request"])
def test_adapter_matches_the_audit_package_when_present(kind: str) -> None:
    audit = pytest.importorskip("sovgate.audit")
    if not hasattr(audit, "AuditRecord"):
        pytest.skip("sovgate.audit.AuditRecord not merged yet")
    record = audit.AuditRecord(
        id="z",
        kind=kind,
        tenant="acme-de",
        model="chat",
        findings=(audit.FindingSummary("PHONE", "CN", 1, "phone"),),
        eligible=("us",),
    )
    rec = from_audit(record)
    assert rec is not None and rec.findings == (("PHONE", "CN", "phone"),)
