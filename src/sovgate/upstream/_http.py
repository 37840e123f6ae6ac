"""A lean keep-alive HTTP/1.1 client for upstream calls (asyncio protocol + httptools parser).

Why not aiohttp/httpx: per request they cost 100-500 us of CPU in header handling and
object layers; a gateway that must add well under 1 ms cannot spend that on a POST
whose head is the same every time. Here the request head is prebuilt per endpoint,
the response is parsed by httptools (C), and connections are pooled per origin.

Scope, deliberately small: POST with a known body length, plain or TLS, responses
with content-length, chunked or read-until-close bodies, `accept-encoding: identity`
(no decompression), streamed bodies with back-pressure, HTTP(S)_PROXY / NO_PROXY (CONNECT
tunnels for HTTPS, absolute-form requests for HTTP). No redirects.
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httptools

T = TypeVar("T")

_IDLE_S = 30.0  # a pooled connection unused for longer is closed, not reused
_HIGH_WATER = 1 << 20  # pause reading a stream when this many bytes wait for the consumer
# NO_PROXY matching as urllib and httpx apply it (in the stdlib, undocumented, not in typeshed)
_proxy_bypass: Callable[[str, dict[str, str]], bool] = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]

# Header lines (b"name: value\r\n"...) added to the requests sent from the current context: trace
# propagation (server/tracing.py) sets them for the duration of one provider attempt.
outbound_headers: ContextVar[bytes] = ContextVar("sovgate_outbound_headers", default=b"")


class HttpError(Exception):
    """The exchange failed before a complete response head arrived (or the body broke off)."""


class Endpoint:
    """One upstream URL: where to connect and the constant part of the request head."""

    __slots__ = ("_head", "_proxy_head", "host", "origin", "port", "server_hostname", "tls")

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
        rest = [
            f"host: {host_header}",
            "accept-encoding: identity",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self._head = _head_bytes(f"POST {target} HTTP/1.1", rest)
        # through a plain-HTTP forward proxy the request line names the whole URL
        self._proxy_head = _head_bytes(f"POST http://{host_header}{target} HTTP/1.1", rest)

    def head(self, body_length: int, forward_proxy: bool = False, extra: bytes = b"") -> bytes:
        start = self._proxy_head if forward_proxy else self._head
        return start + str(body_length).encode() + b"\r\n" + outbound_headers.get() + extra + b"\r\n"


def _head_bytes(request_line: str, lines: list[str]) -> bytes:
    return ("\r\n".join([request_line, *lines]) + "\r\ncontent-length: ").encode("latin-1")


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
        "forward_proxy",
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
        self.forward_proxy = False  # requests on it go to an HTTP forward proxy (absolute-form)
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
        """What arrived of the body since the last call (None at the end); TimeoutError after
        `timeout` s without data. A stream's events that came in one read (httptools reports each
        chunk of chunked encoding on its own) are returned together, to go out in one write."""
        while True:
            if self._body:
                body = self._body
                chunk = body.popleft() if len(body) == 1 else b"".join(body)
                body.clear()
                self._buffered = 0
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


class _Tunnel(asyncio.Protocol):
    """Reads the proxy's answer to CONNECT (a status line and headers, no body)."""

    def __init__(self) -> None:
        self.status: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._buf = b""

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if b"\r\n\r\n" in self._buf and not self.status.done():
            line = self._buf.split(b"\r\n", 1)[0].split()
            self.status.set_result(int(line[1]) if len(line) > 1 and line[1].isdigit() else 0)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.status.done():
            self.status.set_exception(HttpError("the proxy closed the connection"))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class HttpPool:
    """Keep-alive connections per origin; create and use inside one event loop."""

    def __init__(
        self,
        *,
        max_idle_per_origin: int = 256,
        ssl_context: ssl.SSLContext | None = None,
        proxies: Mapping[str, str] | None = None,
    ):
        """`proxies`: {"http": URL, "https": URL, "no": hosts}; default from HTTP(S)_PROXY / NO_PROXY.

        With proxies from the environment, loopback upstreams are always reached directly.
        """
        self._from_env = proxies is None
        self._proxies = dict(urllib.request.getproxies() if proxies is None else proxies)
        self._idle: dict[tuple[str, int, bool], list[_Connection]] = {}
        self._all: set[_Connection] = set()
        self._max_idle = max_idle_per_origin
        self._ssl = ssl_context
        self._closed = False

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    def _proxy(self, ep: Endpoint) -> tuple[str, int] | None:
        url = self._proxies.get("https" if ep.tls else "http")
        if not url:
            return None
        if self._from_env and (_loopback(ep.host) or _proxy_bypass(ep.host, self._proxies)):
            return None
        if not self._from_env and _proxy_bypass(ep.host, {"no": self._proxies.get("no", "")}):
            return None
        parts = urlsplit(url if "://" in url else f"http://{url}")
        return (parts.hostname or "", parts.port or 80)

    async def _connect(self, ep: Endpoint, timeout: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        proxy = self._proxy(ep)
        where = f"{ep.host}:{ep.port}" + (f" via proxy {proxy[0]}:{proxy[1]}" if proxy else "")
        try:
            async with asyncio.timeout(timeout):
                if proxy is None:
                    _, conn = await loop.create_connection(
                        lambda: _Connection(self, ep.origin),
                        ep.host,
                        ep.port,
                        ssl=self._ssl_context() if ep.tls else None,
                        server_hostname=ep.server_hostname,
                    )
                elif not ep.tls:
                    _, conn = await loop.create_connection(lambda: _Connection(self, ep.origin), *proxy)
                    conn.forward_proxy = True
                else:
                    conn = await self._tunnel(loop, ep, proxy)
        except TimeoutError:
            raise
        except OSError as exc:
            raise HttpError(f"cannot connect to {where} ({exc.strerror or exc})") from None
        self._all.add(conn)
        return conn

    async def _tunnel(
        self, loop: asyncio.AbstractEventLoop, ep: Endpoint, proxy: tuple[str, int]
    ) -> _Connection:
        """HTTPS through an HTTP proxy: CONNECT, then TLS with the upstream inside the tunnel."""
        transport, tunnel = await loop.create_connection(_Tunnel, *proxy)
        try:
            authority = f"{ep.host}:{ep.port}"
            transport.write(f"CONNECT {authority} HTTP/1.1\r\nhost: {authority}\r\n\r\n".encode("latin-1"))
            status = await tunnel.status
            if status != 200:
                raise HttpError(f"proxy {proxy[0]}:{proxy[1]} refused CONNECT {authority} (HTTP {status})")
            conn = _Connection(self, ep.origin)
            tls = await loop.start_tls(transport, conn, self._ssl_context(), server_hostname=ep.host)
        except BaseException:
            transport.close()
            raise
        if tls is None:
            raise HttpError("TLS through the proxy tunnel failed")
        conn.connection_made(tls)
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

    async def post(self, ep: Endpoint, body: bytes, timeout: float | None, extra: bytes = b"") -> Response:
        """Send; return once the response head is in (the caller reads the body, then `release()`s).

        `timeout` bounds the wait for the head; None when the caller's own deadline covers it.
        `extra`: header lines (b"name: value\\r\\n"...) sent with this request only.
        """
        if self._closed:
            raise HttpError("the client is closed")
        conn = self._idle_connection(ep)
        if conn is not None:
            try:
                return await _within(timeout, conn.send(ep.head(len(body), conn.forward_proxy, extra), body))
            except HttpError:
                # the server closed the idle connection as we sent: once more on a fresh one
                conn.close()
            except BaseException:
                conn.close()
                raise
        conn = await self._connect(ep, timeout)
        try:
            return await _within(timeout, conn.send(ep.head(len(body), conn.forward_proxy, extra), body))
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


async def _within(timeout: float | None, work: Coroutine[Any, Any, T]) -> T:
    """`await work`, bounded by `timeout` seconds unless None (a caller's deadline covers it)."""
    if timeout is None:
        return await work
    async with asyncio.timeout(timeout):
        return await work
