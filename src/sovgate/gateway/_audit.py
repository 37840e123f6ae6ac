"""RequestRecord (the gateway's trace of a request) -> sovgate.audit.AuditRecord (what is logged)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sovgate.audit import AuditRecord, rule_records, summarize_findings
from sovgate.gateway.record import RequestRecord
from sovgate.types import ENTITY_TYPES

_PERSONAL = frozenset(ENTITY_TYPES)


def subject_jurisdictions(rec: RequestRecord) -> tuple[str, ...]:
    """Whose personal data the request carried, as policy saw it: a finding's own country, else the
    tenant's home (a name or e-mail has no country of its own). Markings and secrets are not subjects."""
    found = {f.jurisdiction or rec.home for f in rec.findings if f.kind in _PERSONAL}
    return tuple(sorted(j for j in found if j))


def to_audit_record(rec: RequestRecord, own_detectors: frozenset[str] = frozenset()) -> AuditRecord:
    """The record the log keeps; `own_detectors`: the names of the config's own detectors
    (gateway.detection.custom), counted by name in `detectors`."""
    # every provider the request was sent to, with what was masked for it (() = in the clear):
    # a provider that failed after the request went out may still have received it
    protection = {a.provider: a.pseudonymized for a in rec.attempts if a.sent}
    return AuditRecord(
        id=rec.id,
        time=datetime.fromtimestamp(rec.time, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        tenant=rec.tenant,
        model=rec.model,
        findings=summarize_findings(rec.findings),
        categories=rec.categories,
        subject_jurisdictions=subject_jurisdictions(rec),
        rules=rule_records(rec.fired),
        eligible=rec.eligible,
        # for each excluded provider, the first rule that excluded it: the decision's "why not"
        excluded={v.provider: v.excluded_by for v in rec.verdicts if not v.eligible and v.excluded_by},
        provider=rec.provider,
        provider_operator_country=rec.operator_country,
        provider_hosting=rec.hosting,
        protection=protection,
        outcome=rec.outcome,
        status=rec.status,
        fingerprint=rec.fingerprint,
        forwarded_by=rec.forwarded_by,
        forwarded_decision=rec.forwarded_decision,
        # federation: each peer gateway's own record of the request, for following it across logs
        peer_decisions={a.provider: a.peer_decision for a in rec.attempts if a.peer_decision},
        endpoint=rec.endpoint,
        detectors=dict(Counter(f.detail for f in rec.findings if f.detail in own_detectors))
        if own_detectors
        else {},
    )
