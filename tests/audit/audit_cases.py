"""Test data of the audit tests: the vectors in tests/audit/testdata (see SOURCES.md), a sample record.

A module of its own (not conftest) so test modules can import it under a unique name."""

from __future__ import annotations

import json
from pathlib import Path

from sovgate.audit import AuditRecord, FindingSummary, RuleRecord

TESTDATA = Path(__file__).parent / "testdata"


def load_cases(kind: str) -> list[dict]:
    """Every JSON case under testdata/<kind>/, with its relative path as "file"."""
    return [
        json.loads(p.read_text()) | {"file": str(p.relative_to(TESTDATA))}
        for p in sorted((TESTDATA / kind).rglob("*.json"))
    ]


def rec(i: int, tenant: str = "acme-de") -> AuditRecord:
    """A typical request record: German health data served by a French provider."""
    return AuditRecord(
        id=f"req-{i}",
        tenant=tenant,
        model="chat",
        findings=(FindingSummary(kind="PHONE", jurisdiction="DE", count=1),),
        categories=("HEALTH",),
        subject_jurisdictions=("DE",),
        rules=(
            RuleRecord(
                rule="baseline/eu-special", effect="deny_provider", citation="GDPR Art. 9", reason="r"
            ),
        ),
        eligible=("eu-sovereign",),
        provider="eu-sovereign",
        provider_operator_country="FR",
        provider_hosting=("FR",),
        protection={"eu-sovereign": ("PHONE",)},
    )
