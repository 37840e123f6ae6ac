"""Anthropic's Messages API, translated from and to chat completions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec

from sovgate.types import Provider
from sovgate.upstream._answer import check_message
from sovgate.upstream._anthropic_wire import StreamTranslator, to_completion, to_messages_request
from sovgate.upstream._base import CLIENT_FAULT, Endpoint, Hop, Reply, UpstreamError, UpstreamRejected
from sovgate.upstream._http import Endpoint as Target
from sovgate.upstream._http import HttpError, HttpPool, Response
from sovgate.upstream._outbound import auth_headers, endpoint_url
from sovgate.upstream._sse import event_data, sse_batches
from sovgate.upstream.openai import exchange, open_stream

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
API_VERSION = "2023-06-01"


class AnthropicAdapter:
    restores = True
    endpoints: frozenset[Endpoint] = frozenset(
        {"chat"}
    )  # the Messages API: no embeddings, no text completions
    stream_usage = True  # the usage chunk is ours, from the Messages stream's counts

    def __init__(self, provider: Provider, http: HttpPool, api_key: str | None):
        self.provider = provider
        self._http = http
        # Anthropic rejects bearer auth: a config that left the default gets x-api-key
        auth = "x-api-key" if provider.auth == "bearer" else provider.auth
        headers = {"content-type": "application/json", "anthropic-version": API_VERSION}
        headers |= auth_headers(auth, api_key)
        self._target = Target(endpoint_url(provider.base_url, "/messages"), headers)
        self._stream_target = Target(
            endpoint_url(provider.base_url, "/messages"), {**headers, "accept": "text/event-stream"}
        )

    def _model(self, body: dict[str, Any]) -> str:
        model = body.get("model", "")
        return self.provider.models.get(model, model)

    async def complete(self, endpoint: Endpoint, body: dict[str, Any], hop: Hop | None = None) -> Reply:
        if endpoint != "chat":
            raise UpstreamError(self.provider.id, "the Messages API has no embeddings endpoint")
        payload = _encode(to_messages_request({**body, "stream": False}, self._model(body)))
        status, data, wait = await exchange(self.provider, self._http, self._target, payload)
        if status != 200:
            self._fail(status, data, wait)
        check_message(self.provider.id, data)
        try:
            return Reply(200, _encode(to_completion(_decode(data))))
        except (msgspec.DecodeError, AttributeError, TypeError, KeyError):
            raise UpstreamError(self.provider.id, "unreadable answer") from None

    def _fail(self, status: int, data: bytes, retry_after: float | None) -> None:
        if status in CLIENT_FAULT:
            raise UpstreamRejected(self.provider.id, status, _openai_error(data))
        raise UpstreamError(self.provider.id, f"HTTP {status}", status, retry_after)

    async def stream(
        self, body: dict[str, Any], hop: Hop | None = None, endpoint: Endpoint = "chat"
    ) -> AsyncIterator[list[bytes]]:
        payload = _encode(to_messages_request({**body, "stream": True}, self._model(body)))
        try:
            resp = await open_stream(self.provider, self._http, self._stream_target, payload)
        except UpstreamRejected as exc:
            raise UpstreamRejected(exc.provider, exc.status, _openai_error(exc.body)) from None
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return _translate(self.provider, resp, StreamTranslator(include_usage))


async def _translate(provider: Provider, resp: Response, tr: StreamTranslator) -> AsyncIterator[list[bytes]]:
    pid = provider.id
    try:
        async for batch in sse_batches(resp.iter_chunks(provider.timeout_s)):
            out: list[bytes] = []
            for event in batch:
                data = event_data(event)
                if data is None:
                    continue
                try:
                    out.extend(b"data: " + chunk for chunk in tr.feed(data))
                except (msgspec.DecodeError, AttributeError, TypeError, KeyError):
                    raise UpstreamError(pid, "unreadable stream event") from None
            if out:
                yield out
        yield [b"data: [DONE]"]
    except TimeoutError:
        raise UpstreamError(pid, "stream stalled (read timeout)") from None
    except HttpError as exc:
        raise UpstreamError(pid, f"stream broken ({exc})") from None
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
