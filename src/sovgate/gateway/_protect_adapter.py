"""sovgate.protect behind the pipeline's `Protect` seam.

Per provider attempt: load the conversation's pseudonym session from the vault (or
start a fresh one when the request belongs to no known conversation), mask what the
verdict names, save new tokens back (a lost race with another worker: load and mask
once more). Any failure is `ProtectionImpossible`: that provider does not get the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sovgate.gateway._cohort import Cohort
from sovgate.gateway._protection import ProtectionImpossible
from sovgate.protect import (
    ProtectionError,
    ProtectionReport,
    Pseudonymizer,
    PseudonymSession,
    StreamRestorer,
    VaultError,
    restore,
)
from sovgate.types import Classification, Finding, ProviderVerdict, Segment

# Pseudonymizer.protect's arguments before the session: body, segments, findings, types to mask
_MaskArgs = tuple[dict[str, Any], Sequence[Segment], Iterable[Finding], Iterable[str]]


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


class Protector:
    """Built once: the pseudonymizer (placeholder or surrogate style) and an optional vault."""

    def __init__(self, style: str = "placeholder", vault: Any = None):
        self._pz = Pseudonymizer(style)  # type: ignore[arg-type]
        self.vault = vault
        # fresh sessions are masked together with the other requests of this turn of the loop
        self._cohort = Cohort()

    async def __call__(
        self,
        body: dict[str, Any],
        segments: list[Segment],
        classification: Classification,
        verdict: ProviderVerdict,
        conversation: str | None = None,
    ) -> _Protected | None:
        """Mask what `verdict.pseudonymize` names; None when nothing of those types is in the request."""
        args: _MaskArgs = (body, segments, classification.findings, verdict.pseudonymize)
        try:
            if conversation is None or self.vault is None:
                # a session of this request alone, nothing to save: masked back to back with the
                # other requests that reach this point in the same turn of the loop (_cohort.py)
                session = PseudonymSession()
                cost = sum(len(s.text) for s in segments)
                masked, report = await self._cohort.submit(self._pz.protect, *args, session, cost=cost)
            else:
                masked, report, session = await self._in_conversation(conversation, args)
        except ProtectionError as exc:
            raise ProtectionImpossible(str(exc)) from exc
        except VaultError as exc:
            raise ProtectionImpossible(f"pseudonym vault unavailable ({exc})") from exc
        if not report.tokens:
            return None
        return _Protected(masked, session, report.tokens, tuple(sorted(report.masked)))

    async def _in_conversation(
        self, conversation: str, args: _MaskArgs
    ) -> tuple[dict[str, Any], ProtectionReport, PseudonymSession]:
        """Mask with the conversation's stored session and save the new tokens back. Masked right
        after loading, with no wait before the save: Redis saves are optimistic (a concurrent turn
        that saves first forces a retry, and every wait in between makes that likelier)."""
        for _ in range(2):
            session = await self.vault.load(conversation)
            masked, report = self._pz.protect(*args, session)
            if await self.vault.save(session):
                return masked, report, session
        raise ProtectionImpossible("the pseudonym vault kept losing races for this conversation")

    async def aclose(self) -> None:
        close = getattr(self.vault, "aclose", None)
        if close is not None:
            await close()
