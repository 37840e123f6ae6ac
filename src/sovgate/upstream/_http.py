"""A lean keep-alive HTTP/1.1 client for upstream calls (asyncio protocol + httptools parser).

Why not aiohttp/httpx: per request they cost 100-500 us of CPU in header handling and
object layers; a gateway that must add well under 1 ms cannot spend that on a POST
whose head is the same every time. Here the request head is prebuilt per endpoint,
the response is parsed by httptools (C), and connections are pooled per origin.

Scope, deliberately small: POST with a known body length, plain or TLS, responses
with content-length, chunked or read-until-close bodies, `accept-encoding: identity`
(no decompression), streamed bodies with back-pressure. No proxies, no redirects.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

_IDLE_S = 30.0  # a pooled connection unused for longer is closed, not reused
_HIGH_WATER = 1 << 20  # pause reading a stream when this many bytes wait for the consumer


class HttpError(Exception):
    """The exchange failed before a complete response head arrived (or the body broke off)."""


class Endpoint:
    """One upstream URL: where to connect and the constant part of the request head."""

    __slots__ = ("_head", "host", "origin", "port", "server_hostname", "tls")

    def __init__(self, url: str, headers: dict[str, str]):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        self.server_hostname = self.host if self.tls else None
        self.origin = (self.host, self.port, self.tls)
        default_port = parts.port is None or parts.port == (443 if self.tls else 80)
        host_header = self.host if default_port else f"{self.host}:{self.port}"
        if ":" in self.host and not self.host.startswith("["):  # IPv6 literal
            host_header = f"[{self.host}]" if default_port else f"[{self.host}]:{self.port}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"POST {target} HTTP/1.1", f"host: {host_header}", "accept-encoding: identity"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self._head = ("\r\n".join(lines) + "\r\ncontent-length: ").encode("latin-1")

    def head(self, body_length: int) -> bytes:
        return self._head + str(body_length).encode() + b"\r\n\r\n"


class Response:
    """Status and headers at once; the body read whole (`read`) or as it arrives (`iter_chunks`)."""

    __slots__ = ("_conn", "headers", "status")

    def __init__(self, conn: _Connection, status: int, headers: dict[bytes, bytes]):
        self._conn, self.status, self.headers = conn, status, headers

    async def read(self) -> bytes:
        chunks = [chunk async for chunk in self.iter_chunks()]
        return b"".join(chunks)

    async def iter_chunks(self, timeout: float | None = None) -> AsyncIterator[bytes]:
        """Body chunks as they arrive; `timeout` bounds the wait for each one."""
        conn = self._conn
        while True:
            chunk = await conn.next_chunk(timeout)
            if chunk is None:
                return
            yield chunk

    def release(self) -> None:
        """Give the connection back when the body was read to its end, else close it."""
        self._conn.finish()


class _Connection(asyncio.Protocol):
    __slots__ = (
        "_body",
        "_buffered",
        "_complete",
        "_error",
        "_head_waiter",
        "_headers",
        "_keep_alive",
        "_length_known",
        "_reading_paused",
        "_waiter",
        "idle_since",
        "origin",
        "parser",
        "pool",
        "reused",
        "transport",
    )

    def __init__(self, pool: HttpPool, origin: tuple[str, int, bool]):
        self.pool = pool
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.idle_since = 0.0
        self.reused = False
        self._reset()
        self._complete = True  # nothing in flight yet

    def _reset(self) -> None:
        self._headers: dict[bytes, bytes] = {}
        self._body: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._complete = False
        self._keep_alive = False
        self._error: BaseException | None = None
        self._head_waiter: asyncio.Future[int] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._length_known = False
        self._reading_paused = False

    # --- asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"malformed response ({exc})"))
            self.close()

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost finishes the exchange

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.pool.forget(self)
        if self._complete:
            return
        if self._head_waiter is None and not self._length_known and exc is None:
            # the head is in and the body was delimited by the connection closing
            self._complete = True
            self._wake()
            return
        self._fail(HttpError(f"connection closed ({exc or 'by the server'})"))

    # --- httptools callbacks ----------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        self._headers[name] = value
        if name == b"content-length" or (name == b"transfer-encoding" and b"chunked" in value.lower()):
            self._length_known = True

    def on_headers_complete(self) -> None:
        waiter, self._head_waiter = self._head_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(self.parser.get_status_code())

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and self.transport is not None and not self._reading_paused:
            self.transport.pause_reading()
            self._reading_paused = True
        self._wake()

    def on_message_complete(self) -> None:
        # only valid inside this callback: the parser resets right after it
        self._keep_alive = self.parser.should_keep_alive()
        self._complete = True
        self._wake()

    # --- the exchange -------------------------------------------------------------------

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        self._error = exc
        waiter, self._head_waiter = self._head_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self._wake()

    async def send(self, head: bytes, body: bytes) -> Response:
        assert self.transport is not None
        self._reset()
        self._head_waiter = asyncio.get_running_loop().create_future()
        self.transport.writelines((head, body))
        status = await self._head_waiter
        return Response(self, status, self._headers)

    async def next_chunk(self, timeout: float | None = None) -> bytes | None:
        """The next body chunk, None at the end; TimeoutError after `timeout` s without data."""
        while True:
            if self._body:
                chunk = self._body.popleft()
                self._buffered -= len(chunk)
                if self._reading_paused and self._buffered < _HIGH_WATER // 2 and self.transport is not None:
                    self.transport.resume_reading()
                    self._reading_paused = False
                return chunk
            if self._complete:
                return None
            if self._error is not None:
                raise self._error
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            # a timer only when we really wait (buffered chunks cost none): cheaper than asyncio.timeout
            timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
            try:
                await waiter
            finally:
                if timer is not None:
                    timer.cancel()

    def finish(self) -> None:
        if self._complete and not self._body and self._keep_alive and self.transport is not None:
            self.pool.put_back(self)
        else:
            self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        self.pool.forget(self)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class HttpPool:
    """Keep-alive connections per origin; create and use inside one event loop."""

    def __init__(self, *, max_idle_per_origin: int = 256, ssl_context: ssl.SSLContext | None = None):
        self._idle: dict[tuple[str, int, bool], list[_Connection]] = {}
        self._all: set[_Connection] = set()
        self._max_idle = max_idle_per_origin
        self._ssl = ssl_context
        self._closed = False

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    async def _connect(self, ep: Endpoint, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(self, ep.origin),
                    ep.host,
                    ep.port,
                    ssl=self._ssl_context() if ep.tls else None,
                    server_hostname=ep.server_hostname,
                )
        except TimeoutError:
            raise
        except OSError as exc:
            raise HttpError(f"cannot connect to {ep.host}:{ep.port} ({exc.strerror or exc})") from None
        self._all.add(conn)
        return conn

    def _idle_connection(self, ep: Endpoint) -> _Connection | None:
        idle = self._idle.get(ep.origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if (
                conn.transport is not None
                and not conn.transport.is_closing()
                and now - conn.idle_since < _IDLE_S
            ):
                conn.reused = True
                return conn
            conn.close()
        return None

    async def post(self, ep: Endpoint, body: bytes, timeout: float) -> Response:
        """Send; return once the response head is in (the caller reads the body, then `release()`s)."""
        if self._closed:
            raise HttpError("the client is closed")
        head = ep.head(len(body))
        conn = self._idle_connection(ep)
        if conn is not None:
            try:
                async with asyncio.timeout(timeout):
                    return await conn.send(head, body)
            except HttpError:
                # the server closed the idle connection as we sent: once more on a fresh one
                conn.close()
            except BaseException:
                conn.close()
                raise
        conn = await self._connect(ep, timeout)
        try:
            async with asyncio.timeout(timeout):
                return await conn.send(head, body)
        except BaseException:
            conn.close()
            raise

    def put_back(self, conn: _Connection) -> None:
        idle = self._idle.setdefault(conn.origin, [])
        if self._closed or len(idle) >= self._max_idle:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def forget(self, conn: _Connection) -> None:
        self._all.discard(conn)
        idle = self._idle.get(conn.origin)
        if idle and conn in idle:
            idle.remove(conn)

    async def close(self) -> None:
        self._closed = True
        for conn in list(self._all):
            conn.close()
        self._idle.clear()
