"""How many tokens an answer used, for the tenants' token budgets.

The provider's own count when the answer carries one (OpenAI's `usage`, which every adapter
returns in that format: a JSON answer, or a stream's last chunk when it was asked for with
`stream_options.include_usage`, by the client or by the gateway for a provider marked
`stream_usage`). Otherwise an estimate, on the high side: about four
characters a token for the request's text, and for the answer its bytes over four (JSON) or one
token per streamed event (a stream's chunks carry about one token each).
"""

from __future__ import annotations

import msgspec

CHARS_PER_TOKEN = 4


class _Tokens(msgspec.Struct):
    total_tokens: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _Usage(msgspec.Struct):
    usage: _Tokens | None = None


_decode = msgspec.json.Decoder(_Usage).decode  # skips every other field: no full parse


def reported_tokens(payload: bytes) -> int | None:
    """The tokens an OpenAI-format answer (or stream chunk) says it used; None when it says not."""
    try:
        usage = _decode(payload).usage
    except msgspec.MsgspecError:
        return None
    if usage is None:
        return None
    if usage.total_tokens is not None:
        return max(0, usage.total_tokens)
    parts = [n for n in (usage.prompt_tokens, usage.completion_tokens) if n is not None]
    return max(0, sum(parts)) if parts else None


def estimate_tokens(prompt_chars: int, answer_tokens: int) -> int:
    """The request's text at CHARS_PER_TOKEN, plus the answer's estimate."""
    return -(-prompt_chars // CHARS_PER_TOKEN) + answer_tokens


class _Shape(msgspec.Struct):
    choices: list[msgspec.Raw] | None = None
    usage: _Tokens | None = None


_decode_shape = msgspec.json.Decoder(_Shape).decode


def usage_only(data: bytes) -> bool:
    """Whether a stream chunk is OpenAI's usage chunk (a `usage`, no choices): the one that
    `stream_options.include_usage` adds at the end."""
    if b'"usage"' not in data:
        return False
    try:
        shape = _decode_shape(data)
    except msgspec.MsgspecError:
        return False
    return shape.usage is not None and not shape.choices


class StreamMeter:
    """Watches a stream's events for the provider's count, and counts them for the estimate."""

    __slots__ = ("events", "reported")

    def __init__(self) -> None:
        self.events = 0
        self.reported: int | None = None

    def event(self, data: bytes) -> None:
        self.events += 1
        if b'"usage"' in data:  # only the chunk that carries it is decoded
            found = reported_tokens(data)
            if found is not None:
                self.reported = found

    def tokens(self, prompt_chars: int) -> int:
        return self.reported if self.reported is not None else estimate_tokens(prompt_chars, self.events)
