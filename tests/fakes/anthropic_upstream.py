"""A fake Anthropic Messages API (https://docs.anthropic.com/en/api/messages) on loopback.

Real wire format: POST /v1/messages with `x-api-key` and `anthropic-version`
headers; answers `{"type": "message", "content": [blocks], "stop_reason", "usage"}`;
streams named SSE events (message_start, content_block_start, ping,
content_block_delta with text_delta / input_json_delta, content_block_stop,
message_delta, message_stop); errors as `{"type": "error", "error": {...}}`.
Answers are derived from the request as in the OpenAI fake ("echo: <last user text>",
a tool_use of the first tool when tools are given).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fakes.openai_upstream import FakeOpenAI


def _error(status: int, type_: str, message: str) -> web.Response:
    return web.json_response({"type": "error", "error": {"type": type_, "message": message}}, status=status)


def _user_text(body: dict[str, Any]) -> str:
    for msg in reversed(body.get("messages") or []):
        if msg.get("role") != "user":
            continue
        content = msg.get("content")
        if isinstance(content, str):
            return content
        texts = [b.get("text", "") for b in content if b.get("type") == "text"]
        results = [b.get("content", "") for b in content if b.get("type") == "tool_result"]
        if results:
            return "tool said: " + " ".join(str(r) for r in results)
        return " ".join(texts)
    return ""


@dataclass
class FakeAnthropic(FakeOpenAI):
    auth_header: str = "x-api-key"

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw)
        from fakes.openai_upstream import Received

        self.received.append(Received(request.path, {k.lower(): v for k, v in request.headers.items()}, body))
        if request.headers.get("anthropic-version") != "2023-06-01":
            return _error(400, "invalid_request_error", "anthropic-version header is required")
        if self.api_key is not None and request.headers.get("x-api-key") != self.api_key:
            return _error(401, "authentication_error", "invalid x-api-key")
        if self.raw_answer is not None:
            raw_body, content_type = self.raw_answer
            return web.Response(body=raw_body, headers={"Content-Type": content_type})
        if self.fail_status is not None:  # Anthropic's rate limit (429) or overload (529)
            kind = "rate_limit_error" if self.fail_status == 429 else "overloaded_error"
            failed = _error(self.fail_status, kind, "Number of requests has exceeded your rate limit.")
            failed.headers.update(self.fail_headers)
            return failed
        if not isinstance(body.get("max_tokens"), int) or not body.get("messages"):
            return _error(400, "invalid_request_error", "max_tokens: Field required")
        text = _user_text(body)
        tools = body.get("tools") or []
        if tools and not text.startswith("tool said: "):
            blocks = [
                {"type": "tool_use", "id": "toolu_01", "name": tools[0]["name"], "input": {"query": text}}
            ]
            stop = "tool_use"
        else:
            blocks = [{"type": "text", "text": text if text.startswith("tool said: ") else f"echo: {text}"}]
            stop = "end_turn"
        message = {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 6},
        }
        if not body.get("stream"):
            return web.json_response(message)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)

        async def event(name: str, data: dict[str, Any]) -> None:
            await resp.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())

        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": 12, "output_tokens": 1},
        }
        await event("message_start", {"type": "message_start", "message": start})
        await event("ping", {"type": "ping"})
        n = self.chunk_chars
        for i, block in enumerate(blocks):
            if block["type"] == "text":
                await event(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": i,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
                for j in range(0, len(block["text"]), n):
                    delta = {"type": "text_delta", "text": block["text"][j : j + n]}
                    await event(
                        "content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta}
                    )
            else:
                head = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
                await event(
                    "content_block_start", {"type": "content_block_start", "index": i, "content_block": head}
                )
                args = json.dumps(block["input"])
                for j in range(0, len(args), n):
                    delta = {"type": "input_json_delta", "partial_json": args[j : j + n]}
                    await event(
                        "content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta}
                    )
            await event("content_block_stop", {"type": "content_block_stop", "index": i})
        await event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 6},
            },
        )
        await event("message_stop", {"type": "message_stop"})
        await resp.write_eof()
        return resp
