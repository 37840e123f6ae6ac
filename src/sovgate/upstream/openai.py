"""OpenAI-compatible providers (OpenAI, Azure, Mistral, vLLM, most sovereign clouds)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from sovgate.types import Provider
from sovgate.upstream._base import (
    CLIENT_FAULT,
    Endpoint,
    Hop,
    Reply,
    UpstreamError,
    UpstreamRejected,
    is_hop_value,
)
from sovgate.upstream._http import Endpoint as Target
from sovgate.upstream._http import HttpError, HttpPool, Response
from sovgate.upstream._outbound import ALL_ENDPOINTS, PATHS, auth_headers, endpoint_url, upstream_body
from sovgate.upstream._retry import retry_after_s
from sovgate.upstream._sse import sse_batches

_encode = msgspec.json.Encoder().encode


class OpenAIAdapter:
    restores = True
    endpoints = ALL_ENDPOINTS

    def __init__(self, provider: Provider, http: HttpPool, api_key: str | None):
        self.provider = provider
        self._http = http
        headers = {"content-type": "application/json", **auth_headers(provider.auth, api_key)}
        self._targets = {e: Target(endpoint_url(provider.base_url, p), headers) for e, p in PATHS.items()}
        stream_headers = {**headers, "accept": "text/event-stream"}
        self._stream_targets = {
            e: Target(endpoint_url(provider.base_url, PATHS[e]), stream_headers)
            for e in ("chat", "completions")
        }
        self._timeout = provider.timeout_s
        self.stream_usage = provider.stream_usage

    async def complete(self, endpoint: Endpoint, body: dict[str, Any], hop: Hop | None = None) -> Reply:
        data = _encode(upstream_body(self.provider, body))
        status, payload, wait = await exchange(self.provider, self._http, self._targets[endpoint], data)
        check(self.provider.id, status, payload, wait)
        return Reply(status, payload)

    async def stream(
        self, body: dict[str, Any], hop: Hop | None = None, endpoint: Endpoint = "chat"
    ) -> AsyncIterator[list[bytes]]:
        data = _encode(upstream_body(self.provider, body))
        resp = await open_stream(self.provider, self._http, self._stream_targets[endpoint], data)
        return _events(self.provider, resp)


async def exchange(
    provider: Provider, http: HttpPool, target: Target, data: bytes, hop: Hop | None = None
) -> tuple[int, bytes, float | None]:
    """POST and read the whole answer within the provider's timeout (to a peer gateway: with `hop`):
    status, body, and for an error answer the wait it asked for (Retry-After), if any."""
    try:
        async with asyncio.timeout(provider.timeout_s):
            # this deadline covers the head too
            resp = await http.post(target, data, None, hop_lines(hop) if hop else b"")
            if hop is not None:
                hop.peer_decision = peer_decision(resp.headers)
            try:
                payload = await resp.read()
            finally:
                resp.release()
    except TimeoutError:
        raise UpstreamError(provider.id, f"timed out after {provider.timeout_s:g}s") from None
    except HttpError as exc:
        raise UpstreamError(provider.id, f"unreachable ({exc})") from None
    return resp.status, payload, retry_after_s(resp.headers) if resp.status >= 400 else None


async def open_stream(
    provider: Provider, http: HttpPool, target: Target, data: bytes, hop: Hop | None = None
) -> Response:
    """POST and wait for the response head; a non-200 answer is raised before any byte is forwarded."""
    try:
        resp = await http.post(target, data, provider.timeout_s, hop_lines(hop) if hop else b"")
        if hop is not None:
            hop.peer_decision = peer_decision(resp.headers)
    except TimeoutError:
        raise UpstreamError(provider.id, f"timed out after {provider.timeout_s:g}s") from None
    except HttpError as exc:
        raise UpstreamError(provider.id, f"unreachable ({exc})") from None
    if resp.status != 200:
        try:
            async with asyncio.timeout(provider.timeout_s):
                payload = await resp.read()
        except (TimeoutError, HttpError):
            payload = b""
        finally:
            resp.release()
        wait = retry_after_s(resp.headers)
        (check if hop is None else check_peer)(provider.id, resp.status, payload, wait)
    return resp


async def _events(provider: Provider, resp: Response) -> AsyncIterator[list[bytes]]:
    try:
        # a stream may last long; what must not stall is the gap between chunks
        async for batch in sse_batches(resp.iter_chunks(provider.timeout_s)):
            yield batch
    except TimeoutError:
        raise UpstreamError(provider.id, "stream stalled (read timeout)") from None
    except HttpError as exc:
        raise UpstreamError(provider.id, f"stream broken ({exc})") from None
    finally:
        resp.release()


class PeerAdapter(OpenAIAdapter):
    """Another sovgate gateway (`protocol: sovgate`, federation): the OpenAI wire, plus the hop
    headers that tell the peer where the request comes from (so it never forwards it again and
    records the origin's decision id), and the peer's own decision id read from its answer."""

    async def complete(self, endpoint: Endpoint, body: dict[str, Any], hop: Hop | None = None) -> Reply:
        data = _encode(upstream_body(self.provider, body))
        status, payload, wait = await exchange(self.provider, self._http, self._targets[endpoint], data, hop)
        check_peer(self.provider.id, status, payload, wait)
        return Reply(status, payload)

    async def stream(
        self, body: dict[str, Any], hop: Hop | None = None, endpoint: Endpoint = "chat"
    ) -> AsyncIterator[list[bytes]]:
        data = _encode(upstream_body(self.provider, body))
        resp = await open_stream(self.provider, self._http, self._stream_targets[endpoint], data, hop)
        return _events(self.provider, resp)


def hop_lines(hop: Hop) -> bytes:
    return (
        f"x-sovgate-forwarded-by: {hop.origin}\r\nx-sovgate-forwarded-decision: {hop.decision}\r\n"
    ).encode("latin-1")


def peer_decision(headers: dict[bytes, bytes]) -> str | None:
    """The peer's record id, as the forwarder's log will keep it: 1-200 printable ASCII characters
    (a peer's record ids are 32 hex digits), else "invalid"."""
    value = headers.get(b"x-sovgate-decision")
    if value is None:
        return None
    text = value.decode("latin-1")
    return text if is_hop_value(text) else "invalid"


# A peer's answers that say the request is wrong there, not that the peer is down: its policy
# refused it (403), it serves no such model (404), or the body is bad (400, 413, 422).
_PEER_REFUSALS = CLIENT_FAULT | {403, 404}


def check_peer(pid: str, status: int, payload: bytes, retry_after: float | None = None) -> None:
    """Like `check`, for a peer gateway: its refusals go back to the client as they are (OpenAI
    error format, the peer's reason), and its failures carry its message, so the client learns
    why the other region could not serve the request."""
    if 200 <= status < 300:
        return
    if status in _PEER_REFUSALS:
        raise UpstreamRejected(pid, status, payload)
    message = _error_message(payload)
    reason = f"HTTP {status}: {message}" if message else f"HTTP {status}"
    raise UpstreamError(pid, reason, status, retry_after)


def _error_message(payload: bytes) -> str:
    try:
        error = msgspec.json.decode(payload).get("error") or {}
        message = error.get("message") if isinstance(error, dict) else None
    except (msgspec.DecodeError, AttributeError):
        return ""
    if not isinstance(message, str):
        return ""
    message = " ".join(message.split())  # one line
    return message if len(message) <= 300 else message[:299] + "…"


def check(pid: str, status: int, payload: bytes, retry_after: float | None = None) -> None:
    if 200 <= status < 300:
        return
    if status in CLIENT_FAULT:
        raise UpstreamRejected(pid, status, payload)
    raise UpstreamError(pid, f"HTTP {status}", status, retry_after)
