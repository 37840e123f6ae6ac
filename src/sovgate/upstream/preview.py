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
from sovgate.upstream._outbound import PATHS, Outbound, auth_headers, endpoint_url, upstream_body

_encode = msgspec.json.Encoder().encode
_CHUNK = 48  # characters of content per streamed chunk
_counter = itertools.count(1)


class PreviewAdapter:
    restores = False

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
        return Reply(200, _encode(_completion(out.body.get("model"), content)))

    async def stream(self, body: dict[str, Any], hop: Hop | None = None) -> AsyncIterator[list[bytes]]:
        out = self.outbound("chat", body)
        content = msgspec.json.format(_encode(out), indent=2).decode()
        return _stream(
            out.body.get("model"), content, bool((body.get("stream_options") or {}).get("include_usage"))
        )


def _completion(model: Any, content: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-preview-{next(_counter)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


async def _stream(model: Any, content: str, usage: bool) -> AsyncIterator[list[bytes]]:
    base: dict[str, Any] = {"id": f"chatcmpl-preview-{next(_counter)}", "object": "chat.completion.chunk"}
    base |= {"created": int(time.time()), "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return b"data: " + _encode({**base, "choices": [choice]})

    events = [chunk({"role": "assistant", "content": ""})]
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
