"""`protocol: preview`: answer with the exact request that would have been sent.

Lets anyone try policies end to end without keys: the answer's content is the
outbound request (URL, headers with the key redacted, body after protection) as JSON.
It is never restored, so pseudonymized values stay visible as placeholders.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from sovgate.types import Provider
from sovgate.upstream._base import Endpoint, Hop, Reply
from sovgate.upstream._outbound import (
    ALL_ENDPOINTS,
    PATHS,
    Outbound,
    auth_headers,
    endpoint_url,
    upstream_body,
)

_encode = msgspec.json.Encoder().encode
_CHUNK = 48  # characters of content per streamed chunk
_counter = itertools.count(1)


class PreviewAdapter:
    restores = False
    endpoints = ALL_ENDPOINTS
    stream_usage = False  # it shows the request as sent: asking for usage would change what it shows

    def __init__(self, provider: Provider):
        self.provider = provider
        self._urls = {
            e: endpoint_url(provider.base_url or f"preview://{provider.id}", p) for e, p in PATHS.items()
        }
        redacted = "<redacted>" if provider.api_key_env else None
        self._headers = {"content-type": "application/json", **auth_headers(provider.auth, redacted)}

    def outbound(self, endpoint: Endpoint, body: dict[str, Any]) -> Outbound:
        return Outbound("POST", self._urls[endpoint], self._headers, upstream_body(self.provider, body))

    async def complete(self, endpoint: Endpoint, body: dict[str, Any], hop: Hop | None = None) -> Reply:
        out = self.outbound(endpoint, body)
        if endpoint == "embeddings":
            return Reply(200, _encode(_embeddings(out)))
        content = msgspec.json.format(_encode(out), indent=2).decode()
        return Reply(200, _encode(_completion(out.body.get("model"), content, endpoint == "completions")))

    async def stream(
        self, body: dict[str, Any], hop: Hop | None = None, endpoint: Endpoint = "chat"
    ) -> AsyncIterator[list[bytes]]:
        out = self.outbound(endpoint, body)
        content = msgspec.json.format(_encode(out), indent=2).decode()
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return _stream(out.body.get("model"), content, usage, endpoint == "completions")


def _completion(model: Any, content: str, text: bool = False) -> dict[str, Any]:
    if text:  # the legacy text completion
        choice: dict[str, Any] = {"index": 0, "text": content, "logprobs": None, "finish_reason": "stop"}
    else:
        choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
    return {
        "id": f"{'cmpl' if text else 'chatcmpl'}-preview-{next(_counter)}",
        "object": "text_completion" if text else "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


async def _stream(model: Any, content: str, usage: bool, text: bool = False) -> AsyncIterator[list[bytes]]:
    base: dict[str, Any] = {"id": f"{'cmpl' if text else 'chatcmpl'}-preview-{next(_counter)}"}
    base |= {"object": "text_completion" if text else "chat.completion.chunk"}
    base |= {"created": int(time.time()), "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        if text:  # a text completion's chunk carries its text, not a delta
            choice = {"index": 0, "text": delta.get("content", ""), "logprobs": None, "finish_reason": finish}
        else:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return b"data: " + _encode({**base, "choices": [choice]})

    events = [] if text else [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": content[i : i + _CHUNK]}) for i in range(0, len(content), _CHUNK)]
    events.append(chunk({}, "stop"))
    if usage:
        zero = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        events.append(b"data: " + _encode({**base, "choices": [], "usage": zero}))
    events.append(b"data: [DONE]")
    yield events  # all at once: nothing is waited for


def _embeddings(out: Outbound) -> dict[str, Any]:
    """Deterministic 8-dimensional vectors, plus the outbound request under `sovgate_preview`."""
    inp = out.body.get("input")
    items = [inp] if isinstance(inp, str) else list(inp) if isinstance(inp, list) else []
    data = []
    for i, item in enumerate(items):
        digest = hashlib.sha256(_encode(item)).digest()
        vector = [round(v / 2**31 - 1.0, 6) for v in struct.unpack("<8I", digest)]
        data.append({"object": "embedding", "index": i, "embedding": vector})
    return {
        "object": "list",
        "data": data,
        "model": out.body.get("model"),
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
        "sovgate_preview": msgspec.to_builtins(out),
    }
