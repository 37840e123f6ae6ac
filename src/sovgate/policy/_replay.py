"""Dry-run replay: re-decide recorded traffic under other packs and report what would change.

Works on recorded finding summaries only (kind, jurisdiction, detail, count; categories), never on
raw text. Records written before audit leaf v5 carry no details: a `details:` condition cannot
match them, and the report counts them (`without_details`).
`from_audit` adapts a `sovgate.audit.AuditRecord` (or anything shaped like it) to `Recorded`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from sovgate.policy._engine import Engine
from sovgate.types import Classification, Decision, Finding, Tenant


class Recorded(msgspec.Struct, frozen=True, kw_only=True):
    """What replay needs from one recorded request."""

    id: str
    tenant: str
    model: str = ""
    findings: tuple[tuple[str, str | None, str | None], ...] = ()  # (kind, jurisdiction, detail)
    categories: tuple[str, ...] = ()
    eligible: tuple[str, ...] = ()
    refused: str | None = None  # the refusing rule, if the request was refused
    time: str = ""


def from_audit(record: Any) -> Recorded | None:
    """A `Recorded` from an audit record; None for records that are not requests."""
    if getattr(record, "kind", "request") != "request" or not getattr(record, "tenant", None):
        return None
    refused = None
    if getattr(record, "outcome", "") == "refused":
        refused = next((r.rule for r in getattr(record, "rules", ()) if r.effect == "refuse"), "refused")
    return Recorded(
        id=record.id,
        tenant=record.tenant,
        model=record.model or "",
        findings=tuple(
            (f.kind, f.jurisdiction, getattr(f, "detail", None)) for f in getattr(record, "findings", ())
        ),
        categories=tuple(getattr(record, "categories", ())),
        eligible=tuple(getattr(record, "eligible", ())),
        refused=refused,
        time=getattr(record, "time", ""),
    )


class Change(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    tenant: str
    time: str
    kind: str  # newly-refused | no-longer-refused | fewer-providers | more-providers | first-choice | other
    before: tuple[str, ...]
    after: tuple[str, ...]
    refused_before: str | None
    refused_after: str | None
    rules: tuple[str, ...]  # rules that fired under the new packs


class ReplayReport(msgspec.Struct, kw_only=True):
    packs: tuple[str, ...]
    total: int = 0
    skipped: int = 0  # records of tenants the configuration does not know
    unchanged: int = 0
    without_details: int = 0  # replayed records with findings but no details (audit leaves before v5)
    changes: list[Change] = []
    by_kind: dict[str, int] = {}
    by_rule: dict[str, int] = {}  # new rules behind changed decisions


def classification_of(rec: Recorded) -> Classification:
    findings = tuple(Finding(kind=k, start=0, end=0, jurisdiction=j, detail=d) for k, j, d in rec.findings)
    return Classification(findings=findings, categories=frozenset(rec.categories))


def _kind(rec: Recorded, d: Decision) -> str | None:
    before, after = rec.eligible, d.eligible
    refused_after = d.refused.rule if d.refused else None
    if rec.refused and not refused_after:
        return "no-longer-refused"
    if refused_after and not rec.refused:
        return "newly-refused"
    if rec.refused and refused_after:
        return None
    if set(after) < set(before):
        return "fewer-providers"
    if set(after) > set(before):
        return "more-providers"
    if set(after) != set(before):
        return "other"
    if after[:1] != before[:1]:
        return "first-choice"
    return None


def replay(
    records: Iterable[Recorded], engine: Engine, tenants: Mapping[str, Tenant], packs: Sequence[str]
) -> ReplayReport:
    """Re-decide `records` with each tenant's policies replaced by `packs`."""
    packs = tuple(packs)
    report = ReplayReport(packs=packs)
    by_kind: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    drafts: dict[str, Tenant] = {}
    for rec in records:
        report.total += 1
        tenant = drafts.get(rec.tenant)
        if tenant is None:
            known = tenants.get(rec.tenant)
            if known is None:
                report.skipped += 1
                continue
            tenant = drafts[rec.tenant] = msgspec.structs.replace(known, policies=packs)
        if rec.findings and all(d is None for _, _, d in rec.findings):
            report.without_details += 1
        d = engine.decide(tenant, classification_of(rec), rec.model)
        kind = _kind(rec, d)
        if kind is None:
            report.unchanged += 1
            continue
        fired = tuple(f.rule for f in d.fired)
        by_kind[kind] += 1
        by_rule.update(set(fired))
        report.changes.append(
            Change(
                id=rec.id,
                tenant=rec.tenant,
                time=rec.time,
                kind=kind,
                before=rec.eligible,
                after=d.eligible,
                refused_before=rec.refused,
                refused_after=d.refused.rule if d.refused else None,
                rules=fired,
            )
        )
    report.by_kind = dict(by_kind.most_common())
    report.by_rule = dict(by_rule.most_common())
    return report
