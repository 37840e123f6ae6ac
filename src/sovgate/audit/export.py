"""Views over records for authorities and auditors (pure functions, no I/O).

- `flow_rows`: a records-of-processing view of cross-border flows, one row per
  request whose data went to a provider: who, what categories, whose subjects,
  where it went (operator and hosting jurisdictions), the rules and citations
  that applied, and what was pseudonymized.
- `flow_matrix`: request counts by subject jurisdiction × destination (hosting)
  jurisdiction × category; `flow_report` adds how often each rule excluded each provider,
  each of the organization's own detectors matched, and each kind and detail of finding (which
  ID scheme, marking, secret type) went to each destination, in the clear or pseudonymized.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from sovgate.audit.record import AuditRecord, FindingSummary

FLOW_COLUMNS = (
    "time",
    "id",
    "tenant",
    "endpoint",
    "model",
    "categories",
    "entity_types",
    "findings",
    "detectors",
    "subject_jurisdictions",
    "provider",
    "operator_country",
    "hosting",
    "cross_border",
    "rules",
    "citations",
    "pseudonymized",
    "excluded",
    "outcome",
    "status",
    "forwarded_by",
    "forwarded_decision",
    "peer_decisions",
)

NO_JURISDICTION = "-"
NO_DETAIL = "-"  # findings of leaves before v5


def _data_categories(r: AuditRecord) -> list[str]:
    """Categories, or PERSONAL when only entity types were found, or NONE."""
    if r.categories:
        return list(r.categories)
    return ["PERSONAL"] if r.findings else ["NONE"]


def _finding(f: FindingSummary) -> str:
    """ "NATIONAL_ID de.idnr (DE): 2"; the detail is absent from leaves before v5."""
    detail = f" {f.detail}" if f.detail else ""
    where = f" ({f.jurisdiction})" if f.jurisdiction else ""
    return f"{f.kind}{detail}{where}: {f.count}"


def is_cross_border(r: AuditRecord) -> bool:
    """Data of a subject went to a provider hosted or operated outside the subject's country."""
    if r.provider is None:
        return False
    dests = set(r.provider_hosting) | (
        {r.provider_operator_country} if r.provider_operator_country else set()
    )
    return any(dests - {s} for s in r.subject_jurisdictions)


def flow_rows(records: Iterable[AuditRecord], *, include_all: bool = False) -> Iterable[dict]:
    for r in records:
        if r.kind != "request" or (r.provider is None and not include_all):
            continue
        yield {
            "time": r.time,
            "id": r.id,
            "tenant": r.tenant,
            "endpoint": r.endpoint,
            "model": r.model,
            "categories": _data_categories(r),
            "entity_types": sorted({f.kind for f in r.findings} - set(r.categories)),
            "findings": [_finding(f) for f in r.findings],
            # the organization's own detectors that matched: why its data counted as such
            "detectors": [f"{name}: {n}" for name, n in r.detectors.items()],
            "subject_jurisdictions": list(r.subject_jurisdictions),
            "provider": r.provider,
            "operator_country": r.provider_operator_country,
            "hosting": list(r.provider_hosting),
            "cross_border": is_cross_border(r),
            "rules": [f"{x.rule} ({x.effect})" for x in r.rules],
            "citations": sorted({x.citation for x in r.rules if x.citation}),
            "pseudonymized": list(r.protection.get(r.provider or "", ())),
            "excluded": [f"{p}: {rule}" for p, rule in r.excluded.items()],
            "outcome": r.outcome,
            "status": r.status,
            # federation: where a forwarded request came from, and each peer gateway's own record
            "forwarded_by": r.forwarded_by,
            "forwarded_decision": r.forwarded_decision,
            "peer_decisions": [f"{p}: {rid}" for p, rid in r.peer_decisions.items()],
        }


def csv_row(row: dict) -> list[str]:
    """Flatten a flow row for CSV: lists joined with ';', booleans as true/false."""
    out = []
    for col in FLOW_COLUMNS:
        v = row[col]
        if isinstance(v, list):
            v = ";".join(v)
        elif isinstance(v, bool):
            v = "true" if v else "false"
        out.append("" if v is None else str(v))
    return out


def flow_matrix(records: Iterable[AuditRecord]) -> Counter[tuple[str, str, str]]:
    """Requests served by a provider, counted by (subject jurisdiction, hosting jurisdiction, category)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for r in records:
        if r.kind != "request" or r.provider is None:
            continue
        for subject in r.subject_jurisdictions or (NO_JURISDICTION,):
            for dest in r.provider_hosting or (NO_JURISDICTION,):
                for cat in _data_categories(r):
                    counts[(subject, dest, cat)] += 1
    return counts


class FlowReport(NamedTuple):
    matrix: Counter[tuple[str, str, str]]  # (subject jurisdiction, hosting jurisdiction, category)
    excluded: Counter[tuple[str, str]]  # (excluded provider, the first rule that excluded it)
    detectors: Counter[str]  # the organization's own detectors: requests in which each matched
    # requests served, by (kind, detail, hosting jurisdiction, pseudonymized for that provider);
    # detail "-" for leaves before v5
    sent: Counter[tuple[str, str, str, bool]]


def sent_findings(r: AuditRecord) -> Iterable[tuple[str, str, str, bool]]:
    """What a served request carried where: (kind, detail, hosting jurisdiction, masked), each once."""
    if r.provider is None:
        return ()
    masked = set(r.protection.get(r.provider, ()))
    kinds = {(f.kind, f.detail or NO_DETAIL) for f in r.findings}
    return (
        (kind, detail, dest, kind in masked)
        for kind, detail in kinds
        for dest in r.provider_hosting or (NO_JURISDICTION,)
    )


def flow_report(records: Iterable[AuditRecord]) -> FlowReport:
    """In one pass: the flow matrix, requests counted by (excluded provider, first excluding rule),
    by own detector that matched, and by what they carried where (`sent_findings`)."""
    excluded: Counter[tuple[str, str]] = Counter()
    detectors: Counter[str] = Counter()
    sent: Counter[tuple[str, str, str, bool]] = Counter()

    def requests() -> Iterable[AuditRecord]:
        for r in records:
            if r.kind == "request":
                excluded.update(r.excluded.items())
                detectors.update(r.detectors.keys())
                sent.update(sent_findings(r))
                yield r

    return FlowReport(flow_matrix(requests()), excluded, detectors, sent)
