"""OpenAI's Responses API through the real gateway and the official SDK: translated to the chat
completion it means, protected, routed and audited like one, and answered as a Response or as
the Responses event stream, which the SDK's own stream helper checks event by event."""

from __future__ import annotations

import json

import openai
import pytest

from fakes.e2e_gateway import E2E

EMAIL = "jonas.weber@beispiel.de"
TOOLS = [
    {
        "type": "function",
        "name": "send_mail",
        "description": "send an e-mail",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
    }
]


def test_a_response_is_protected_restored_and_audited(e2e: E2E) -> None:
    text = f"Schreib eine kurze Notiz an Jonas Weber ({EMAIL})."
    raw = e2e.client().responses.with_raw_response.create(
        model="chat", instructions="Antworte knapp.", input=text, max_output_tokens=200, metadata={"t": "1"}
    )
    resp = raw.parse()
    rid, provider = raw.headers["x-sovgate-decision"], raw.headers["x-sovgate-provider"]
    assert resp.id == f"resp_{rid}" and resp.object == "response" and resp.status == "completed"
    assert resp.output_text == f"echo: {text}"  # restored: the provider saw placeholders
    assert [item.type for item in resp.output] == ["message"]
    assert resp.usage is not None and (resp.usage.input_tokens, resp.usage.output_tokens) == (10, 5)
    assert (resp.instructions, resp.max_output_tokens, resp.metadata) == ("Antworte knapp.", 200, {"t": "1"})
    (sent,) = e2e.received(provider)
    assert EMAIL not in sent.text and "[EMAIL_1]" in sent.text
    # the chat completion it means: instructions first, the input as the user's turn
    assert sent.body["messages"][0] == {"role": "system", "content": "Antworte knapp."}
    assert sent.body["messages"][1]["role"] == "user" and sent.body["max_tokens"] == 200
    record = e2e.record(rid)
    assert (record.provider, record.status, record.endpoint) == (provider, 200, "responses")
    assert "EMAIL" in record.protection[provider]
    # nothing is stored to be fetched again: the 404 says where the decision is kept instead
    with pytest.raises(openai.NotFoundError, match="audit show"):
        e2e.client().responses.retrieve(resp.id)


def test_input_items_and_content_parts_are_classified(e2e: E2E) -> None:
    items = [
        {"role": "developer", "content": "Fasse zusammen."},
        {"role": "user", "content": [{"type": "input_text", "text": "Einstufung: VS-NfD. Das Memo."}]},
    ]
    raw = e2e.client().responses.with_raw_response.create(model="chat", input=items)
    # the marking in a content part keeps the request on the organization's own systems
    assert raw.headers["x-sovgate-provider"] == "de-onprem"
    e2e.only("de-onprem")
    sent = e2e.received("de-onprem")[0].body["messages"]
    assert sent == [
        {"role": "system", "content": "Fasse zusammen."},
        {"role": "user", "content": "Einstufung: VS-NfD. Das Memo."},
    ]


def test_the_event_stream_satisfies_the_sdk_and_follows_the_audit(e2e: E2E) -> None:
    text = f"Schreib an {EMAIL}, bitte."
    client = e2e.client()
    with client.responses.stream(model="chat", input=[{"role": "user", "content": text}]) as stream:
        events = list(stream)
        final = stream.get_final_response()
    assert final.output_text == f"echo: {text}" and final.id.startswith("resp_")
    rid = final.id.removeprefix("resp_")  # the audit record's id, as x-sovgate-decision says
    kinds = [e.type for e in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert set(kinds[4:-4]) == {"response.output_text.delta"}
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == f"echo: {text}"
    assert EMAIL not in " ".join(r.text for r in e2e.received("us-global"))
    assert e2e.record(rid).status == 200  # durable before response.completed was sent


def test_function_calls_and_their_outputs(e2e: E2E) -> None:
    client = e2e.client()
    first = client.responses.create(model="chat", input=f"Mail {EMAIL} the minutes", tools=TOOLS)
    (call,) = first.output
    assert call.type == "function_call" and call.name == "send_mail" and call.call_id == "call_abc123"
    assert json.loads(call.arguments) == {"query": f"Mail {EMAIL} the minutes"}
    assert e2e.received("us-global")[0].body["tools"] == [
        {"type": "function", "function": {k: v for k, v in TOOLS[0].items() if k != "type"}}
    ]
    e2e.fakes["us-global"].reset()
    followup = [
        {"role": "user", "content": "Who is on the account?"},
        call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": f"Account holder: {EMAIL}"},
    ]
    second = client.responses.create(model="chat", input=followup, tools=TOOLS)
    assert second.output_text == f"tool said: Account holder: {EMAIL}"
    (sent,) = e2e.received("us-global")
    assert EMAIL not in sent.text
    assert [m["role"] for m in sent.body["messages"]] == ["user", "assistant", "tool"]
    assert sent.body["messages"][1]["tool_calls"][0]["id"] == "call_abc123"


def test_a_streamed_function_call(e2e: E2E) -> None:
    with e2e.client().responses.stream(model="chat", input=f"find {EMAIL}", tools=TOOLS) as stream:
        kinds = [e.type for e in stream]
        final = stream.get_final_response()
    (call,) = final.output
    assert call.type == "function_call" and json.loads(call.arguments) == {"query": f"find {EMAIL}"}
    assert "response.function_call_arguments.delta" in kinds
    assert kinds[-3:] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]


@pytest.mark.parametrize(
    ("kwargs", "param", "code"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id", "unsupported_parameter"),
        ({"tools": [{"type": "web_search"}]}, "tools[0].type", "unsupported_parameter"),
        ({"extra_body": {"colour": "blue"}}, "colour", "unknown_parameter"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type", "unsupported_parameter"),
        ({"input": [{"role": "boss", "content": "hi"}]}, "input[0].role", "invalid_request"),
        ({"input": 7}, "input", "invalid_request"),
    ],
)
def test_what_cannot_be_translated_is_refused_by_name(
    e2e: E2E, kwargs: dict[str, object], param: str, code: str
) -> None:
    args: dict[str, object] = {"model": "chat", "input": "hello"} | kwargs
    with pytest.raises(openai.BadRequestError) as caught:
        e2e.client().responses.with_raw_response.create(**args)  # type: ignore[call-overload]
    err = caught.value
    assert (err.code, err.param) == (code, param), err.message
    e2e.only(None)  # nothing was forwarded
    assert e2e.record(err.response.headers["x-sovgate-decision"]).status == 400
