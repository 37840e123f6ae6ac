"""The Responses API bridge as plain functions: requests to chat completions, chat answers and
chunks back to Responses objects and events (server/responses.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from sovgate.gateway.errors import GatewayError
from sovgate.server.responses import ResponseEvents, to_chat, to_response, translate_stream

RID = "0192f0c0ffee"


def chat(body: dict[str, Any]) -> dict[str, Any]:
    return to_chat({"model": "chat"} | body, RID)[0]


def test_settings_map_to_their_chat_names() -> None:
    out = chat(
        {
            "input": "hi",
            "stream": True,
            "max_output_tokens": 64,
            "temperature": 0.2,
            "top_p": 0.9,
            "user": "u-1",
            "parallel_tool_calls": False,
            "reasoning": {"effort": "low"},
            "text": {
                "format": {"type": "json_schema", "name": "r", "schema": {"type": "object"}, "strict": True}
            },
            "tool_choice": {"type": "function", "name": "lookup"},
            "tools": [
                {"type": "function", "name": "lookup", "parameters": {"type": "object"}, "strict": True}
            ],
            "metadata": {"k": "v"},
            "include": ["reasoning.encrypted_content"],  # what stateless agent clients send
            "store": True,
            "truncation": "disabled",
        }
    )
    assert out == {
        "model": "chat",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "max_tokens": 64,
        "temperature": 0.2,
        "top_p": 0.9,
        "user": "u-1",
        "parallel_tool_calls": False,
        "reasoning_effort": "low",
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "r", "schema": {"type": "object"}, "strict": True},
        },
        "tool_choice": {"type": "function", "function": {"name": "lookup"}},
        "tools": [
            {
                "type": "function",
                "function": {"name": "lookup", "parameters": {"type": "object"}, "strict": True},
            }
        ],
    }


def test_input_items_become_one_conversation() -> None:
    call = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}
    out = chat(
        {
            "instructions": "Be brief.",
            "input": [
                {"type": "message", "role": "developer", "content": "Use metric units."},
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "What is in"},
                        {"type": "input_image", "image_url": "https://x.example/a.png", "detail": "low"},
                        {
                            "type": "input_file",
                            "filename": "a.pdf",
                            "file_data": "data:application/pdf;base64,JVBE",
                        },
                    ],
                },
                {"role": "assistant", "content": [{"type": "output_text", "text": "Let me look."}]},
                call,
                call | {"call_id": "c2"},  # parallel calls: one assistant turn
                {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA"},
                {"type": "function_call_output", "call_id": "c1", "output": "42"},
                {
                    "type": "function_call_output",
                    "call_id": "c2",
                    "output": [{"type": "input_text", "text": "7"}],
                },
            ],
        }
    )["messages"]
    fn = {"type": "function", "function": {"name": "f", "arguments": "{}"}}
    assert out == [
        {"role": "system", "content": "Be brief."},
        {"role": "system", "content": "Use metric units."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in"},
                {"type": "image_url", "image_url": {"url": "https://x.example/a.png", "detail": "low"}},
                {
                    "type": "file",
                    "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"},
                },
            ],
        },
        {"role": "assistant", "content": "Let me look."},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", **fn}, {"id": "c2", **fn}]},
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
        {"role": "tool", "tool_call_id": "c2", "content": "7"},
    ]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"input": "x", "conversation": "conv_1"}, "conversation", "unsupported_parameter"),
        ({"input": "x", "background": True}, "background", "unsupported_parameter"),
        ({"input": "x", "include": "reasoning.encrypted_content"}, "include", "invalid_request"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type", "unsupported_parameter"),
        ({"input": "x", "tools": [{"type": "file_search"}]}, "tools[0].type", "unsupported_parameter"),
        ({"input": "x", "tool_choice": {"type": "web_search"}}, "tool_choice", "unsupported_parameter"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]},
            "input[0].content[0].file_data",
            "unsupported_parameter",
        ),
        (
            {"input": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]},
            "input[0].content[0].type",
            "unsupported_parameter",
        ),
        (
            {"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}]},
            "input[0].content[0].image_url",
            "unsupported_parameter",
        ),
        (
            {"input": [{"type": "function_call", "name": "f", "arguments": "{}"}]},
            "input[0].call_id",
            "invalid_request",
        ),
        ({"input": "x", "max_output_tokens": "many"}, "max_output_tokens", "invalid_request"),
        ({"input": "x", "stream": "yes"}, "stream", "invalid_request"),
        ({"input": "x", "text": {"format": {"type": "yaml"}}}, "text.format.type", "invalid_request"),
        ({"input": []}, "input", "invalid_request"),
        ({}, "input", "missing_required_parameter"),
    ],
)
def test_refusals_name_the_parameter(body: dict[str, Any], param: str, code: str) -> None:
    with pytest.raises(GatewayError) as caught:
        chat(body)
    assert (caught.value.status, caught.value.param, caught.value.code) == (400, param, code)


def _call(**body: Any) -> Any:
    return to_chat({"model": "chat", "input": "x"} | body, RID)[1]


def test_a_completion_becomes_a_response() -> None:
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "mistral-large-2411",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Checking.",
                    "tool_calls": [
                        {"id": "call_9", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                    ],
                },
                "finish_reason": "length",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    }
    out = json.loads(to_response(_call(instructions="Be brief."), json.dumps(completion).encode()))
    assert (out["id"], out["object"], out["model"]) == (f"resp_{RID}", "response", "mistral-large-2411")
    assert (out["status"], out["incomplete_details"]) == ("incomplete", {"reason": "max_output_tokens"})
    assert out["instructions"] == "Be brief." and out["store"] is False
    assert out["output"] == [
        {
            "type": "message",
            "id": f"msg_{RID}_0",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Checking.", "annotations": [], "logprobs": []}],
        },
        {
            "type": "function_call",
            "id": f"fc_{RID}_1",
            "call_id": "call_9",
            "name": "f",
            "arguments": "{}",
            "status": "completed",
        },
    ]
    assert out["usage"]["input_tokens"] == 12 and out["usage"]["output_tokens"] == 3


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _events(raw: bytes) -> list[dict[str, Any]]:
    out = []
    for frame in raw.split(b"\n\n"):
        if frame:
            kind, data = frame.split(b"\n")
            event = json.loads(data.removeprefix(b"data: "))
            assert kind == b"event: " + event["type"].encode()
            out.append(event)
    return out


def test_text_then_a_tool_call_close_in_order_and_a_cut_answer_is_incomplete() -> None:
    tr = ResponseEvents(_call())
    raw = tr.start()
    for delta in ({"role": "assistant", "content": ""}, {"content": "Hel"}, {"content": "lo"}):
        raw += b"".join(tr.chunk(_chunk(delta)))
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}}
    raw += b"".join(tr.chunk(_chunk({"tool_calls": [call]})))
    raw += b"".join(
        tr.chunk(_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":1}'}}]}, "length"))
    )
    raw += tr.finish()
    events = _events(raw)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",  # the message closes before the call opens
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.incomplete",
    ]
    final = events[-1]["response"]
    assert final["status"] == "incomplete" and final["incomplete_details"] == {"reason": "max_output_tokens"}
    assert [i["id"] for i in final["output"]] == [f"msg_{RID}_0", f"fc_{RID}_1"]
    assert final["output"][1]["arguments"] == '{"a":1}' and events[6]["text"] == "Hello"


def test_a_broken_stream_ends_failed_without_completion() -> None:
    async def chat_stream() -> AsyncIterator[bytes]:
        yield b"data: " + json.dumps(_chunk({"content": "Hi"})).encode() + b"\n\n"
        err = {
            "message": "The audit log could not record this request.",
            "type": "server_error",
            "code": "audit_unavailable",
            "param": None,
        }
        yield b"data: " + json.dumps({"error": err}).encode() + b"\n\n"

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in translate_stream(chat_stream(), _call())])

    events = _events(asyncio.run(collect()))
    kinds = [e["type"] for e in events]
    assert kinds[-2:] == ["error", "response.failed"] and "response.completed" not in kinds
    assert events[-2]["code"] == "audit_unavailable"
    assert events[-1]["response"]["error"]["code"] == "audit_unavailable"


def test_an_unreadable_chunk_is_left_out_and_the_stream_completes() -> None:
    async def chat_stream() -> AsyncIterator[bytes]:
        yield b"data: " + json.dumps(_chunk({"content": "Hi"})).encode() + b"\n\n"
        yield b"data: {not json\n\n: keep-alive\n\n"
        yield b"data: " + json.dumps(_chunk({"content": "!"}, "stop")).encode() + b"\n\ndata: [DONE]\n\n"

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in translate_stream(chat_stream(), _call())])

    events = _events(asyncio.run(collect()))
    assert events[-1]["type"] == "response.completed"
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == "Hi!"
