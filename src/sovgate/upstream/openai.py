"""OpenAI-compatible providers (OpenAI, Azure, Mistral, vLLM, most sovereign clouds)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec

from sovgate.types import Provider
from sovgate.upstream._base import CLIENT_FAULT, Endpoint, Reply, UpstreamError, UpstreamRejected
from sovgate.upstream._outbound import PATHS, auth_headers, endpoint_url, upstream_body
from sovgate.upstream._sse import sse_events

_encode = msgspec.json.Encoder().encode


class OpenAIAdapter:
    restores = True

    def __init__(self, provider: Provider, session: aiohttp.ClientSession, api_key: str | None):
        self.provider = provider
        self._session = session
        self._urls = {e: endpoint_url(provider.base_url, p) for e, p in PATHS.items()}
        self._headers = {"content-type": "application/json", **auth_headers(provider.auth, api_key)}
        self._stream_headers = {**self._headers, "accept": "text/event-stream"}
        self._timeout = aiohttp.ClientTimeout(total=provider.timeout_s)
        # a stream may last long; what must not stall is the gap between chunks
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, connect=provider.timeout_s, sock_read=provider.timeout_s
        )

    async def complete(self, endpoint: Endpoint, body: dict[str, Any]) -> Reply:
        data = _encode(upstream_body(self.provider, body))
        pid = self.provider.id
        try:
            async with self._session.post(
                self._urls[endpoint], data=data, headers=self._headers, timeout=self._timeout
            ) as resp:
                payload = await resp.read()
                status = resp.status
        except TimeoutError:
            raise UpstreamError(pid, f"timed out after {self.provider.timeout_s:g}s") from None
        except aiohttp.ClientError as exc:
            raise UpstreamError(pid, f"unreachable ({type(exc).__name__})") from None
        _check(pid, status, payload)
        return Reply(status, payload)

    async def stream(self, body: dict[str, Any]) -> AsyncIterator[bytes]:
        data = _encode(upstream_body(self.provider, body))
        pid = self.provider.id
        try:
            resp = await self._session.post(
                self._urls["chat"], data=data, headers=self._stream_headers, timeout=self._stream_timeout
            )
        except TimeoutError:
            raise UpstreamError(pid, f"timed out after {self.provider.timeout_s:g}s") from None
        except aiohttp.ClientError as exc:
            raise UpstreamError(pid, f"unreachable ({type(exc).__name__})") from None
        if resp.status != 200:
            try:
                payload = await resp.read()
            except aiohttp.ClientError:
                payload = b""
            finally:
                resp.release()
            _check(pid, resp.status, payload)
        return _events(pid, resp)


async def _events(pid: str, resp: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for event in sse_events(resp.content.iter_any()):
            yield event
    except TimeoutError:
        raise UpstreamError(pid, "stream stalled (read timeout)") from None
    except aiohttp.ClientError as exc:
        raise UpstreamError(pid, f"stream broken ({type(exc).__name__})") from None
    finally:
        resp.release()


def _check(pid: str, status: int, payload: bytes) -> None:
    if 200 <= status < 300:
        return
    if status in CLIENT_FAULT:
        raise UpstreamRejected(pid, status, payload)
    raise UpstreamError(pid, f"HTTP {status}", status)
