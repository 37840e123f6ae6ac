"""A fake OpenAI-compatible provider on loopback.

Speaks the real wire format (https://platform.openai.com/docs/api-reference/chat):
chat.completion objects, SSE `chat.completion.chunk` streams ending in `data: [DONE]`,
tool_calls streamed as deltas (id/type/name first, then argument fragments), usage
chunks when `stream_options.include_usage`, embeddings lists, and errors as
`{"error": {...}}` with the HTTP status a real provider uses.

What it answers is derived from what it received, so tests can see both sides:
- the last user message -> content "echo: <text>" (placeholders come back and
  must be restored by the gateway);
- with `tools` and a last user message -> a tool call of the first tool with
  arguments {"query": "<text>"};
- with a last `tool` message -> "tool said: <content>".
Streams are cut into `chunk_chars`-character deltas, so placeholders are split
across chunks.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def text(self) -> str:
        """Everything the provider saw, as one string (for 'never received X' checks)."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class FakeOpenAI:
    name: str
    api_key: str | None = None
    auth_header: str = "authorization"  # or api-key / x-api-key / x-goog-api-key
    chunk_chars: int = 5
    fail_status: int | None = None  # answer every request with this error status
    fail_headers: dict[str, str] = field(default_factory=dict)  # sent with it (e.g. retry-after)
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0  # pause between streamed chunks
    break_after: int | None = None  # drop the connection after this many streamed content chunks
    # answer every request with 200 and exactly this (body, content type): a misbehaving provider
    raw_answer: tuple[bytes, str] | None = None
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- lifecycle (own thread and loop, so sync and async tests can use it) --------

    def start(self) -> FakeOpenAI:
        ready = threading.Event()

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            loop.run_until_complete(self._start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())  # type: ignore[union-attr]
            loop.close()

        self._thread = threading.Thread(target=run, name=f"fake-{self.name}", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake upstream did not start")
        return self

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/completions", self._text)
        app.router.add_post("/v1/embeddings", self._embeddings)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = self._thread = None

    def __post_init__(self) -> None:
        self._chunk_chars = self.chunk_chars

    def reset(self) -> None:
        """Forget what was received and undo every knob a test turned."""
        self.received.clear()
        self.chunk_chars = self._chunk_chars
        self.fail_status = None
        self.fail_headers = {}
        self.delay_s = 0.0
        self.break_after = None
        self.chunk_delay_s = 0.0
        self.raw_answer = None

    # --- handlers ------------------------------------------------------------------

    async def _receive(self, request: web.Request) -> tuple[Any, web.Response | None]:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.received.append(Received(request.path, {k.lower(): v for k, v in request.headers.items()}, body))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.api_key is not None:
            got = request.headers.get(self.auth_header, "")
            want = f"Bearer {self.api_key}" if self.auth_header == "authorization" else self.api_key
            if got != want:
                return body, _error(
                    401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
                )
        if self.raw_answer is not None:
            raw_body, content_type = self.raw_answer
            return body, web.Response(body=raw_body, headers={"Content-Type": content_type})
        if self.fail_status == 429:  # OpenAI's rate-limit answer
            limited = _error(429, "Rate limit reached for requests.", "requests", "rate_limit_exceeded")
            limited.headers.update(self.fail_headers)
            return body, limited
        if self.fail_status is not None:
            failed = _error(self.fail_status, "The server had an error.", "server_error", None)
            failed.headers.update(self.fail_headers)
            return body, failed
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return body, _error(400, "you must provide a model parameter", "invalid_request_error", None)
        return body, None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body, err = await self._receive(request)
        if err is not None:
            return err
        message, finish = _answer(body)
        cid = f"chatcmpl-{self.name}-{len(self.received)}"
        created = int(time.time())
        if not body.get("stream"):
            return web.json_response(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": body["model"],
                    "system_fingerprint": f"fp_{self.name}",
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                }
            )
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": body["model"]}
        if (body.get("stream_options") or {}).get("include_usage"):
            base["usage"] = None  # as OpenAI: every chunk has `usage`, null but in the last one

        async def emit(delta: dict[str, Any], finish_reason: str | None = None) -> None:
            if self.chunk_delay_s:
                await asyncio.sleep(self.chunk_delay_s)
            chunk = {
                **base,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }
            await resp.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")

        await emit({"role": "assistant", "content": ""})
        n = self.chunk_chars
        if message.get("tool_calls"):
            for k, call in enumerate(message["tool_calls"]):
                fn = call["function"]
                head = {"index": k, "id": call["id"], "type": "function"}
                await emit({"tool_calls": [{**head, "function": {"name": fn["name"], "arguments": ""}}]})
                for i in range(0, len(fn["arguments"]), n):
                    await emit(
                        {"tool_calls": [{"index": k, "function": {"arguments": fn["arguments"][i : i + n]}}]}
                    )
        else:
            text = message["content"]
            for k, i in enumerate(range(0, len(text), n)):
                if self.break_after is not None and k >= self.break_after:
                    request.transport.close()  # type: ignore[union-attr]
                    return resp
                await emit({"content": text[i : i + n]})
        await emit({}, finish)
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
            await resp.write(
                b"data: " + json.dumps({**base, "choices": [], "usage": usage}).encode() + b"\n\n"
            )
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def _text(self, request: web.Request) -> web.StreamResponse:
        """The legacy text completion: "echo: <prompt>" (each prompt of a list is one choice), with
        the suffix of a fill-in-the-middle request after " | "; streamed as text_completion
        chunks whose choices carry `text` (no delta), ending in data: [DONE]."""
        body, err = await self._receive(request)
        if err is not None:
            return err
        prompt = body.get("prompt")
        prompts = prompt if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt) else [prompt]
        suffix = f" | {body['suffix']}" if isinstance(body.get("suffix"), str) else ""
        texts = [f"echo: {p if isinstance(p, str) else json.dumps(p)}{suffix}" for p in prompts]
        cid, created = f"cmpl-{self.name}-{len(self.received)}", int(time.time())
        base = {"id": cid, "object": "text_completion", "created": created, "model": body["model"]}
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        if not body.get("stream"):
            choices = [
                {"text": t, "index": i, "logprobs": None, "finish_reason": "stop"}
                for i, t in enumerate(texts)
            ]
            return web.json_response(
                {**base, "system_fingerprint": f"fp_{self.name}", "choices": choices, "usage": usage}
            )
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        n = self.chunk_chars

        async def emit(i: int, text: str, finish: str | None = None) -> None:
            choice = {"text": text, "index": i, "logprobs": None, "finish_reason": finish}
            await resp.write(b"data: " + json.dumps({**base, "choices": [choice]}).encode() + b"\n\n")

        for i, text in enumerate(texts):
            for k in range(0, len(text), n):
                await emit(i, text[k : k + n])
            await emit(i, "", "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            await resp.write(
                b"data: " + json.dumps({**base, "choices": [], "usage": usage}).encode() + b"\n\n"
            )
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def _embeddings(self, request: web.Request) -> web.Response:
        body, err = await self._receive(request)
        if err is not None:
            return err
        inp = body.get("input")
        items = [inp] if isinstance(inp, str) else list(inp or [])
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(str(x))), 0.5, -0.25, float(i)]}
            for i, x in enumerate(items)
        ]
        usage = {"prompt_tokens": len(items), "total_tokens": len(items)}
        return web.json_response({"object": "list", "data": data, "model": body["model"], "usage": usage})


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _answer(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return {"role": "assistant", "content": f"tool said: {_text(last.get('content'))}"}, "stop"
    user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    text = _text(user.get("content"))
    tools = body.get("tools") or []
    if tools:
        name = tools[0].get("function", {}).get("name", "tool")
        call = {
            "id": "call_abc123",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps({"query": text}, ensure_ascii=False)},
        }
        return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
    return {"role": "assistant", "content": f"echo: {text}", "refusal": None}, "stop"


def _error(status: int, message: str, type_: str, code: str | None) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": type_, "param": None, "code": code}}, status=status
    )
