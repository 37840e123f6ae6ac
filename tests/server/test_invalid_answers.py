"""A provider's 200 that a client cannot parse is an upstream error: next eligible provider, else 503."""

from __future__ import annotations

import openai
import pytest

from fakes.doubles_gateway import KEY, Setup

HTML = (b"<html>oops</html>", "text/html")
SSE_TO_JSON = (b"data: {not json}\n\ndata: [DONE]\n\n", "text/event-stream")
INVALID = {
    "html": HTML,
    "wrong-shape": (b'{"id": 1, "choices": "nope"}', "application/json"),
    "empty": (b"", "application/json"),
    "sse": SSE_TO_JSON,
    "json-array": (b"[1, 2]", "application/json"),
}


def client(gw: Setup) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=KEY, max_retries=0, timeout=10)


def _attempts(gw: Setup, rid: str) -> list[tuple[str, str]]:
    return [(a.provider, a.outcome) for a in gw.audit.by_id(rid).attempts]


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_completion_fails_over(gw: Setup, case: str) -> None:
    gw.us.raw_answer = INVALID[case]
    raw = client(gw).chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "hello"}]
    )
    assert raw.parse().choices[0].message.content == "echo: hello"
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    assert _attempts(gw, raw.headers["x-sovgate-decision"]) == [
        ("us-global", "upstream_error"),
        ("fr-sovereign", "ok"),
    ]


@pytest.mark.parametrize(
    "answer",
    [HTML, SSE_TO_JSON, (b": keep-alive\n\ndata: [DONE]\n\n", "text/event-stream")],
    ids=["html", "not-json", "no-chunk"],
)
def test_stream_without_a_valid_chunk_fails_over(gw: Setup, answer: tuple[bytes, str]) -> None:
    gw.us.raw_answer = answer
    with client(gw).chat.completions.with_streaming_response.create(
        model="chat", messages=[{"role": "user", "content": "hi"}], stream=True
    ) as resp:
        assert resp.headers["x-sovgate-provider"] == "fr-sovereign"
        text = "".join(c.choices[0].delta.content or "" for c in resp.parse() if c.choices)
        rid = resp.headers["x-sovgate-decision"]
    assert text == "echo: hi"
    assert _attempts(gw, rid) == [("us-global", "upstream_error"), ("fr-sovereign", "ok")]


def test_invalid_embeddings_list_fails_over(gw: Setup) -> None:
    gw.us.raw_answer = (b'{"object": "chat.completion", "choices": []}', "application/json")
    raw = client(gw).embeddings.with_raw_response.create(model="embed", input=["a"])
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    assert raw.parse().data[0].embedding[0] == 1.0


def test_only_eligible_provider_answering_garbage_is_503(gw: Setup) -> None:
    gw.de.raw_answer = HTML
    with pytest.raises(openai.InternalServerError) as exc:
        client(gw).chat.completions.create(model="chat", messages=[{"role": "user", "content": "VS-NfD: x"}])
    assert exc.value.status_code == 503 and exc.value.code == "no_eligible_provider"
    assert "invalid answer" in exc.value.message
    rid = exc.value.response.headers["x-sovgate-decision"]
    assert _attempts(gw, rid) == [("de-onprem", "upstream_error")]
    assert gw.audit.by_id(rid).outcome == "no_eligible_provider"


@pytest.mark.parametrize(
    ("answer", "stream"),
    [
        ((b"{}", "application/json"), False),
        ((b'{"content": "nope"}', "application/json"), False),
        ((b'{"content": [{"type": "text", "text": 5}]}', "application/json"), False),
        (HTML, True),
        (
            (b'event: message_start\ndata: {"type": "message_start", "message": 5}\n\n', "text/event-stream"),
            True,
        ),
    ],
    ids=["empty-object", "content-not-list", "text-not-string", "html-stream", "bad-event"],
)
def test_invalid_anthropic_answer_is_an_upstream_error(
    gw: Setup, answer: tuple[bytes, str], stream: bool
) -> None:
    gw.an.raw_answer = answer
    with pytest.raises(openai.InternalServerError) as exc:
        if stream:
            with client(gw).chat.completions.with_streaming_response.create(
                model="claude", messages=[{"role": "user", "content": "hi"}], stream=True
            ) as resp:
                resp.read()
        else:
            client(gw).chat.completions.create(model="claude", messages=[{"role": "user", "content": "hi"}])
    assert exc.value.status_code == 503 and exc.value.code == "no_eligible_provider"
    rid = exc.value.response.headers["x-sovgate-decision"]
    assert _attempts(gw, rid) == [("anthropic-us", "upstream_error")]
