"""An upstream as minimal as Python's http.server (HTTP/1.0, one connection per request)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai

from fakes import doubles
from fakes.serving import serve_in_thread
from sovgate.gateway.config import parse_config
from sovgate.gateway.pipeline import Gateway
from sovgate.server import create_app
from sovgate.upstream import UpstreamPool


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        text = body["messages"][-1]["content"]
        self.send_response(200)
        if body.get("stream"):
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
                chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": body["model"]}
                chunk["choices"] = [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.write(b"data: [DONE]\n\n")
            return
        answer = {
            "id": "c",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
        }
        self.send_header("content-type", "application/json")
        self.end_headers()  # no content-length: the body ends when the connection closes
        self.wfile.write(json.dumps(answer).encode())


@contextlib.contextmanager
def stdlib_upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_json_and_stream_through_a_stdlib_upstream() -> None:
    with stdlib_upstream() as base:
        config = parse_config(
            f"""
providers: [{{id: mini, protocol: openai, base_url: "{base}", operator_country: FR, hosting: [FR],
             models: {{chat: tiny}}}}]
tenants: [{{id: t, home: FR, api_key_sha256: {hashlib.sha256(b"k").hexdigest()}, route: [mini]}}]
"""
        )

        @contextlib.asynccontextmanager
        async def opener():  # type: ignore[no-untyped-def]
            pool = UpstreamPool(config.providers)
            yield Gateway(
                config,
                classify=doubles.classify,
                decide=doubles.make_decide(config),
                protect=doubles.protect,
                audit=doubles.AuditList(),
                upstreams=pool.adapters,
            )
            await pool.close()

        with serve_in_thread(create_app(opener)) as url:
            client = openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0, timeout=10)
            for _ in range(3):
                done = client.chat.completions.create(
                    model="chat", messages=[{"role": "user", "content": "bonjour"}]
                )
                assert done.choices[0].message.content == "bonjour"
                stream = client.chat.completions.create(
                    model="chat", messages=[{"role": "user", "content": "au revoir"}], stream=True
                )
                assert "".join(c.choices[0].delta.content or "" for c in stream) == "au revoir"
