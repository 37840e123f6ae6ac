"""Streaming, tools, embeddings and model listing through the real gateway."""

from __future__ import annotations

import json

from fakes.e2e_gateway import E2E

EMAIL = "jonas.weber@beispiel.de"


def test_streaming_restores_masked_values_and_audits_before_done(e2e: E2E) -> None:
    text = f"Schreib eine kurze Notiz an Jonas Weber ({EMAIL})."
    with e2e.client().chat.completions.with_streaming_response.create(
        model="chat",
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
    ) as resp:
        provider = resp.headers["x-sovgate-provider"]
        rid = resp.headers["x-sovgate-decision"]
        chunks = list(resp.parse())
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == f"echo: {text}"
    assert chunks[-1].usage is not None
    assert EMAIL not in " ".join(r.text for r in e2e.received("us-global"))
    assert e2e.record(rid).provider == provider  # durable once [DONE] arrived


def test_tool_calls_and_tool_results(e2e: E2E) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "send_mail",
                "description": "send an e-mail",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
            },
        }
    ]
    client = e2e.client()
    first = client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": f"Mail {EMAIL} the minutes"}], tools=tools
    )
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "send_mail"
    assert json.loads(call.function.arguments) == {"query": f"Mail {EMAIL} the minutes"}
    e2e.fakes["us-global"].reset()
    followup = [
        {"role": "user", "content": "Who is on the account?"},
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": f"Account holder: {EMAIL}"},
    ]
    second = client.chat.completions.create(model="chat", messages=followup, tools=tools)
    assert second.choices[0].message.content == f"tool said: Account holder: {EMAIL}"
    for provider in ("us-global",):
        assert EMAIL not in " ".join(r.text for r in e2e.received(provider))


def test_streamed_tool_call(e2e: E2E) -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    stream = e2e.client().chat.completions.create(
        model="chat", messages=[{"role": "user", "content": f"find {EMAIL}"}], tools=tools, stream=True
    )
    args, finish = "", None
    for chunk in stream:
        for call in chunk.choices[0].delta.tool_calls or []:
            args += call.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert finish == "tool_calls" and json.loads(args) == {"query": f"find {EMAIL}"}


def test_content_parts_are_inspected(e2e: E2E) -> None:
    parts = [
        {"type": "text", "text": "Classification: VS-NfD."},
        {"type": "text", "text": "Summarize the memo."},
    ]
    raw = e2e.client().chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": parts}]
    )
    assert raw.headers["x-sovgate-provider"] == "de-onprem"
    e2e.only("de-onprem")


def test_embeddings(e2e: E2E) -> None:
    raw = e2e.client().embeddings.with_raw_response.create(model="embed", input=["hello", "world!"])
    result = raw.parse()
    assert raw.headers["x-sovgate-provider"] == "us-global"
    assert [len(d.embedding) for d in result.data] == [4, 4]
    assert e2e.received("us-global")[0].body["model"] == "text-embedding-3-small"
    assert e2e.record(raw.headers["x-sovgate-decision"]).status == 200


def test_models_are_the_tenants_virtual_models(e2e: E2E) -> None:
    assert sorted(m.id for m in e2e.client().models.list()) == ["chat", "embed"]
    assert sorted(m.id for m in e2e.client("acme-cn").models.list()) == ["chat", "embed"]


def test_a_conversation_keeps_its_placeholders_across_turns(e2e: E2E) -> None:
    client = e2e.client()
    headers = {"x-sovgate-conversation": "ticket-4711"}
    first = client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": f"Write to {EMAIL}"}], extra_headers=headers
    )
    assert first.choices[0].message.content == f"echo: Write to {EMAIL}"
    assert "[EMAIL_1]" in e2e.received("us-global")[0].text
    # next turn: a new address first; the known one keeps [EMAIL_1], the new one gets [EMAIL_2]
    second = client.chat.completions.create(
        model="chat",
        messages=[{"role": "user", "content": f"cc lena.fischer@beispiel.de and {EMAIL}"}],
        extra_headers=headers,
    )
    sent = e2e.received("us-global")[1].text
    assert "cc [EMAIL_2] and [EMAIL_1]" in sent and "lena.fischer" not in sent
    assert second.choices[0].message.content == f"echo: cc lena.fischer@beispiel.de and {EMAIL}"


def test_embeddings_of_personal_data_are_masked_for_us(e2e: E2E) -> None:
    raw = e2e.client().embeddings.with_raw_response.create(
        model="embed", input=[f"Kunde Jonas Weber, {EMAIL}"]
    )
    provider = raw.headers["x-sovgate-provider"]
    assert provider in ("us-global", "fr-sovereign")
    if provider == "us-global":
        sent = e2e.received("us-global")[0].body["input"]
        assert EMAIL not in str(sent) and "[EMAIL_1]" in str(sent)
    assert e2e.record(raw.headers["x-sovgate-decision"]).findings
