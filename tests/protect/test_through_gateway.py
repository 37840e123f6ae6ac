"""Pseudonymization through the real `sovgate serve`, as a new user would meet it.

The e2e harness (tests/fakes) runs the gateway in front of echo upstreams; here they
stream in one-character chunks, so every placeholder is cut apart. The client is the
official `openai` SDK: streamed content and streamed tool-call arguments must arrive
with the values restored, placeholders the client itself wrote untouched, and the
global provider must never receive a value in the clear.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.e2e_gateway import E2E, served_gateway

TEXT = (
    "Bitte schreibe an Anna Schmidt (anna.schmidt@beispiel.de, Tel. +49 30 12345678) wegen der Rechnung; "
    "die Vorlage nutzt [PERSON_9] und [ Person_1 ]."
)
VALUES = ["anna.schmidt@beispiel.de", "+49 30 12345678"]
TOOL = {"type": "function", "function": {"name": "send_mail", "parameters": {"type": "object"}}}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    with served_gateway(Path(tmp_path_factory.mktemp("protect-e2e"))) as e2e:
        yield e2e


@pytest.fixture
def e2e(gateway: E2E) -> E2E:
    for fake in gateway.fakes.values():
        fake.reset()
        fake.chunk_chars = 1
    return gateway


def stream(e2e: E2E, messages: list[dict], **kw) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    raw = e2e.client().chat.completions.with_raw_response.create(
        model="chat", messages=messages, stream=True, **kw
    )
    content, args = "", ""
    for chunk in raw.parse():
        for choice in chunk.choices:
            content += choice.delta.content or ""
            for tc in choice.delta.tool_calls or []:
                args += (tc.function.arguments or "") if tc.function else ""
    return raw.headers["x-sovgate-provider"], content, args


def sent_to(e2e: E2E, provider: str) -> str:
    return json.dumps([r.body for r in e2e.received(provider)], ensure_ascii=False)


def test_streamed_content_in_one_character_chunks(e2e: E2E) -> None:
    provider, content, _ = stream(e2e, [{"role": "user", "content": TEXT}])
    assert content == f"echo: {TEXT}"
    # acme-de prefers us-global, which may see EU personal data only pseudonymized
    assert provider == "us-global"
    upstream = sent_to(e2e, "us-global")
    assert not [v for v in VALUES if v in upstream]
    assert "[EMAIL_1]" in upstream and "[PHONE_1]" in upstream


def test_streamed_tool_call_arguments_stay_valid_json(e2e: E2E) -> None:
    provider, _, args = stream(e2e, [{"role": "user", "content": TEXT}], tools=[TOOL])
    assert json.loads(args) == {"query": TEXT}
    assert provider == "us-global"
    assert not [v for v in VALUES if v in sent_to(e2e, "us-global")]


def test_multi_turn_history_is_masked_again(e2e: E2E) -> None:
    first = [{"role": "user", "content": TEXT}]
    _, answer, _ = stream(e2e, first)
    second = [
        *first,
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "Und noch einmal."},
    ]
    provider, content, _ = stream(e2e, second)
    assert content == "echo: Und noch einmal."
    assert provider == "us-global"
    last = e2e.received("us-global")[-1].body["messages"]
    assert not [v for v in VALUES if v in json.dumps(last, ensure_ascii=False)]
    # the same values carry the same placeholders in the question and in the answer's history
    assert "[EMAIL_1]" in last[0]["content"] and "[EMAIL_1]" in last[1]["content"]
