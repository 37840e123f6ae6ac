"""The seam between the pipeline and sovgate.protect.

`await protect(body, segments, classification, verdict, conversation)` returns None
when nothing had to be replaced for this provider, else a `Protected` whose `body` goes upstream
and whose restorers put the original values back into the answer.
"""

from __future__ import annotations

from typing import Any, Protocol

from sovgate.types import Classification, ProviderVerdict, Segment


class TextRestorer(Protocol):
    def feed(self, text: str) -> str:
        """Restored text that is safe to emit now (a partial placeholder is held back)."""
        ...

    def flush(self) -> str:
        """Whatever was held back, at the end of the stream."""
        ...


class Protected(Protocol):
    body: dict[str, Any]
    types: tuple[str, ...]  # entity types that were replaced (for the audit record)

    def restore(self, text: str, in_json: bool = False) -> str:
        """`in_json`: the text is JSON (tool-call arguments), restored values are JSON-escaped."""
        ...

    def stream_restorer(self, in_json: bool = False) -> TextRestorer: ...


class Protect(Protocol):
    async def __call__(
        self,
        body: dict[str, Any],
        segments: list[Segment],
        classification: Classification,
        verdict: ProviderVerdict,
        conversation: str | None = None,
    ) -> Protected | None:
        """`conversation`: the vault key of the request's conversation (None: a fresh mapping)."""
        ...


class ProtectionImpossible(Exception):
    """Raised by a Protect function when a span cannot be protected (fail closed)."""
