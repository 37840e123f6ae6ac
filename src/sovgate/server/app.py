"""The OpenAI-compatible HTTP surface as a lean ASGI app.

Raw ASGI rather than a framework: the per-request cost of routing and
request/response objects is what issue 7 measures. The body is read and
JSON-decoded exactly once; everything after that is the pipeline's.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec
from uuid_utils import uuid7

from sovgate.gateway.errors import (
    API_PATHS,
    GatewayError,
    bad_request,
    error_body,
    model_not_found,
    rate_limited,
    token_rate_limited,
    unauthorized,
)
from sovgate.gateway.pipeline import Gateway, JsonAnswer, Request, StreamAnswer
from sovgate.server._body import parse_body
from sovgate.server.metrics import Metrics
from sovgate.server.responses import ResponsesCall, to_chat, to_response, translate_stream
from sovgate.server.tracing import Tracing
from sovgate.server.validate import CHECKS
from sovgate.types import Tenant
from sovgate.upstream import is_hop_value

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Opener = Callable[[], contextlib.AbstractAsyncContextManager[Gateway]]

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode
_JSON = (b"content-type", b"application/json")
_SSE = (b"content-type", b"text/event-stream")
_NO_CACHE = (b"cache-control", b"no-cache")
_ROUTES = {("GET" if e == "models" else "POST", path): e for e, path in API_PATHS.items()}
_PATHS = {path for _, path in _ROUTES} | {"/healthz", "/metrics"}
_WITNESS_PATH = "/add-checkpoint"  # C2SP tlog-witness; served when gateway.witness is set
_WITNESS_MAX_BODY = 64 * 1024  # "old N", at most 63 proof lines, a signed checkpoint
_WATCH_AFTER_WRITES = 3


class App:
    """ASGI callable. Give it a Gateway, or an opener that builds one at start-up and closes it after."""

    def __init__(self, gateway: Gateway | Opener):
        self.metrics = Metrics()
        self._flusher: asyncio.Task[None] | None = None
        self._gateway: Gateway | None = gateway if isinstance(gateway, Gateway) else None
        self._opener: Opener | None = None if isinstance(gateway, Gateway) else gateway
        self._stack: contextlib.AsyncExitStack | None = None
        self.tracing: Tracing | None = None  # built at start-up when gateway.tracing is set
        self.witness: Any = None  # sovgate.audit.witness.Witness, when gateway.witness is set

    async def _flush_metrics(self) -> None:
        """Every second, this worker's decision counts and circuit states into the shared files."""
        while True:
            await asyncio.sleep(1.0)
            self.metrics.flush()

    def _start_tracing(self, gw: Gateway) -> None:
        settings = gw.config.gateway.tracing
        if settings is not None:  # at start-up in each worker process: after any fork
            self.tracing = Tracing(settings, gw.providers, gw.config.gateway.region)

    def _start_witness(self, gw: Gateway) -> None:
        if gw.config.gateway.witness is not None:
            from sovgate.gateway.runtime import open_witness

            self.witness = open_witness(gw.config)

    async def _add_checkpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A peer log asks this gateway, its witness, to cosign a checkpoint (no API key: the log's
        signature and the consistency proof are what the witness checks)."""
        raw = await _read_body(scope, receive, _WITNESS_MAX_BODY)
        if raw is None:
            status, body, ctype = 413, "add-checkpoint request too large\n", "text/plain; charset=utf-8"
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = ""  # malformed: the witness answers 400
            try:  # the state file is replaced with an fsync: off the event loop
                reply = await asyncio.to_thread(self.witness.add_checkpoint, text)
                status, body, ctype = reply.status, reply.body, reply.content_type
            except Exception as exc:  # its state file unreadable, a full disk: nothing was cosigned
                print(f"sovgate: witness: add-checkpoint failed: {exc!r}", file=sys.stderr)
                status, ctype = 503, "text/plain; charset=utf-8"
                body = "the witness cannot read or save its state; nothing was cosigned, retry later\n"
        await _raw(send, status, body.encode(), [(b"content-type", ctype.encode()), *_headers(None, "none")])

    def _watch(self, gw: Gateway) -> None:
        gw.on_attempt = self.metrics.attempt
        gw.on_tokens = self.metrics.tokens
        gw.on_record = self.metrics.record
        self.metrics.watch_breakers(gw.providers, gw.router.health)

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            raise RuntimeError("the gateway is not started (lifespan)")
        return self._gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if self._opener is not None:
                        self._stack = contextlib.AsyncExitStack()
                        self._gateway = await self._stack.enter_async_context(self._opener())
                    self._watch(self.gateway)
                    if self.metrics.shared_dir is not None:  # serve --workers N: see metrics.py
                        self._flusher = asyncio.ensure_future(self._flush_metrics())
                    self._start_tracing(self.gateway)
                    self._start_witness(self.gateway)
                except Exception as exc:
                    await send(
                        {"type": "lifespan.startup.failed", "message": f"sovgate: cannot start: {exc}"}
                    )
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._flusher is not None:
                    self._flusher.cancel()
                try:
                    if self._stack is not None:  # closing the gateway ends its background appends
                        await self._stack.aclose()
                finally:
                    if self._flusher is not None:  # this worker's last counts, for the others to report
                        self.metrics.flush()
                    if self.tracing is not None:  # export what is queued (blocking: off the loop)
                        await asyncio.to_thread(self.tracing.shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        endpoint = _ROUTES.get((method, path))
        if endpoint is None and method == "GET" and path.startswith("/v1/models/"):
            endpoint = "model"
        if endpoint is None:
            if path == _WITNESS_PATH and self.witness is not None:
                if method == "POST":
                    return await self._add_checkpoint(scope, receive, send)
                err = GatewayError(405, f"Method {method} not allowed on {path}.", code="method_not_allowed")
                return await _respond(send, err.status, err.body(), None, "none")
            if path == "/healthz" and method == "GET":
                return await _respond(send, 200, b'{"status":"ok"}', None, "none")
            if path == "/metrics" and not self.gateway.config.gateway.metrics:
                err = GatewayError(404, f"Unknown path {path}.", code="not_found")
                return await _respond(send, err.status, err.body(), None, "none")
            if path == "/metrics" and method == "GET":
                head = [
                    (b"content-type", b"text/plain; version=0.0.4; charset=utf-8"),
                    *_headers(None, "none"),
                ]
                return await _raw(send, 200, self.metrics.render(), head)
            if path in _PATHS:
                err = GatewayError(405, f"Method {method} not allowed on {path}.", code="method_not_allowed")
            elif path.startswith("/v1/responses/"):
                err = GatewayError(
                    404,
                    "sovgate keeps no responses (each one has store: false); the audit log keeps its "
                    "decision: `sovgate audit show <the id after resp_>`.",
                    code="not_found",
                )
            else:
                err = GatewayError(404, f"Unknown path {path}.", code="not_found")
            return await _respond(send, err.status, err.body(), None, "none")
        started = time.perf_counter()
        gw = self.gateway
        # time-ordered (UUIDv7): the audit store's index of record ids grows at its end instead of
        # dirtying a random page per record (commits of 32 records into a log of 300k: 17 against
        # 30 µs of the writer's CPU per record)
        req = Request(id=uuid7().hex, endpoint=endpoint, started=started, time=time.time())
        if self.tracing is None:
            await self._answer(gw, req, scope, receive, send)
            return
        trace = req.trace = self.tracing.start(scope["headers"], endpoint, req.id)
        status = 500  # what the trace says if answering fails
        try:
            status = await self._answer(gw, req, scope, receive, send)
        finally:
            trace.finish(status)

    async def _answer(self, gw: Gateway, req: Request, scope: Scope, receive: Receive, send: Send) -> int:
        """Serve an API request and send its answer; returns the HTTP status sent."""
        endpoint, started = req.endpoint, req.started
        gw.working += 1  # until its answer is ready (a stream's: until the stream is opened)
        try:
            answer = await self._serve(gw, req, scope, receive)
        except Exception as exc:  # last line of defence: clean error, recorded
            print(f"sovgate: request {req.id} failed: {exc!r}", file=sys.stderr)
            err = GatewayError(500, "Internal gateway error.", type="server_error", code="internal_error")
            answer = await gw.refuse(req, err)
        finally:
            gw.working -= 1
        provider = answer.provider or "none"
        if isinstance(answer, StreamAnswer):
            await _stream(send, receive, answer, req.id)
            self.metrics.observe(endpoint, 200, provider, time.perf_counter() - started)
            return 200
        if answer.retry_after is not None:
            # whole seconds, rounded up (RFC 9110), and milliseconds, which the OpenAI SDKs read first
            retry = [
                (b"retry-after", str(max(1, math.ceil(answer.retry_after))).encode()),
                (b"retry-after-ms", str(max(1, math.ceil(answer.retry_after * 1000))).encode()),
            ]
            await _raw(send, answer.status, answer.body, [_JSON, *retry, *_headers(answer.provider, req.id)])
        else:
            await _respond(send, answer.status, answer.body, answer.provider, req.id)
        self.metrics.observe(endpoint, answer.status, provider, time.perf_counter() - started)
        return answer.status

    async def _serve(
        self, gw: Gateway, req: Request, scope: Scope, receive: Receive
    ) -> JsonAnswer | StreamAnswer:
        token = _bearer(scope["headers"])
        if token is None:
            return await gw.refuse(
                req, unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'.")
            )
        tenant = gw.authenticate(token)
        if tenant is None:
            return await gw.refuse(req, unauthorized("Incorrect API key provided."))
        req.tenant = tenant
        if req.endpoint == "models":
            data = [_model(m) for m in gw.models(tenant)]
            return await gw.record_listing(req, _encode({"object": "list", "data": data}))
        if req.endpoint == "model":
            name = scope["path"][len("/v1/models/") :]
            if name not in gw.serving[tenant.id]:
                return await gw.refuse(req, model_not_found(name, gw.models(tenant)))
            return await gw.record_listing(req, _encode(_model(name)))
        headers = scope["headers"]
        bad_hop: GatewayError | None = None
        try:  # first: a forwarded request refused for its rate or its body still names its origin
            req.forwarded_by = _hop_header(headers, b"x-sovgate-forwarded-by", tenant)
            req.forwarded_decision = _hop_header(headers, b"x-sovgate-forwarded-decision", tenant)
        except GatewayError as err:
            bad_hop = err
        budget = gw.limits.limits.get(tenant.id) if gw.limits is not None else None
        if budget is not None:  # listings are free; a completion is checked before its body is read
            assert gw.limits is not None
            if budget.tokens_per_minute is not None:  # first: this check counts nothing
                wait = await gw.limits.token_wait(tenant)
                if wait > 0:
                    return await gw.refuse(req, token_rate_limited(tenant.id, budget.tokens_per_minute, wait))
            rpm = budget.requests_per_minute
            if rpm is not None:
                wait = await gw.limits.acquire(tenant)  # each refusal is a durable record too
                if wait > 0:
                    refusal = rate_limited(tenant.id, rpm, gw.limits.burst_of(tenant.id), wait)
                    return await gw.refuse(req, refusal)
        if bad_hop is not None:
            return await gw.refuse(req, bad_hop)
        limit = gw.config.gateway.max_body_bytes
        raw = await _read_body(scope, receive, limit)
        if raw is None:
            too_large = GatewayError(
                413, f"Request body larger than {limit} bytes.", code="request_too_large"
            )
            return await gw.refuse(req, too_large)
        try:
            body = parse_body(raw)
        except GatewayError as err:
            return await gw.refuse(req, err)
        req.body, req.raw = body, raw
        req.conversation = _header(headers, b"x-sovgate-conversation")
        call: ResponsesCall | None = None
        try:
            if req.endpoint == "responses":  # the chat completion it means goes through the pipeline
                body, call = to_chat(body, req.id)
                req.body = body
            CHECKS[req.endpoint](body)
        except GatewayError as err:
            return await gw.refuse(req, err)
        answer = await gw.handle(req)
        return answer if call is None else _as_response(answer, call)


def _as_response(answer: JsonAnswer | StreamAnswer, call: ResponsesCall) -> JsonAnswer | StreamAnswer:
    """A chat answer as the Responses API's: errors are the same in both, completions are not."""
    if isinstance(answer, StreamAnswer):
        return StreamAnswer(answer.provider, translate_stream(answer.events, call))
    if answer.status != 200:
        return answer
    return JsonAnswer(200, to_response(call, answer.body), answer.provider)


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "sovgate"}


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def _hop_header(headers: list[tuple[bytes, bytes]], name: bytes, tenant: Tenant) -> str | None:
    """A federation header as sent by a peer gateway (a tenant with `peer: true`): printable
    ASCII, at most 200 characters. From any other tenant it is refused: what a log records as a
    link to another region's log must come from that region's gateway."""
    value = _header(headers, name)
    if value is None:
        return None
    if not tenant.peer:
        raise bad_request(
            f"Header {name.decode()} is only accepted from a peer gateway (a tenant with peer: true).",
            code="invalid_header",
        )
    if not is_hop_value(value):
        raise bad_request(
            f"Header {name.decode()} must be 1-200 printable ASCII characters "
            "(a peer gateway's audit log origin or record id).",
            code="invalid_header",
        )
    return value


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
        if name == b"api-key":  # Azure-style clients
            return value.decode("latin-1").strip() or None
    return None


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when it exceeds `limit` bytes."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                if int(value) > limit:
                    return None
            except ValueError:
                pass
            break
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _headers(provider: str | None, decision: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"x-sovgate-provider", (provider or "none").encode()),
        (b"x-sovgate-decision", decision.encode()),
    ]


