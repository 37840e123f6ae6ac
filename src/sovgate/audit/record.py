"""The audit record and its canonical leaf serialization.

A record never holds raw sensitive text: findings are counted per kind, detail and
jurisdiction, and the content itself is only present as a keyed fingerprint
(`AuditLog.fingerprint`, HMAC-SHA256 with a per-deployment secret).

Leaf bytes (the Merkle leaf input, hashed as SHA-256(0x00 ‖ leaf)) are the
record as canonical JSON: UTF-8, no insignificant whitespace, object keys sorted
by code point, every field present (defaults included), strings escaped the
RFC 8785 way (msgspec emits exactly that for the types used here: strings,
integers, null, lists and objects; there are no floats in a record). Lists keep
the order the gateway gave them, except those documented as sets, which are
sorted by `normalize` before encoding so that equal records give equal leaves. The log
sets `index` (the leaf's position) when it sequences the record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal, Protocol

import msgspec
from uuid_utils import uuid7

from sovgate.types import FiredRule

# 1: no `index` in the leaf (logs written before the index was signed; some v1 leaves carry it).
# 2: `index` signed and required; `excluded` and `details` added.
# 3: federation: `forwarded_by`, `forwarded_decision` and `peer_decisions` added.
# 4: `endpoint` (which API) and `detectors` (the organization's own detectors that matched) added.
# 5: `detail` in each finding count (which ID scheme, marking, secret type: never a value).
LEAF_VERSION = 5
ADMIN_ID_PREFIX = "admin-"  # admin record ids; retention never purges them
PURGE_ACTION = "audit.purge"


class FindingSummary(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How many findings of one kind and detail about one jurisdiction's subjects (never the values).

    `detail` is the detector's name for the sub-kind ("de.idnr", "VS-NfD", "aws_access_key", an own
    detector's name): which scheme or marking, not what it said. None in leaves before v5."""

    kind: str
    jurisdiction: str | None
    count: int
    detail: str | None = None


class RuleRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rule: str
    effect: str
    citation: str = ""
    reason: str = ""


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One request (kind "request") or one admin change of config/policy (kind "admin")."""

    id: str  # assigned by the gateway; sent to the client as x-sovgate-decision
    time: str = ""  # RFC 3339 UTC, e.g. 2026-11-26T10:00:00.123456Z; filled on append when empty
    kind: Literal["request", "admin"] = "request"
    tenant: str | None = None
    model: str | None = None
    findings: tuple[FindingSummary, ...] = ()
    categories: tuple[str, ...] = ()  # set
    subject_jurisdictions: tuple[str, ...] = ()  # set
    rules: tuple[RuleRecord, ...] = ()  # fired rules, in firing order
    eligible: tuple[str, ...] = ()  # provider ids, in route order
    provider: str | None = None  # the one that served (or was last tried)
    provider_operator_country: str | None = None
    provider_hosting: tuple[str, ...] = ()  # set
    protection: dict[str, tuple[str, ...]] = {}  # provider -> entity types pseudonymized for it (set)
    outcome: str = "ok"  # ok | refused | no_eligible_provider | upstream_error | client_error | ...
    status: int = 200  # HTTP status returned to the client
    fingerprint: str | None = None  # keyed HMAC-SHA256 (hex) of the request content
    excluded: dict[str, str] = {}  # provider -> id of the first rule that excluded it
    action: str | None = None  # admin records: what happened, e.g. "gateway.start"
    details: dict[str, str] = {}  # admin records: what it changed to, e.g. {"cutoff": ..., "count": ...}
    # federation (the caller's claims, authenticated as its tenant): the peer gateway that forwarded
    # the request (its log's origin) and its record id of it
    forwarded_by: str | None = None
    forwarded_decision: str | None = None
    peer_decisions: dict[str, str] = {}  # peer gateway provider -> the peer's record id of the request
    # the API asked: chat, completions, embeddings, responses or models (None: admin records)
    endpoint: str | None = None
    # the organization's own detectors (gateway.detection.custom) that matched: name -> findings;
    # what they found is counted under its kind in `findings` too
    detectors: dict[str, int] = {}
    index: int | None = None  # leaf index: set by the log when it sequences the record (signed with it)
    v: int = LEAF_VERSION  # leaf schema version


_encoder = msgspec.json.Encoder(order="sorted")
_decoder = msgspec.json.Decoder(AuditRecord)


_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> str:
    """The current time in the record's RFC 3339 form (UTC, microseconds, Z)."""
    return datetime.now(UTC).strftime(_TIME_FORMAT)


def canonical_time(value: str) -> str:
    """Any RFC 3339 time as UTC with microseconds and Z, so times sort as strings."""
    if len(value) == 27 and value.endswith("Z"):  # already canonical (the common case)
        return value
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"record time {value!r} is not RFC 3339") from None
    if t.tzinfo is None:
        raise ValueError(f"record time {value!r} has no UTC offset")
    return t.astimezone(UTC).strftime(_TIME_FORMAT)


