"""What the gateway records about one request, before it becomes an audit record.

Never raw sensitive text: findings are kinds, spans, jurisdictions and the
JSON path of the segment they were found in.
"""

from __future__ import annotations

import msgspec

from sovgate.gateway._yaml import format_path
from sovgate.types import FiredRule, ProviderVerdict


class FindingSummary(msgspec.Struct, frozen=True, omit_defaults=True):
    kind: str
    at: tuple[str | int, ...] | None  # the key path of the segment it was found in (None: unknown)
    start: int
    end: int
    jurisdiction: str | None = None
    detail: str | None = None
    score: float = 1.0

    @property
    def path(self) -> str:
        """Where in the body, e.g. "messages[1].content" (formatted when asked, not per request)."""
        return "?" if self.at is None else format_path(self.at)


# The outcome of a request whose gateway stopped while a provider had it (its write-ahead record)
INTERRUPTED = "the gateway stopped while the provider had the request; what came of it is unknown"


class Attempt(msgspec.Struct, frozen=True, omit_defaults=True):
    provider: str
    outcome: str  # ok | upstream_error | upstream_rejected | protection_failed | interrupted
    reason: str | None = None
    ms: float = 0.0
    pseudonymized: tuple[str, ...] = ()  # entity types masked in what this provider was sent
    peer_decision: str | None = None  # a peer gateway's id of its own record of the request

    @property
    def sent(self) -> bool:
        """Whether the request went out to this provider (it may have received it even if it failed)."""
        return self.outcome != "protection_failed"


class RequestRecord(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    time: float  # unix seconds
    endpoint: str  # chat | completions | embeddings | responses | models
    tenant: str | None = None
    home: str = ""  # the tenant's home: the jurisdiction of data subjects no finding places elsewhere
    region: str = ""
    model: str | None = None
    stream: bool = False
    status: int = 0
    outcome: str = "ok"  # ok, or the error code returned
    message: str | None = None  # error message returned to the client
    findings: tuple[FindingSummary, ...] = ()
    categories: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    fired: tuple[FiredRule, ...] = ()
    refused: FiredRule | None = None
    verdicts: tuple[ProviderVerdict, ...] = ()
    eligible: tuple[str, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    provider: str | None = None
    operator_country: str | None = None
    hosting: tuple[str, ...] = ()
    pseudonymized: tuple[str, ...] = ()
    duration_ms: float = 0.0
    forwarded_by: str | None = None  # the peer gateway (its log origin) this request came from
    forwarded_decision: str | None = None  # that gateway's record id of the request
    fingerprint: str | None = None  # keyed hash of the request body (audit's HMAC), never the body
