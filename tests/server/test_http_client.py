"""The upstream HTTP client against a raw loopback server that sends exactly the bytes a test wants."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sovgate.upstream._http import Endpoint, HttpError, HttpPool

Reply = Callable[[bytes], bytes | None]  # request bytes -> raw response (None: close without answering)


class RawServer:
    def __init__(self, reply: Reply, close_after: bool = False):
        self.reply, self.close_after = reply, close_after
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(_header(head, b"content-length"))
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                answer = self.reply(head + body)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


def _header(head: bytes, name: bytes) -> bytes:
    for line in head.split(b"\r\n"):
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    raise KeyError(name)


async def serve(server: RawServer) -> tuple[asyncio.AbstractServer, str]:
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    return srv, f"http://127.0.0.1:{port}/v1/chat/completions?api-version=1"


def ok(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )


@pytest.fixture
async def pool() -> AsyncIterator[HttpPool]:
    p = HttpPool()
    yield p
    await p.close()


async def test_keep_alive_reuses_one_connection_and_sends_the_exact_head(pool: HttpPool) -> None:
    server = RawServer(lambda req: ok(b'{"n": 1}'))
    srv, url = await serve(server)
    ep = Endpoint(url, {"authorization": "Bearer k"})
    for _ in range(3):
        resp = await pool.post(ep, b'{"a": 1}', 5)
        assert resp.status == 200 and await resp.read() == b'{"n": 1}'
        resp.release()
    assert server.connections == 1
    head = server.requests[0].split(b"\r\n")
    assert head[0] == b"POST /v1/chat/completions?api-version=1 HTTP/1.1"
    assert b"authorization: Bearer k" in head and b"content-length: 8" in head
    assert head[1] == b"host: " + url.split("/")[2].encode()
    srv.close()


async def test_chunked_and_close_delimited_bodies(pool: HttpPool) -> None:
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    server = RawServer(lambda req: chunked)
    srv, url = await serve(server)
    resp = await pool.post(Endpoint(url, {}), b"{}", 5)
    assert await resp.read() == b"hello world"
    resp.release()
    srv.close()
    server = RawServer(
        lambda req: b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end", close_after=True
    )
    srv, url = await serve(server)
    resp = await pool.post(Endpoint(url, {}), b"{}", 5)
    assert await resp.read() == b"until the end"
    resp.release()
    srv.close()


async def test_idle_connection_closed_by_the_server_is_replaced(pool: HttpPool) -> None:
    server = RawServer(lambda req: ok(b"x"), close_after=True)  # closes after every answer
    srv, url = await serve(server)
    ep = Endpoint(url, {})
    for _ in range(3):
        resp = await pool.post(ep, b"{}", 5)
        assert await resp.read() == b"x"
        resp.release()
        await asyncio.sleep(0.01)
    assert server.connections == 3
    srv.close()


async def test_errors(pool: HttpPool) -> None:
    srv, url = await serve(RawServer(lambda req: b"NOT HTTP AT ALL\r\n\r\n"))
    with pytest.raises(HttpError, match="malformed"):
        await pool.post(Endpoint(url, {}), b"{}", 5)
    srv.close()
    srv, url = await serve(RawServer(lambda req: None))  # hangs up without answering
    with pytest.raises(HttpError, match="connection closed"):
        await pool.post(Endpoint(url, {}), b"{}", 5)
    srv.close()
    await srv.wait_closed()
    with pytest.raises(HttpError, match="cannot connect"):
        await pool.post(Endpoint(url, {}), b"{}", 5)


async def test_timeout_waiting_for_the_head(pool: HttpPool) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    srv = await asyncio.start_server(silent, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}/v1"
    with pytest.raises(TimeoutError):
        await pool.post(Endpoint(url, {}), b"{}", 0.2)
    srv.close()


async def test_streamed_body_arrives_in_pieces_with_back_pressure(pool: HttpPool) -> None:
    big = b"data: " + b"x" * (3 << 20) + b"\n\n"
    srv, url = await serve(RawServer(lambda req: ok(big)))
    resp = await pool.post(Endpoint(url, {}), b"{}", 5)
    pieces = []
    async for chunk in resp.iter_chunks(timeout=5):
        pieces.append(chunk)
        await asyncio.sleep(0)  # a slow consumer
    resp.release()
    assert b"".join(pieces) == big and len(pieces) > 1
    srv.close()


def test_endpoint_rejects_non_http_urls() -> None:
    with pytest.raises(ValueError):
        Endpoint("ftp://example.com/v1", {})
    assert Endpoint("https://api.example.com/v1", {}).port == 443


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    """A throwaway certificate for localhost (cryptography is a runtime dependency already)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def test_tls_with_certificate_verification(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    server = RawServer(lambda req: ok(b'{"tls": true}'))
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=server_ctx)
    url = f"https://localhost:{srv.sockets[0].getsockname()[1]}/v1/embeddings"
    trusting = HttpPool(ssl_context=ssl.create_default_context(cafile=str(cert)))
    try:
        resp = await trusting.post(Endpoint(url, {}), b"{}", 5)
        assert await resp.read() == b'{"tls": true}'
        resp.release()
    finally:
        await trusting.close()
    default = HttpPool()  # system CAs: the self-signed certificate must be rejected
    try:
        with pytest.raises(HttpError, match="cannot connect"):
            await default.post(Endpoint(url, {}), b"{}", 5)
    finally:
        await default.close()
    srv.close()


