"""What every upstream adapter returns or raises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal, Protocol

import msgspec

from sovgate.types import Provider

Endpoint = Literal["chat", "embeddings", "completions"]  # completions: the legacy text API


class Reply(msgspec.Struct):
    """A complete upstream answer in OpenAI format (raw bytes: forwarded as is when nothing changes)."""

    status: int
    body: bytes


class Hop(msgspec.Struct):
    """A request forwarded to a peer gateway (federation): where it comes from, and the peer's
    own record of it once the peer's answer head is in. Adapters other than `sovgate` ignore it."""

    origin: str  # this gateway's audit log origin, sent as x-sovgate-forwarded-by
    decision: str  # this request's audit record id, sent as x-sovgate-forwarded-decision
    peer_decision: str | None = None  # the peer's x-sovgate-decision: its audit record of the request


def is_hop_value(value: str) -> bool:
    """Whether `value` may travel in a federation header and be kept in a signed leaf: 1-200
    printable ASCII characters (log origins and record ids are)."""
    return 0 < len(value) <= 200 and value.isascii() and value.isprintable()


class UpstreamError(Exception):
    """The provider failed (unreachable, timeout, 5xx, 429, auth): try the next eligible one.

    `retry_after`: the seconds its answer asked us to wait (Retry-After), if it named any."""

    def __init__(
        self, provider: str, reason: str, status: int | None = None, retry_after: float | None = None
    ):
        self.provider, self.reason, self.status, self.retry_after = provider, reason, status, retry_after
        super().__init__(f"{provider}: {reason}")

    @property
    def rate_limited(self) -> bool:
        """The provider refused for our rate (429), not because it is down."""
        return self.status == 429


class UpstreamRejected(Exception):
    """The provider answered that the request itself is wrong (400, 413, 422).

    Another provider would say the same, so the answer goes back to the client.
    """

    def __init__(self, provider: str, status: int, body: bytes):
        self.provider, self.status, self.body = provider, status, body
        super().__init__(f"{provider}: HTTP {status}")


class Adapter(Protocol):
    provider: Provider
    # False when the answer must not be restored (preview shows the protected request)
    restores: bool
    # the OpenAI endpoints its protocol has; a request for another never goes to this provider
    endpoints: frozenset[Endpoint]
    # a stream with `stream_options.include_usage` ends in OpenAI's usage chunk (choices: [])
    stream_usage: bool

    async def complete(self, endpoint: Endpoint, body: dict[str, Any], hop: Hop | None = None) -> Reply: ...

    async def stream(
        self, body: dict[str, Any], hop: Hop | None = None, endpoint: Endpoint = "chat"
    ) -> AsyncIterator[list[bytes]]:
        """Open a streaming (chat or text) completion; yields the SSE events (e.g. b'data: {...}')
        of each read.

        Raises UpstreamError/UpstreamRejected before the first event when the
        stream cannot be opened, so the caller can still fail over.
        """
        ...


# Statuses that mean "this request is wrong", not "this provider is broken".
CLIENT_FAULT = frozenset({400, 413, 422})
