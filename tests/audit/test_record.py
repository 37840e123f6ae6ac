"""The record's canonical leaf serialization (docs/audit.md) and its helpers."""

from __future__ import annotations

import json

import msgspec
import pytest
from audit_cases import TESTDATA

from sovgate.audit import AuditRecord, FindingSummary, decode_leaf, encode_leaf, merkle, summarize_findings
from sovgate.audit.record import checked, normalize, sequenced_leaf
from sovgate.types import Classification, Finding


def test_leaf_matches_the_documented_example() -> None:
    case = json.loads((TESTDATA / "record/example.json").read_text())
    record = checked(msgspec.convert(case["record"], AuditRecord))
    leaf = sequenced_leaf(record, case["index"])
    assert leaf.decode() == case["leaf"]
    assert merkle.leaf_hash(leaf).hex() == case["leaf_hash"]
    assert decode_leaf(leaf) == msgspec.structs.replace(record, index=case["index"])


def test_canonical_form_is_order_independent_for_sets() -> None:
    a = AuditRecord(
        id="x",
        time="2026-01-01T00:00:00Z",
        categories=("HEALTH", "FINANCIAL"),
        subject_jurisdictions=("FR", "DE"),
        protection={"b": ("PHONE", "EMAIL"), "a": ()},
    )
    b = AuditRecord(
        id="x",
        time="2026-01-01T00:00:00Z",
        categories=("FINANCIAL", "HEALTH", "HEALTH"),
        subject_jurisdictions=("DE", "FR"),
        protection={"a": (), "b": ("EMAIL", "PHONE")},
    )
    assert encode_leaf(normalize(a)) == encode_leaf(normalize(b))
    leaf = encode_leaf(normalize(a))
    # sorted keys, no whitespace, UTF-8: what any JSON library re-encodes canonically
    assert (
        leaf
        == json.dumps(json.loads(leaf), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )


def test_normalize_fills_time_in_rfc3339_utc() -> None:
    t = normalize(AuditRecord(id="x")).time
    assert t.endswith("Z") and t[10] == "T" and len(t) == 27


def test_findings_are_summarized_without_values() -> None:
    text = "call +49 30 1234567 or +49 30 7654321, mail a@b.de"
    c = Classification(
        findings=(
            Finding("PHONE", 5, 19, jurisdiction="DE"),
            Finding("PHONE", 23, 37, jurisdiction="DE"),
            Finding("EMAIL", 44, 50),
        )
    )
    summary = summarize_findings(c.findings)
    assert summary == (FindingSummary("EMAIL", None, 1), FindingSummary("PHONE", "DE", 2))
    leaf = encode_leaf(normalize(AuditRecord(id="x", findings=summary)))
    for value in ("1234567", "7654321", "a@b.de", text):
        assert value.encode() not in leaf


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(msgspec.ValidationError):
        decode_leaf(b'{"id":"x","raw_prompt":"secret"}')


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("2026-11-26T10:15:02Z", "2026-11-26T10:15:02.000000Z"),
        ("2026-11-26T11:15:02.5+01:00", "2026-11-26T10:15:02.500000Z"),
        ("2026-11-26T10:15:02.123456Z", "2026-11-26T10:15:02.123456Z"),
    ],
)
def test_times_are_canonical_utc(given: str, canonical: str) -> None:
    assert normalize(AuditRecord(id="x", time=given)).time == canonical


@pytest.mark.parametrize("bad", ["yesterday", "2026-11-26T10:15:02"])
def test_bad_times_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize(AuditRecord(id="x", time=bad))


def test_records_of_the_wrong_types_are_refused_before_they_reach_the_log() -> None:
    with pytest.raises(msgspec.ValidationError):
        checked(AuditRecord(id="x", status="200"))  # type: ignore[arg-type]
    with pytest.raises(msgspec.ValidationError):
        checked(AuditRecord(id="x", findings=({"kind": "PHONE"},)))  # type: ignore[arg-type]
