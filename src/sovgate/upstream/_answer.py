"""Minimal shape checks of a provider's 200 answer: a body the client cannot use is a provider failure.

Only what an OpenAI client needs to parse the answer at all is checked (a JSON object with a
list of objects under `choices` / `data`); msgspec skips everything else without building it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec

from sovgate.upstream._base import Endpoint, Reply, UpstreamError
from sovgate.upstream._sse import event_data


class _Object(msgspec.Struct):
    """Any JSON object (its fields are not looked at)."""


class _Completion(msgspec.Struct):
    choices: list[_Object]


class _EmbeddingList(msgspec.Struct):
    data: list[_Object]


_CHECKS = {
    "chat": msgspec.json.Decoder(_Completion).decode,
    "embeddings": msgspec.json.Decoder(_EmbeddingList).decode,
    "completions": msgspec.json.Decoder(_Completion).decode,
}
_KINDS = {"chat": "chat completion", "embeddings": "embeddings list", "completions": "text completion"}
_chunk = msgspec.json.Decoder(_Completion).decode  # a chunk has `choices` too (maybe empty)


class _Message(msgspec.Struct):
    """Anthropic's Messages answer, as far as its translation needs it."""

    content: list[_Object]


_message = msgspec.json.Decoder(_Message).decode


def check_message(provider: str, data: bytes) -> None:
    """UpstreamError unless `data` is an Anthropic Messages answer (a JSON object with a content list)."""
    try:
        _message(data)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise UpstreamError(provider, "invalid answer (not a Messages response)") from None


def check_reply(provider: str, endpoint: Endpoint, reply: Reply) -> Reply:
    """`reply`, or UpstreamError when its body is not a chat.completion / embeddings list /
    text_completion."""
    if not reply.body:
        raise UpstreamError(provider, "empty answer")
    try:
        _CHECKS[endpoint](reply.body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise UpstreamError(provider, f"invalid answer (not a {_KINDS[endpoint]})") from None
    return reply


async def check_stream(provider: str, events: AsyncIterator[list[bytes]]) -> AsyncIterator[list[bytes]]:
    """Read up to the first valid chunk; UpstreamError (before any byte went to the client) if none.

    Later chunks are forwarded unchecked: once a provider has shown it speaks the format, the
    hot path stays a pass-through.
    """
    head: list[list[bytes]] = []
    try:
        while True:
            try:
                batch = await anext(events)
            except StopAsyncIteration:
                raise UpstreamError(provider, "stream ended without a valid chunk") from None
            head.append(batch)
            if _has_valid_chunk(provider, batch):
                break
    except BaseException:
        await _close(events)
        raise
    return _replay(head, events)


def _has_valid_chunk(provider: str, batch: list[bytes]) -> bool:
    for event in batch:
        data = event_data(event)
        if data is None:
            continue
        if data == b"[DONE]":
            raise UpstreamError(provider, "stream ended without a valid chunk")
        try:
            _chunk(data)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            raise UpstreamError(provider, "invalid stream event (not a chat.completion.chunk)") from None
        return True
    return False


async def _replay(head: list[list[bytes]], events: AsyncIterator[list[bytes]]) -> AsyncIterator[list[bytes]]:
    try:
        for batch in head:
            yield batch
        async for batch in events:
            yield batch
    finally:
        await _close(events)


async def _close(events: AsyncIterator[list[bytes]]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        await aclose()
