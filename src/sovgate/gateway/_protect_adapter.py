"""sovgate.protect behind the pipeline's `Protect` seam (one pseudonym session per request)."""

from __future__ import annotations

from typing import Any

from sovgate.gateway._protection import ProtectionImpossible
from sovgate.protect import ProtectionError, Pseudonymizer, PseudonymSession, StreamRestorer, restore
from sovgate.types import Classification, ProviderVerdict, Segment

_pseudonymizer = Pseudonymizer()


class _Protected:
    __slots__ = ("_scope", "_session", "body", "types")

    def __init__(
        self, body: dict[str, Any], session: PseudonymSession, scope: frozenset[str], types: tuple[str, ...]
    ):
        self.body, self._session, self._scope, self.types = body, session, scope, types

    def restore(self, text: str, in_json: bool = False) -> str:
        return restore(text, self._session, scope=self._scope, in_json=in_json)

    def stream_restorer(self, in_json: bool = False) -> StreamRestorer:
        return StreamRestorer(self._session, scope=self._scope, in_json=in_json)


def protect(
    body: dict[str, Any], segments: list[Segment], classification: Classification, verdict: ProviderVerdict
) -> _Protected | None:
    """Mask what `verdict.pseudonymize` names; None when nothing of those types is in the request."""
    session = PseudonymSession()
    try:
        masked, report = _pseudonymizer.protect(
            body, segments, classification.findings, verdict.pseudonymize, session
        )
    except ProtectionError as exc:
        raise ProtectionImpossible(str(exc)) from exc
    if not report.tokens:
        return None
    return _Protected(masked, session, report.tokens, tuple(sorted(report.masked)))
