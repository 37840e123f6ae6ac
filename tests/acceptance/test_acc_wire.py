"""Acceptance: the OpenAI wire surface and pseudonymization as a client sees them (issues 2 and 5).

Upstreams echo what they receive in tiny chunks (1 character), so every placeholder is cut across
chunk boundaries; a patched answer function makes the upstream mangle and invent placeholders.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import openai
import pytest

import fakes.openai_upstream as upstream
from fakes.e2e_gateway import E2E, KEYS

TEXT = "Schreibe an Herrn Jürgen Müller, jmueller@example.de, IBAN DE89 3704 0044 0532 0130 00."
VALUES = ("Jürgen Müller", "jmueller@example.de", "DE89 3704 0044 0532 0130 00")
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_customer",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        },
    }
]


def sent_to(gw: E2E, provider: str) -> str:
    return " ".join(r.text for r in gw.received(provider))


def assert_masked(gw: E2E, values: tuple[str, ...] = VALUES) -> None:
    sent = sent_to(gw, "us-global")
    assert sent, "us-global received nothing"
    for value in values:
        assert value not in sent, f"{value!r} reached us-global in the clear"


def test_stream_in_one_character_chunks_is_restored_without_fragments(gw: E2E) -> None:
    gw.fakes["us-global"].chunk_chars = 1
    raw = gw.client().chat.completions.with_raw_response.create(
        model="chat",
        messages=[{"role": "user", "content": TEXT}],
        stream=True,
        stream_options={"include_usage": True},
    )
    assert raw.headers["x-sovgate-provider"] == "us-global" and raw.headers["x-sovgate-decision"]
    deltas, usage = [], None
    for chunk in raw.parse():
        if chunk.choices and chunk.choices[0].delta.content:
            deltas.append(chunk.choices[0].delta.content)
        usage = chunk.usage or usage
    assert "".join(deltas) == f"echo: {TEXT}"
    assert not any("[" in d or "]" in d for d in deltas), "a placeholder fragment reached the client"
    assert usage is not None and usage.total_tokens == 15
    assert_masked(gw)
    rec = gw.record(raw.headers["x-sovgate-decision"])
    assert rec.status == 200 and set(rec.protection["us-global"]) >= {"PERSON", "EMAIL", "IBAN"}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_mangled_and_invented_placeholders_never_become_someone_elses_data(
    gw: E2E, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    original = upstream._answer

    def mangle(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        message, finish = original(body)
        content = re.sub(r"\[PERSON_1\]", "[ Person_1 ]", message["content"], count=1)
        message["content"] = content + " [PERSON_9] [person_1] PERSON_1 [EMAIL_1]"
        return message, finish

    monkeypatch.setattr(upstream, "_answer", mangle)
    gw.fakes["us-global"].chunk_chars = 1
    text = "Bitte an Frau Anna Becker, anna.becker@example.de schreiben."
    client = gw.client()
    if stream:
        chunks = client.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": text}], stream=True
        )
        answer = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        answer = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": text}])
        answer = answer.choices[0].message.content or ""
    # mangled / invented tokens are forwarded verbatim; only the exact known token is restored
    assert "[ Person_1 ]" in answer and "[PERSON_9]" in answer and "[person_1]" in answer
    assert answer.count("Anna Becker") == 0
    assert answer.endswith("PERSON_1 anna.becker@example.de")
    assert_masked(gw, ("Anna Becker", "anna.becker@example.de"))


def test_tool_call_arguments_and_tool_results_are_masked_and_restored(gw: E2E) -> None:
    client = gw.client()
    first = client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": TEXT}], tools=TOOLS
    )
    call = first.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"query": TEXT}  # restored inside the JSON arguments
    assert_masked(gw)
    gw.fakes["us-global"].received.clear()
    history = [
        {"role": "user", "content": TEXT},
        # arguments and results as a client writes them with ensure_ascii=False
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": call.id,
            "content": json.dumps(
                {"customer": "Jürgen Müller", "email": "jmueller@example.de", "phone": "+49 30 1234567"},
                ensure_ascii=False,
            ),
        },
    ]
    second = client.chat.completions.with_raw_response.create(model="chat", messages=history, tools=TOOLS)
    assert second.headers["x-sovgate-provider"] == "us-global"
    assert_masked(gw, (*VALUES, "+49 30 1234567"))
    content = second.parse().choices[0].message.content or ""
    assert content.startswith("tool said: ") and "jmueller@example.de" in content


def test_json_escaped_names_in_tool_calls_and_results_are_masked(gw: E2E) -> None:
    # what most clients send: json.dumps with its default ensure_ascii=True ("J\u00fcrgen")
    history = [
        {"role": "user", "content": "Look up the customer."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": "lookup_customer",
                        "arguments": json.dumps({"email": "jmueller@example.de", "name": "Jürgen Müller"}),
                    },
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": json.dumps({"name": "Jürgen Müller", "iban": "DE89370400440532013000"}),
        },
    ]
    gw.client().chat.completions.create(model="chat", messages=history, tools=TOOLS)
    sent = gw.received("us-global")[0].body["messages"]
    arguments = json.loads(sent[1]["tool_calls"][0]["function"]["arguments"])
    result = json.loads(sent[2]["content"])
    assert "Müller" not in arguments["name"] and "Müller" not in result["name"], (arguments, result)
    assert arguments["email"] != "jmueller@example.de" and result["iban"] != "DE89370400440532013000"


def test_streamed_tool_call_arguments_are_restored(gw: E2E) -> None:
    gw.fakes["us-global"].chunk_chars = 1
    chunks = gw.client().chat.completions.create(
        model="chat", messages=[{"role": "user", "content": TEXT}], tools=TOOLS, stream=True
    )
    args = "".join(
        c.choices[0].delta.tool_calls[0].function.arguments or ""
        for c in chunks
        if c.choices and c.choices[0].delta.tool_calls
    )
    assert json.loads(args) == {"query": TEXT}
    assert_masked(gw)


def test_content_parts_system_and_assistant_messages_are_inspected(gw: E2E) -> None:
    messages = [
        {"role": "system", "content": "You assist Dr. Karl Huber (karl.huber@klinik.de)."},
        {"role": "assistant", "content": "The customer is Petra Schmitt, IBAN DE89370400440532013000."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Summarize:"},
                {"type": "text", "text": "Frau Anna Becker, anna.becker@example.de, Tel +49 170 1234567"},
            ],
        },
    ]
    out = gw.client().chat.completions.create(model="chat", messages=messages)
    assert out.choices[0].message.content == (
        "echo: Summarize: Frau Anna Becker, anna.becker@example.de, Tel +49 170 1234567"
    )
    assert_masked(
        gw,
        (
            "Karl Huber",
            "karl.huber@klinik.de",
            "Petra Schmitt",
            "DE89370400440532013000",
            "Anna Becker",
            "+49 170 1234567",
        ),
    )


def test_personal_data_in_an_image_url_goes_only_where_it_may_be_seen_in_the_clear(gw: E2E) -> None:
    url = "https://files.example.com/jonas.weber@beispiel.de/scan.png"
    raw = gw.client().chat.completions.with_raw_response.create(
        model="chat",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in the image?"},
                    {"type": "image_url", "image_url": {"url": url}},
                ],
            }
        ],
    )
    # a URL cannot be pseudonymized, so the US provider (pseudonymized only) is skipped
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    gw.only("fr-sovereign")


def test_multi_turn_keeps_one_placeholder_per_person(gw: E2E) -> None:
    client = gw.client()
    turn1 = "Anna Becker (anna.becker@example.de) hat sich beschwert."
    answer = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": turn1}])
    history = [
        {"role": "user", "content": turn1},
        {"role": "assistant", "content": answer.choices[0].message.content},
        {"role": "user", "content": "Und Karl Huber ebenfalls, er kennt Anna Becker. Schreib beiden."},
    ]
    final = client.chat.completions.create(model="chat", messages=history)
    assert final.choices[0].message.content == f"echo: {history[2]['content']}"
    last = gw.received("us-global")[-1].body["messages"]
    assert last[0]["content"].startswith("[PERSON_1]")
    assert "[PERSON_1]" in last[2]["content"] and "[PERSON_2]" in last[2]["content"]
    assert_masked(gw, ("Anna Becker", "Karl Huber", "anna.becker@example.de"))


def test_a_literal_placeholder_typed_by_the_user_is_not_confused_with_masked_data(gw: E2E) -> None:
    text = "Template: Dear [PERSON_1], your mail [EMAIL_1]. Customer: Anna Becker, anna.becker@example.de"
    out = gw.client().chat.completions.create(model="chat", messages=[{"role": "user", "content": text}])
    assert out.choices[0].message.content == f"echo: {text}"
    assert_masked(gw, ("Anna Becker", "anna.becker@example.de"))


def test_embeddings_plain_and_masked(gw: E2E) -> None:
    client = gw.client()
    raw = client.embeddings.with_raw_response.create(model="embed", input="plain text about weather")
    assert raw.headers["x-sovgate-provider"] == "us-global" and raw.headers["x-sovgate-decision"]
    assert len(raw.parse().data) == 1
    client.embeddings.create(model="embed", input=["Jürgen Müller, jmueller@example.de"])
    assert_masked(gw, ("Jürgen Müller", "jmueller@example.de"))
    health = ["Patient Anna Schmidt hat Diabetes"]
    raw = client.embeddings.with_raw_response.create(model="embed", input=health)
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"


def test_models_lists_the_tenants_virtual_models_with_headers(gw: E2E) -> None:
    raw = gw.client().models.with_raw_response.list()
    assert {m.id for m in raw.parse().data} == {"chat", "embed"}
    assert "x-sovgate-provider" in raw.headers and "x-sovgate-decision" in raw.headers


def post(gw: E2E, body: bytes, key: str | None = KEYS["acme-de"], path: str = "/v1/chat/completions"):  # type: ignore[no-untyped-def]
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    return httpx.post(gw.url + path, content=body, headers=headers, timeout=30)


HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        (b"", 400, None),
        (b"[1, 2]", 400, None),
        (json.dumps({"model": "chat", "messages": "hi"}).encode(), 400, "messages"),
        (json.dumps({"model": "chat", "messages": []}).encode(), 400, "messages"),
        (json.dumps({"model": "chat", "messages": [{"content": "hi"}]}).encode(), 400, "messages[0].role"),
        (
            json.dumps({"model": "chat", "messages": [{"role": "wizard", "content": "hi"}]}).encode(),
            400,
            "messages[0].role",
        ),
        (
            json.dumps({"model": "chat", "messages": [{"role": "user", "content": 42}]}).encode(),
            400,
            "messages[0].content",
        ),
        (json.dumps({"model": 5, "messages": HI}).encode(), 400, "model"),
        (json.dumps({"model": "chat", "messages": HI, "stream": "yes"}).encode(), 400, "stream"),
        (b'{"model":"chat","messages":[{"role":"user","content":"\\ud800 hi"}]}', 400, None),
        (b'{"model":"chat","messages":[{"role":"user","content":"\xff\xfe"}]}', 400, None),
        (
            b'{"model":"chat","messages":[{"role":"user","content":"hi","x":'
            + b"[" * 100000
            + b"]" * 100000
            + b"}]}",
            400,
            None,
        ),
    ],
    ids=[
        "empty",
        "array",
        "messages-string",
        "messages-empty",
        "no-role",
        "bad-role",
        "content-number",
        "model-number",
        "stream-string",
        "lone-surrogate",
        "not-utf8",
        "nested-100000-deep",
    ],
)
def test_bad_input_is_a_400_in_openai_format(gw: E2E, body: bytes, status: int, param: str | None) -> None:
    r = post(gw, body)
    assert r.status_code == status
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["type"] == "invalid_request_error"
    assert err["param"] == param and err["message"]
    assert r.headers["x-sovgate-provider"] == "none" and r.headers["x-sovgate-decision"]
    gw.only(None)


def test_oversized_body_is_a_413_before_it_is_read(gw: E2E) -> None:
    body = b'{"model":"chat","messages":[{"role":"user","content":"' + b"a" * (17 * 1024 * 1024) + b'"}]}'
    r = post(gw, body)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    gw.only(None)


def test_unknown_path_and_method_are_openai_errors(gw: E2E) -> None:
    r = post(gw, b"{}", path="/v1/audio/speech")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = httpx.get(gw.url + "/v1/chat/completions", headers={"authorization": f"Bearer {KEYS['acme-de']}"})
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_unknown_model_and_bad_key_through_the_sdk(gw: E2E) -> None:
    with pytest.raises(openai.NotFoundError) as nf:
        gw.client().chat.completions.create(model="gpt-7", messages=HI)
    assert nf.value.code == "model_not_found"
    with pytest.raises(openai.AuthenticationError) as auth:
        gw.client(key="sk-wrong").chat.completions.create(model="chat", messages=HI)
    assert auth.value.code == "invalid_api_key"
    gw.only(None)


@pytest.mark.parametrize("tail", ["[PERSON_", "[PERSON_1", "[", "[PERSON_1]"])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_an_answer_ending_inside_a_placeholder_is_flushed_verbatim(
    gw: E2E, monkeypatch: pytest.MonkeyPatch, tail: str, stream: bool
) -> None:
    original = upstream._answer

    def answer(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        message, finish = original(body)
        message["content"] = "ok " + tail
        return message, finish

    monkeypatch.setattr(upstream, "_answer", answer)
    gw.fakes["us-global"].chunk_chars = 1
    client = gw.client()
    messages = [{"role": "user", "content": "Schreibe an Anna Becker, anna.becker@example.de"}]
    if stream:
        chunks = client.chat.completions.create(model="chat", messages=messages, stream=True)
        out = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        out = client.chat.completions.create(model="chat", messages=messages).choices[0].message.content
    # held-back text is never lost; only the complete known token becomes the person again
    assert out == "ok " + tail.replace("[PERSON_1]", "Anna Becker")


@pytest.mark.parametrize("chunk_chars", [2, 3, 7, 11])
def test_many_placeholders_at_every_chunk_size(gw: E2E, chunk_chars: int) -> None:
    text = (
        "Anna Becker (anna.becker@example.de) und Jürgen Müller (jmueller@example.de) teilen das Konto "
        "DE89 3704 0044 0532 0130 00; Anna Becker ruft +49 30 1234567 an, Jürgen Müller nicht."
    )
    gw.fakes["us-global"].chunk_chars = chunk_chars
    chunks = gw.client().chat.completions.create(
        model="chat", messages=[{"role": "user", "content": text}], stream=True
    )
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert "".join(deltas) == f"echo: {text}"
    assert not any(re.search(r"\[[A-Z_]*\d*\]?|\]", d) for d in deltas), deltas
    sent = gw.received("us-global")[0].body["messages"][0]["content"]
    assert sent.count("[PERSON_1]") == 2 and sent.count("[PERSON_2]") == 2  # same value, same token
    assert_masked(gw, ("Anna Becker", "Jürgen Müller", "anna.becker@example.de", "+49 30 1234567"))


def test_fields_outside_messages_are_masked_or_kept_in_the_eu(gw: E2E) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "send",
                "description": "Send mail to Anna Becker at anna.becker@example.de",
                "parameters": {"type": "object", "properties": {}},
            },
        }
    ]
    raw = gw.client().chat.completions.with_raw_response.create(
        model="chat",
        messages=[{"role": "user", "content": "hello"}],
        user="anna.becker@example.de",
        metadata={"customer": "Anna Becker, IBAN DE89370400440532013000"},
        store=False,
        tools=tools,
        prediction={"type": "content", "content": "Dear Anna Becker"},
    )
    assert raw.headers["x-sovgate-provider"] == "us-global"
    assert_masked(gw, ("Anna Becker", "anna.becker@example.de", "DE89370400440532013000"))
    gw.fakes["us-global"].received.clear()
    # a file name cannot be pseudonymized: only a provider that may see it in the clear gets it
    raw = gw.client().chat.completions.with_raw_response.create(
        model="chat",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "read"},
                    {
                        "type": "file",
                        "file": {
                            "filename": "anna.becker@example.de.pdf",
                            "file_data": "data:application/pdf;base64,AA",
                        },
                    },
                ],
            }
        ],
    )
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    gw.only("fr-sovereign")
