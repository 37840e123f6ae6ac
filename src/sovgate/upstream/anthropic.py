"""Anthropic's Messages API, translated from and to chat completions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgspec

from sovgate.types import Provider
from sovgate.upstream._anthropic_wire import StreamTranslator, to_completion, to_messages_request
from sovgate.upstream._base import CLIENT_FAULT, Endpoint, Reply, UpstreamError, UpstreamRejected
from sovgate.upstream._outbound import auth_headers, endpoint_url
from sovgate.upstream._sse import event_data, sse_events

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
API_VERSION = "2023-06-01"


class AnthropicAdapter:
    restores = True

    def __init__(self, provider: Provider, session: aiohttp.ClientSession, api_key: str | None):
        self.provider = provider
        self._session = session
        self._url = endpoint_url(provider.base_url, "/messages")
        # Anthropic rejects bearer auth: a config that left the default gets x-api-key
        auth = "x-api-key" if provider.auth == "bearer" else provider.auth
        self._headers = {"content-type": "application/json", "anthropic-version": API_VERSION}
        self._headers |= auth_headers(auth, api_key)
        self._timeout = aiohttp.ClientTimeout(total=provider.timeout_s)
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, connect=provider.timeout_s, sock_read=provider.timeout_s
        )

    def _model(self, body: dict[str, Any]) -> str:
        model = body.get("model", "")
        return self.provider.models.get(model, model)

    async def _post(self, payload: dict[str, Any], timeout: aiohttp.ClientTimeout) -> aiohttp.ClientResponse:
        pid = self.provider.id
        try:
            return await self._session.post(
                self._url, data=_encode(payload), headers=self._headers, timeout=timeout
            )
        except TimeoutError:
            raise UpstreamError(pid, f"timed out after {self.provider.timeout_s:g}s") from None
        except aiohttp.ClientError as exc:
            raise UpstreamError(pid, f"unreachable ({type(exc).__name__})") from None

    async def _fail(self, resp: aiohttp.ClientResponse) -> None:
        try:
            payload = await resp.read()
        except aiohttp.ClientError:
            payload = b""
        finally:
            resp.release()
        if resp.status in CLIENT_FAULT:
            raise UpstreamRejected(self.provider.id, resp.status, _openai_error(payload))
        raise UpstreamError(self.provider.id, f"HTTP {resp.status}", resp.status)

    async def complete(self, endpoint: Endpoint, body: dict[str, Any]) -> Reply:
        if endpoint != "chat":
            raise UpstreamError(self.provider.id, "the Messages API has no embeddings endpoint")
        payload = to_messages_request({**body, "stream": False}, self._model(body))
        resp = await self._post(payload, self._timeout)
        if resp.status != 200:
            await self._fail(resp)
        try:
            data = await resp.read()
        except (TimeoutError, aiohttp.ClientError):
            raise UpstreamError(self.provider.id, "answer broke off") from None
        finally:
            resp.release()
        try:
            return Reply(200, _encode(to_completion(_decode(data))))
        except (msgspec.DecodeError, AttributeError):
            raise UpstreamError(self.provider.id, "unreadable answer") from None

    async def stream(self, body: dict[str, Any]) -> AsyncIterator[bytes]:
        payload = to_messages_request({**body, "stream": True}, self._model(body))
        resp = await self._post(payload, self._stream_timeout)
        if resp.status != 200:
            await self._fail(resp)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return _translate(self.provider.id, resp, StreamTranslator(include_usage))


async def _translate(pid: str, resp: aiohttp.ClientResponse, tr: StreamTranslator) -> AsyncIterator[bytes]:
    try:
        async for event in sse_events(resp.content.iter_any()):
            data = event_data(event)
            if data is None:
                continue
            try:
                chunks = tr.feed(data)
            except (msgspec.DecodeError, AttributeError):
                raise UpstreamError(pid, "unreadable stream event") from None
            for chunk in chunks:
                yield b"data: " + chunk
        yield b"data: [DONE]"
    except TimeoutError:
        raise UpstreamError(pid, "stream stalled (read timeout)") from None
    except aiohttp.ClientError as exc:
        raise UpstreamError(pid, f"stream broken ({type(exc).__name__})") from None
    finally:
        resp.release()


def _openai_error(payload: bytes) -> bytes:
    """Anthropic's {"type": "error", "error": {type, message}} -> the OpenAI error object."""
    try:
        err = _decode(payload).get("error") or {}
    except (msgspec.DecodeError, AttributeError):
        err = {}
    message = err.get("message") or "The provider rejected the request."
    return _encode(
        {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    )