async def test_http10_stream_without_length_ends_at_close(pool: HttpPool) -> None:
    """What Python's http.server sends by default: HTTP/1.0, no length, the body ends at close."""
    events = b'data: {"a": 1}\n\ndata: [DONE]\n\n'
    srv, url = await serve(
        RawServer(
            lambda req: b"HTTP/1.0 200 OK\r\ncontent-type: text/event-stream\r\n\r\n" + events,
            close_after=True,
        )
    )
    resp = await pool.post(Endpoint(url, {}), b"{}", 5)
    assert resp.status == 200
    assert b"".join([c async for c in resp.iter_chunks(timeout=5)]) == events
    resp.release()
    srv.close()


async def test_a_stalled_body_times_out_between_chunks(pool: HttpPool) -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        await writer.drain()
        await asyncio.sleep(5)

    srv = await asyncio.start_server(stall, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}/v1"
    resp = await pool.post(Endpoint(url, {}), b"{}", 5)
    chunks = resp.iter_chunks(timeout=0.2)
    assert await anext(chunks) == b"first"
    with pytest.raises(TimeoutError):
        await anext(chunks)
    resp.release()  # not read to the end: the connection is closed, not pooled
    assert not pool._idle.get(("127.0.0.1", srv.sockets[0].getsockname()[1], False))
    srv.close()


class Proxy:
    """A minimal HTTP proxy: CONNECT tunnels and absolute-form forwarding; remembers request lines."""

    def __init__(self, refuse_connect: bool = False):
        self.seen: list[str] = []
        self.refuse_connect = refuse_connect

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        first = head.split(b"\r\n", 1)[0].decode()
        self.seen.append(first)
        method, target, _ = first.split(" ")
        if method == "CONNECT":
            if self.refuse_connect:
                writer.write(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
                writer.close()
                return
            host, port = target.rsplit(":", 1)
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = urlsplit(target)
            up_reader, up_writer = await asyncio.open_connection(url.hostname, url.port)
            origin_form = url.path + (f"?{url.query}" if url.query else "")
            up_writer.write(head.replace(target.encode(), origin_form.encode(), 1))
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def start_proxy(proxy: Proxy) -> tuple[asyncio.AbstractServer, str]:
    srv = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    return srv, f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}"


async def test_http_through_a_forward_proxy() -> None:
    server = RawServer(lambda req: ok(b'{"via": "proxy"}'))
    srv, url = await serve(server)
    proxy = Proxy()
    psrv, purl = await start_proxy(proxy)
    pool = HttpPool(proxies={"http": purl})
    try:
        for _ in range(2):
            resp = await pool.post(Endpoint(url, {}), b"{}", 5)
            assert await resp.read() == b'{"via": "proxy"}'
            resp.release()
    finally:
        await pool.close()
    assert proxy.seen == [f"POST {url} HTTP/1.1"]  # one proxied connection, kept alive
    # every request on it names the whole URL (the toy proxy rewrites only the first before piping)
    assert server.requests[1].startswith(f"POST {url} HTTP/1.1".encode())
    srv.close()
    psrv.close()


async def test_https_through_a_connect_tunnel(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    srv = await asyncio.start_server(
        RawServer(lambda req: ok(b"tunnelled")).handle, "127.0.0.1", 0, ssl=server_ctx
    )
    port = srv.sockets[0].getsockname()[1]
    proxy = Proxy()
    psrv, purl = await start_proxy(proxy)
    trusting = ssl.create_default_context(cafile=str(cert))
    pool = HttpPool(ssl_context=trusting, proxies={"https": purl})
    try:
        resp = await pool.post(Endpoint(f"https://localhost:{port}/v1/messages", {}), b"{}", 5)
        assert await resp.read() == b"tunnelled"
        resp.release()
    finally:
        await pool.close()
    assert proxy.seen == [f"CONNECT localhost:{port} HTTP/1.1"]
    refusing = Proxy(refuse_connect=True)
    rsrv, rurl = await start_proxy(refusing)
    pool = HttpPool(ssl_context=trusting, proxies={"https": rurl})
    try:
        with pytest.raises(HttpError, match=r"refused CONNECT localhost:\d+ \(HTTP 403\)"):
            await pool.post(Endpoint(f"https://localhost:{port}/v1/messages", {}), b"{}", 5)
    finally:
        await pool.close()
    for s in (srv, psrv, rsrv):
        s.close()


async def test_loopback_and_no_proxy_hosts_bypass_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    srv, url = await serve(RawServer(lambda req: ok(b"direct")))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    for pool in (HttpPool(), HttpPool(proxies={"http": "http://127.0.0.1:9", "no": "127.0.0.1"})):
        try:
            resp = await pool.post(Endpoint(url, {}), b"{}", 5)
            assert await resp.read() == b"direct"
            resp.release()
        finally:
            await pool.close()
    srv.close()


async def test_chunks_that_arrive_in_one_read_come_out_together(pool: HttpPool) -> None:
    # an SSE stream whose events are separate chunks of chunked encoding, sent in one write:
    # the client hands them over at once, so the gateway forwards them in one write too
    events = [b'data: {"n": %d}\n\n' % i for i in range(5)] + [b"data: [DONE]\n\n"]
    body = b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events) + b"0\r\n\r\n"
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    srv, url = await serve(RawServer(lambda req: head + body))
    resp = await pool.post(Endpoint(url, {}), b"{}", 5)
    reads = [chunk async for chunk in resp.iter_chunks(5)]
    resp.release()
    assert b"".join(reads) == b"".join(events)
    assert len(reads) < len(events), [len(r) for r in reads]
    srv.close()
