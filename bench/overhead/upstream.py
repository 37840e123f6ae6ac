"""A fake OpenAI-compatible upstream that answers in microseconds.

Raw asyncio protocol on uvloop with httptools parsing; every response is
serialized once at start-up, so a request costs one parse and one write. It
serves:

- POST .../chat/completions: a chat completion, or an SSE stream of
  `STREAM_CHUNKS` content deltas (sent as one write, chunked transfer encoding)
  when the body asks for `"stream": true`;
- POST .../embeddings: one small embedding;
- GET .../models, GET /healthz;
- GET /_bench/stats: request counts and the last chat body it received, so the
  benchmark can check what a gateway actually forwarded (e.g. pseudonymized).

Run: python bench/overhead/upstream.py --port 18001
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
from typing import cast

import httptools
import msgspec

MODEL = "bench-model"
CREATED = 1_700_000_000
ANSWER = (
    "Thank you for contacting support. We have received your request and will process "
    "the refund to the account on file within five business days. Kind regards, the team."
)
STREAM_CHUNKS = 16
_STREAM_RE = re.compile(rb'"stream"\s*:\s*true')


def _words(text: str, parts: int) -> list[str]:
    """Split `text` into `parts` pieces on word boundaries (deltas of a stream)."""
    words = text.split(" ")
    size = max(1, -(-len(words) // parts))
    pieces = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return [p if i == 0 else " " + p for i, p in enumerate(pieces)]


def _usage() -> dict[str, int]:
    return {"prompt_tokens": 512, "completion_tokens": 32, "total_tokens": 544}


def chat_completion_body() -> bytes:
    return msgspec.json.encode(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": CREATED,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": ANSWER},
                    "finish_reason": "stop",
                }
            ],
            "usage": _usage(),
        }
    )


def stream_events() -> list[bytes]:
    """The SSE events of one streamed completion, `[DONE]` included."""

    def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, object]:
        return {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in _words(ANSWER, STREAM_CHUNKS)]
    events.append(chunk({}, "stop"))
    out = [b"data: " + msgspec.json.encode(e) + b"\n\n" for e in events]
    out.append(b"data: [DONE]\n\n")
    return out


def embeddings_body() -> bytes:
    return msgspec.json.encode(
        {
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.0125 * i for i in range(16)]}],
            "model": MODEL,
            "usage": {"prompt_tokens": 8, "total_tokens": 8},
        }
    )


def _response(status: str, body: bytes, content_type: bytes = b"application/json") -> bytes:
    head = (
        b"HTTP/1.1 " + status.encode() + b"\r\n"
        b"content-type: " + content_type + b"\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: keep-alive\r\n\r\n"
    )
    return head + body


def _chunked(events: list[bytes]) -> bytes:
    head = (
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: text/event-stream\r\n"
        b"cache-control: no-cache\r\n"
        b"transfer-encoding: chunked\r\n"
        b"connection: keep-alive\r\n\r\n"
    )
    body = b"".join(f"{len(e):x}\r\n".encode() + e + b"\r\n" for e in events)
    return head + body + b"0\r\n\r\n"


CHAT = _response("200 OK", chat_completion_body())
STREAM = _chunked(stream_events())
EMBEDDINGS = _response("200 OK", embeddings_body())
MODELS = _response(
    "200 OK",
    msgspec.json.encode({"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "bench"}]}),
)
HEALTH = _response("200 OK", b'{"status":"ok"}')
NOT_FOUND = _response(
    "404 Not Found", b'{"error":{"message":"not found","type":"invalid_request_error","code":null}}'
)
BAD_REQUEST = _response(
    "400 Bad Request", b'{"error":{"message":"bad request","type":"invalid_request_error","code":null}}'
)


class Stats:
    """What the upstream has seen; served on GET /_bench/stats."""

    def __init__(self) -> None:
        self.requests = 0
        self.connections = 0
        self.chat = 0
        self.streams = 0
        self.embeddings = 0
        self.last_chat_body = b""

    def response(self) -> bytes:
        return _response(
            "200 OK",
            msgspec.json.encode(
                {
                    "requests": self.requests,
                    "connections": self.connections,
                    "chat": self.chat,
                    "streams": self.streams,
                    "embeddings": self.embeddings,
                    "last_chat_body": self.last_chat_body.decode("utf-8", "replace"),
                }
            ),
        )


class UpstreamProtocol(asyncio.Protocol):
    """One keep-alive connection; httptools calls the on_* methods."""

    __slots__ = ("_body", "_parser", "_stats", "_transport", "_url")

    def __init__(self, stats: Stats) -> None:
        self._stats = stats
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._url = b""
        self._body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._stats.connections += 1

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            assert self._transport is not None
            self._transport.write(BAD_REQUEST)
            self._transport.close()

    def on_message_begin(self) -> None:
        self._url = b""
        self._body = []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        transport = self._transport
        assert transport is not None
        stats = self._stats
        path = self._url.split(b"?", 1)[0].rstrip(b"/")
        method = self._parser.get_method()
        if path == b"/healthz":
            transport.write(HEALTH)
        elif path == b"/_bench/stats":
            transport.write(stats.response())
        else:
            stats.requests += 1  # the API surface only, not the benchmark's own probes
            transport.write(self._api(method, path))
        if not self._parser.should_keep_alive():
            transport.close()

    def _api(self, method: bytes, path: bytes) -> bytes:
        stats = self._stats
        if method == b"POST" and path.endswith(b"/chat/completions"):
            body = b"".join(self._body)
            stats.chat += 1
            stats.last_chat_body = body
            if _STREAM_RE.search(body):
                stats.streams += 1
                return STREAM
            return CHAT
        if method == b"POST" and path.endswith(b"/embeddings"):
            stats.embeddings += 1
            return EMBEDDINGS
        if path.endswith(b"/models"):
            return MODELS
        return NOT_FOUND


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    stats = Stats()
    server = await loop.create_server(lambda: UpstreamProtocol(stats), host, port, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"fake upstream listening on http://{host}:{port}", flush=True)
    async with server:
        await stop.wait()


def main() -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=fmt)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18001)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(serve(args.host, args.port))
    except ImportError:  # uvloop is not built for every platform
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