def admin_record(action: str, *, details: dict[str, str], fingerprint: str, tenant: str = "") -> AuditRecord:
    """A record of one admin change (kind "admin"): `action` says what (e.g. "gateway.start",
    "audit.purge"), `details` the new state as strings, `fingerprint` the keyed
    fingerprint of the config it applies (`AuditLog.fingerprint(config_bytes)`). Its id starts
    with "admin-", and retention keeps its payload for the life of the log."""
    return AuditRecord(
        id=f"{ADMIN_ID_PREFIX}{uuid7().hex}",
        time=utc_now(),
        kind="admin",
        tenant=tenant or None,
        action=action,
        details=dict(details),
        fingerprint=fingerprint,
    )


def parse_time(value: str) -> str:
    """A user-given RFC 3339 time or ISO date (YYYY-MM-DD, taken as 00:00 UTC) in the canonical
    record form, so it compares with record times as a time. Raises ValueError."""
    v = value.strip()
    if len(v) == 10:
        try:
            return datetime.strptime(v, "%Y-%m-%d").replace(tzinfo=UTC).strftime(_TIME_FORMAT)
        except ValueError:
            pass
    elif len(v) > 19 and v[10] in "Tt":  # a full time with an offset, nothing less
        try:
            t = datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
            if t.tzinfo is not None:
                return t.astimezone(UTC).strftime(_TIME_FORMAT)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not an RFC 3339 time (2026-11-26T11:20:00Z) or a date (2026-11-26)")


def _set(items: tuple[str, ...]) -> tuple[str, ...]:
    return items if len(items) < 2 else tuple(sorted(set(items)))


def _finding_order(f: FindingSummary) -> tuple[str, str, str]:
    return (f.kind, f.jurisdiction or "", f.detail or "")


def normalize(record: AuditRecord) -> AuditRecord:
    """Sort set-valued fields and fill the time, so the leaf is canonical."""
    findings = record.findings
    if len(findings) > 1:
        findings = tuple(sorted(findings, key=_finding_order))
    return msgspec.structs.replace(
        record,
        time=canonical_time(record.time) if record.time else utc_now(),
        findings=findings,
        categories=_set(record.categories),
        subject_jurisdictions=_set(record.subject_jurisdictions),
        provider_hosting=_set(record.provider_hosting),
        protection={p: _set(t) for p, t in sorted(record.protection.items())} if record.protection else {},
        excluded=dict(sorted(record.excluded.items())) if record.excluded else {},
        details=dict(sorted(record.details.items())) if record.details else {},
        peer_decisions=dict(sorted(record.peer_decisions.items())) if record.peer_decisions else {},
        detectors=dict(sorted(record.detectors.items())) if record.detectors else {},
    )


def encode_leaf(record: AuditRecord) -> bytes:
    """Canonical leaf bytes of an already normalized record."""
    return _encoder.encode(record)


def checked(record: AuditRecord) -> AuditRecord:
    """The normalized record, type-checked by a round trip through plain data (msgspec does not
    check types at construction): a record that could not be read back never enters the log.
    Raises msgspec.ValidationError / ValueError."""
    return normalize(msgspec.convert(msgspec.to_builtins(record), AuditRecord))


def sequenced_leaf(record: AuditRecord, index: int) -> bytes:
    """The leaf of a checked record at its position: the index is part of what is signed, so a
    row moved to another position no longer matches its own content."""
    return _encoder.encode(msgspec.structs.replace(record, index=index))


def decode_leaf(data: bytes) -> AuditRecord:
    return _decoder.decode(data)


class _Version(msgspec.Struct):
    v: int = 1


_version_decoder = msgspec.json.Decoder(_Version)


def leaf_version(data: bytes) -> int | None:
    """The `v` of a leaf that `decode_leaf` may not read (a newer version adds fields), or None
    when the bytes are not a JSON object with an integer `v`."""
    try:
        return _version_decoder.decode(data).v
    except msgspec.DecodeError:
        return None


class _Found(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def jurisdiction(self) -> str | None: ...
    @property
    def detail(self) -> str | None: ...


def summarize_findings(findings: Iterable[_Found]) -> tuple[FindingSummary, ...]:
    """Count findings by (kind, jurisdiction, detail): what a record keeps of them (no spans, no
    values). Takes `Classification.findings` or any findings with a kind, jurisdiction and detail."""
    counts = Counter((f.kind, f.jurisdiction, f.detail) for f in findings)
    return tuple(
        sorted(
            (FindingSummary(kind=k, jurisdiction=j, count=n, detail=d) for (k, j, d), n in counts.items()),
            key=_finding_order,
        )
    )


def rule_records(fired: Iterable[FiredRule]) -> tuple[RuleRecord, ...]:
    return tuple(
        RuleRecord(rule=r.rule, effect=r.effect, citation=r.citation, reason=r.reason) for r in fired
    )
