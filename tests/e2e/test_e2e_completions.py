"""The legacy text completions API (`/v1/completions`: code completion, base models on vLLM or
llama.cpp) through the real gateway and the official SDK: the prompt and the fill-in-the-middle
suffix are classified and protected like chat messages, the text comes back restored."""

from __future__ import annotations

import openai
import pytest

from fakes.e2e_gateway import E2E

EMAIL = "jonas.weber@beispiel.de"


def test_a_text_completion_is_protected_restored_and_audited(e2e: E2E) -> None:
    raw = e2e.client().completions.with_raw_response.create(model="chat", prompt=f"Mail {EMAIL} the minutes")
    completion = raw.parse()
    provider, rid = raw.headers["x-sovgate-provider"], raw.headers["x-sovgate-decision"]
    assert completion.object == "text_completion"
    assert completion.choices[0].text == f"echo: Mail {EMAIL} the minutes"
    (sent,) = e2e.received(provider)
    assert sent.path == "/v1/completions" and sent.body["model"] == "gpt-4o"
    assert EMAIL not in sent.text and sent.body["prompt"] == "Mail [EMAIL_1] the minutes"
    record = e2e.record(rid)
    assert (record.provider, record.status, record.endpoint) == (provider, 200, "completions")
    assert "EMAIL" in record.protection[provider]


def test_the_suffix_and_every_prompt_of_a_list_are_protected(e2e: E2E) -> None:
    other = "lena.fischer@beispiel.de"
    completion = e2e.client().completions.create(
        model="chat", prompt=[f"to: {EMAIL}", "cc: nobody"], suffix=f"# owner: {other}\n"
    )
    assert [c.text for c in completion.choices] == [
        f"echo: to: {EMAIL} | # owner: {other}\n",
        f"echo: cc: nobody | # owner: {other}\n",
    ]
    (sent,) = e2e.received("us-global")
    assert EMAIL not in sent.text and other not in sent.text
    assert sent.body["suffix"] == "# owner: [EMAIL_2]\n"


def test_a_streamed_completion_restores_placeholders_split_across_chunks(e2e: E2E) -> None:
    e2e.fakes["us-global"].chunk_chars = 3  # "[EMAIL_1]" arrives in pieces
    chunks = list(e2e.client().completions.create(model="chat", prompt=f"Write to {EMAIL}", stream=True))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == f"echo: Write to {EMAIL}"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert all(c.object == "text_completion" for c in chunks)
    assert EMAIL not in e2e.received("us-global")[0].text


def test_a_classified_prompt_stays_on_premises(e2e: E2E) -> None:
    raw = e2e.client().completions.with_raw_response.create(
        model="chat", prompt="// VS-NUR FÜR DEN DIENSTGEBRAUCH\nfn decrypt("
    )
    assert raw.headers["x-sovgate-provider"] == "de-onprem"
    e2e.only("de-onprem")


@pytest.mark.parametrize(
    ("kwargs", "error", "code", "param"),
    [
        ({"prompt": None}, openai.BadRequestError, "missing_required_parameter", "prompt"),
        ({"prompt": [{"text": "hi"}]}, openai.BadRequestError, "invalid_request", "prompt"),
        ({"suffix": 3}, openai.BadRequestError, "invalid_request", "suffix"),
        ({"model": "embed"}, openai.NotFoundError, "model_not_found", "model"),
    ],
)
def test_bad_requests_are_named(
    e2e: E2E, kwargs: dict[str, object], error: type[openai.APIStatusError], code: str, param: str
) -> None:
    args = {"model": "chat", "prompt": "hello"} | kwargs
    with pytest.raises(error) as caught:
        e2e.client().completions.create(**args)  # type: ignore[call-overload]  # (prompt None: sent as null)
    assert (caught.value.code, caught.value.param) == (code, param), caught.value.message  # type: ignore[attr-defined]
    e2e.only(None)
