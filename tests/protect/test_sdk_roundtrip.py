"""Through the official `openai` SDK over loopback HTTP: mask, echo in tiny chunks, restore.

A minimal gateway stand-in (a raw ASGI app on uvicorn) protects each request with
sovgate.protect, hands the masked body to an upstream double that echoes what it
received in 1-3 character SSE chunks, adds invented and mangled placeholders and a
tool call quoting the values, and restores the answer with `ChunkRestorer` /
`restore_response`. The SDK must see the original values, the mangled tokens verbatim
and valid tool-call JSON; the upstream must never see a value.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import uvicorn

from sovgate.messages import extract_segments
from sovgate.protect import ChunkRestorer, MemoryVault, Pseudonymizer, conversation_id, restore_response

from .conftest import locate

VALUES = {
    "Jürgen Weiß": "PERSON",
    "王小明": "PERSON",
    "juergen.weiss@example.de": "EMAIL",
    "DE89 3704 0044 0532 0130 00": "IBAN",
}
TYPES = frozenset(VALUES.values())
MANGLED = " [PERSON_9] [ Person_1 ] [PERSON_1"


def upstream_answer(masked: dict[str, Any]) -> tuple[str, str]:
    """The upstream double: echo the last user message, and call a tool with it."""
    last = masked["messages"][-1]["content"]
    return f"You said: {last}{MANGLED}", json.dumps({"echo": last, "note": "ok"})


def sse_chunks(content: str, arguments: str) -> Iterator[dict[str, Any]]:
    base = {"id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 1, "model": "echo"}
    yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    sizes = [1, 2, 3]
    i = n = 0
    while i < len(content):
        yield {**base, "choices": [{"index": 0, "delta": {"content": content[i : i + sizes[n % 3]]}}]}
        i, n = i + sizes[n % 3], n + 1
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "echo", "arguments": ""}}
    yield {**base, "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]}
    i = 0
    while i < len(arguments):
        piece = arguments[i : i + sizes[n % 3]]
        delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
        yield {**base, "choices": [{"index": 0, "delta": delta}]}
        i, n = i + sizes[n % 3], n + 1
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}


class MiniGateway:
    def __init__(self) -> None:
        self.pz = Pseudonymizer()
        self.vault = MemoryVault()
        self.upstream_saw: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            msg = await receive()
            raw += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        body = json.loads(raw)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        cid = conversation_id("tenant-1", headers, body) or "per-request"
        session = await self.vault.load(cid)
        segments = extract_segments(body)
        masked, report = self.pz.protect(body, segments, locate(segments, VALUES), TYPES, session)
        await self.vault.save(session)
        self.upstream_saw.append(masked)
        content, arguments = upstream_answer(masked)
        if not body.get("stream"):
            answer = {
                "id": "chatcmpl-x",
                "object": "chat.completion",
                "created": 1,
                "model": "echo",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "tool_calls",
                        "message": {
                            "role": "assistant",
                            "content": content,
                            "tool_calls": [
                                {
                                    "id": "c",
                                    "type": "function",
                                    "function": {"name": "echo", "arguments": arguments},
                                }
                            ],
                        },
                    }
                ],
            }
            out = json.dumps(restore_response(answer, session, scope=report.tokens)).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": out})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        cr = ChunkRestorer(session, scope=report.tokens)
        for chunk in sse_chunks(content, arguments):
            data = json.dumps(cr.restore_chunk(chunk), ensure_ascii=False)
            await send(
                {"type": "http.response.body", "body": f"data: {data}\n\n".encode(), "more_body": True}
            )
        for chunk in cr.finish():
            data = json.dumps(chunk, ensure_ascii=False)
            await send(
                {"type": "http.response.body", "body": f"data: {data}\n\n".encode(), "more_body": True}
            )
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[MiniGateway, openai.OpenAI]]:
    app = MiniGateway()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.01)
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test", max_retries=0)
    yield app, client
    server.should_exit = True
    thread.join(5)
    sock.close()


USER = "Bitte schreibe Jürgen Weiß (juergen.weiss@example.de, IBAN DE89 3704 0044 0532 0130 00) und 王小明."


def test_streamed_answer_through_the_sdk(gateway):
    app, client = gateway
    stream = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": USER}], stream=True
    )
    content, args = "", ""
    for chunk in stream:
        for choice in chunk.choices:
            content += choice.delta.content or ""
            for tc in choice.delta.tool_calls or []:
                args += (tc.function.arguments or "") if tc.function else ""
    assert content == f"You said: {USER}{MANGLED}"
    assert json.loads(args) == {"echo": USER, "note": "ok"}
    sent = json.dumps(app.upstream_saw[-1], ensure_ascii=False)
    assert not [v for v in VALUES if v in sent]
    assert "[PERSON_1]" in sent and "[IBAN_1]" in sent


def test_non_streamed_answer_through_the_sdk(gateway):
    _, client = gateway
    resp = client.chat.completions.create(model="echo", messages=[{"role": "user", "content": USER}])
    msg = resp.choices[0].message
    assert msg.content == f"You said: {USER}{MANGLED}"
    assert json.loads(msg.tool_calls[0].function.arguments) == {"echo": USER, "note": "ok"}


def test_multi_turn_conversation_keeps_its_tokens(gateway):
    app, client = gateway
    headers = {"x-sovgate-conversation": "conv-42"}
    first = [{"role": "user", "content": "Mein Kollege ist 王小明."}]
    r1 = client.chat.completions.create(model="echo", messages=first, extra_headers=headers)
    saw1 = app.upstream_saw[-1]["messages"][-1]["content"]
    second = [
        *first,
        {"role": "assistant", "content": r1.choices[0].message.content},
        {"role": "user", "content": USER},
    ]
    r2 = client.chat.completions.create(model="echo", messages=second, extra_headers=headers)
    saw2 = app.upstream_saw[-1]["messages"]
    assert saw1 == "Mein Kollege ist [PERSON_1]."
    assert saw2[0]["content"] == saw1  # same value, same token, in the next turn
    assert saw2[-1]["content"].endswith("und [PERSON_1].")  # 王小明 keeps [PERSON_1]
    assert "[PERSON_2]" in saw2[-1]["content"]  # the new name gets a new token
    assert r2.choices[0].message.content == f"You said: {USER}{MANGLED}"
