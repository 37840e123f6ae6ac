"""The anthropic adapter against a fake Messages API: translation both ways, streams, tools, restore."""

from __future__ import annotations

import json

import openai
import pytest

from fakes.doubles_gateway import KEY, Setup
from sovgate.upstream._anthropic_wire import StreamTranslator, to_completion, to_messages_request

EMAIL = "jan.kowalski@example.de"


def client(gw: Setup) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=KEY, max_retries=0, timeout=10)


def test_chat_is_translated_and_restored(gw: Setup) -> None:
    raw = client(gw).chat.completions.with_raw_response.create(
        model="claude",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": f"Mail {EMAIL}"},
        ],
    )
    completion = raw.parse()
    assert raw.headers["x-sovgate-provider"] == "anthropic-us"
    assert completion.choices[0].message.content == f"echo: Mail {EMAIL}"
    assert completion.choices[0].finish_reason == "stop" and completion.usage.total_tokens == 18
    (sent,) = gw.an.received
    assert sent.path == "/v1/messages" and sent.headers["x-api-key"] == "sk-ant"
    assert sent.headers["anthropic-version"] == "2023-06-01" and "authorization" not in sent.headers
    assert sent.body["model"] == "claude-sonnet-4-5" and sent.body["system"] == "Be brief."
    assert sent.body["max_tokens"] == 4096
    assert EMAIL not in sent.text and "[EMAIL_1]" in sent.text


def test_stream_text_and_usage(gw: Setup) -> None:
    stream = client(gw).chat.completions.create(
        model="claude",
        messages=[{"role": "user", "content": f"to {EMAIL}"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == f"echo: to {EMAIL}"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage.prompt_tokens == 12 and chunks[-1].usage.completion_tokens == 6


def test_streamed_tool_use_becomes_tool_call_deltas(gw: Setup) -> None:
    tools = [{"type": "function", "function": {"name": "crm", "parameters": {"type": "object"}}}]
    stream = client(gw).chat.completions.create(
        model="claude", messages=[{"role": "user", "content": f"who is {EMAIL}"}], tools=tools, stream=True
    )
    ids, name, args, finish = set(), "", "", None
    for chunk in stream:
        for call in chunk.choices[0].delta.tool_calls or []:
            ids.add(call.id)
            name += (call.function.name or "") if call.function else ""
            args += (call.function.arguments or "") if call.function else ""
        finish = chunk.choices[0].finish_reason or finish
    assert ids - {None} == {"toolu_01"} and name == "crm" and finish == "tool_calls"
    assert json.loads(args) == {"query": f"who is {EMAIL}"}
    assert gw.an.received[0].body["tools"] == [
        {"name": "crm", "description": "", "input_schema": {"type": "object"}}
    ]


def test_tool_result_round_trip(gw: Setup) -> None:
    messages = [
        {"role": "user", "content": "look it up"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "toolu_01", "type": "function", "function": {"name": "crm", "arguments": '{"q": 1}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_01", "content": "found 3"},
    ]
    completion = client(gw).chat.completions.create(model="claude", messages=messages)
    assert completion.choices[0].message.content == "tool said: found 3"
    sent = gw.an.received[0].body["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_01", "name": "crm", "input": {"q": 1}}],
    }
    assert sent[2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "found 3"}],
    }


def test_request_translation_merges_turns_and_maps_options() -> None:
    body = {
        "messages": [
            {"role": "developer", "content": "A"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "x"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA"}},
                ],
            },
            {"role": "user", "content": "y"},
        ],
        "max_tokens": 50,
        "stop": "END",
        "temperature": 0.2,
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": "required",
    }
    out = to_messages_request(body, "claude-x")
    assert out["system"] == "A" and out["max_tokens"] == 50 and out["stop_sequences"] == ["END"]
    assert out["tool_choice"] == {"type": "any"} and out["temperature"] == 0.2
    (turn,) = out["messages"]
    assert [b["type"] for b in turn["content"]] == ["text", "image", "text"]
    assert turn["content"][1]["source"] == {"type": "base64", "media_type": "image/png", "data": "AAA"}


def test_response_and_stream_translation() -> None:
    resp = {
        "id": "m",
        "model": "c",
        "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}}],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    out = to_completion(resp)
    assert (
        out["choices"][0]["finish_reason"] == "tool_calls" and out["choices"][0]["message"]["content"] is None
    )
    assert json.loads(out["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == {"a": 1}
    tr = StreamTranslator(include_usage=False)
    err = tr.feed(b'{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}')
    assert json.loads(err[0])["error"]["message"] == "Overloaded"
    assert tr.feed(b'{"type": "ping"}') == []


def test_a_rate_limited_anthropic_provider_is_a_429_with_its_wait(gw: Setup) -> None:
    gw.an.fail_status = 429
    gw.an.fail_headers = {"retry-after": "12"}
    with pytest.raises(openai.RateLimitError) as exc:
        client(gw).chat.completions.create(model="claude", messages=[{"role": "user", "content": "Hi"}])
    assert exc.value.code == "upstream_rate_limited" and "anthropic-us: HTTP 429" in exc.value.message
    assert exc.value.response.headers["retry-after"] == "12"
    assert exc.value.response.headers["retry-after-ms"] == "12000"


def test_text_completions_never_go_to_a_messages_api_provider(gw: Setup) -> None:
    # the only provider serving "claude" speaks the Messages API, which has no text completions
    with pytest.raises(openai.NotFoundError) as caught:
        client(gw).completions.create(model="claude", prompt="Say hi")
    assert caught.value.code == "endpoint_not_supported"
    assert "/v1/completions" in caught.value.message and "anthropic-us" in caught.value.message
    assert gw.an.received == []  # not tried, so not counted against its health either


def test_a_responses_request_reaches_a_messages_api_provider(gw: Setup) -> None:
    # Responses -> chat at the edge -> Messages API upstream, and the answer back the same way
    resp = client(gw).responses.create(model="claude", instructions="Be brief.", input=f"Mail {EMAIL}")
    assert resp.output_text == f"echo: Mail {EMAIL}" and resp.status == "completed"
    (sent,) = gw.an.received
    assert sent.body["system"] == "Be brief." and EMAIL not in sent.text
    gw.an.received.clear()
    with client(gw).responses.stream(model="claude", input=f"to {EMAIL}") as stream:
        final = stream.get_final_response()
    assert final.output_text == f"echo: to {EMAIL}" and EMAIL not in gw.an.received[0].text