async def _respond(send: Send, status: int, body: bytes, provider: str | None, decision: str) -> None:
    await _raw(send, status, body, [_JSON, *_headers(provider, decision)])


async def _raw(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _stream(send: Send, receive: Receive, answer: StreamAnswer, decision: str) -> None:
    headers = [_SSE, _NO_CACHE, *_headers(answer.provider, decision)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    events: AsyncIterator[bytes] = answer.events
    # The server drops writes to a closed connection silently: watch for the disconnect so the
    # upstream stream is closed and the record says the client left. Started only once a stream
    # has lasted a few writes: a short stream is over before a watcher would pay for itself.
    gone: asyncio.Future[None] | None = None
    writes = 0
    more = True
    try:
        async for event in events:
            if gone is not None and gone.done():
                break
            # the final [DONE] ends the response in the same write
            more = not event.endswith(b"data: [DONE]\n\n")
            await send({"type": "http.response.body", "body": event, "more_body": more})
            if not more:
                break
            writes += 1
            if gone is None and writes >= _WATCH_AFTER_WRITES:
                gone = asyncio.ensure_future(_disconnected(receive))
    finally:
        if gone is not None:
            gone.cancel()
        await events.aclose()  # type: ignore[attr-defined]
    if more:
        await send({"type": "http.response.body", "body": b""})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def create_app(gateway: Gateway | Opener) -> App:
    return App(gateway)


__all__ = ["App", "create_app", "error_body"]
