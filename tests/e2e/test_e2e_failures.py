"""Failover, fail-closed and bad input through the real gateway, with their audit records."""

from __future__ import annotations

import httpx
import openai
import pytest

from fakes.e2e_gateway import E2E, KEYS


def test_failover_to_next_eligible(e2e: E2E) -> None:
    e2e.fakes["us-global"].fail_status = 503
    raw = e2e.client().chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "Is anyone there?"}]
    )
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    assert len(e2e.received("us-global")) == 1 and len(e2e.received("fr-sovereign")) == 1
    rec = e2e.record(raw.headers["x-sovgate-decision"])
    assert rec.provider == "fr-sovereign" and rec.outcome == "ok"
    # both were sent the request (us-global failed after receiving it), neither needed masking
    assert rec.protection == {"us-global": (), "fr-sovereign": ()}


def test_all_eligible_down_fails_closed(e2e: E2E) -> None:
    e2e.fakes["de-onprem"].fail_status = 502
    with pytest.raises(openai.InternalServerError) as exc:
        e2e.client().chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "VS-NfD: Einsatzplan bitte kürzen."}]
        )
    assert exc.value.status_code == 503 and exc.value.code == "no_eligible_provider"
    # the providers the decision excluded never saw anything, even with the eligible one down
    assert not e2e.received("us-global") and not e2e.received("fr-sovereign")
    assert len(e2e.received("de-onprem")) == 1
    rec = e2e.record(exc.value.response.headers["x-sovgate-decision"])
    assert rec.status == 503 and rec.outcome == "no_eligible_provider"


def post(e2e: E2E, body: bytes, key: str | None = KEYS["acme-de"]) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    return httpx.post(e2e.url + "/v1/chat/completions", content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "key", "status", "code"),
    [
        (
            b'{"model": "chat", "messages": [{"role": "user", "content": "hi"}',
            KEYS["acme-de"],
            400,
            "invalid_json",
        ),
        (
            b'{"messages": [{"role": "user", "content": "hi"}]}',
            KEYS["acme-de"],
            400,
            "missing_required_parameter",
        ),
        (
            b'{"model": "chat", "messages": [{"role": "user", "content": "hi"}]}',
            "wrong",
            401,
            "invalid_api_key",
        ),
        (b'{"model": "chat", "messages": [{"role": "user", "content": "hi"}]}', None, 401, "invalid_api_key"),
        (
            b'{"model": "gpt-7", "messages": [{"role": "user", "content": "hi"}]}',
            KEYS["acme-de"],
            404,
            "model_not_found",
        ),
    ],
    ids=["malformed-json", "missing-model", "wrong-key", "no-key", "unknown-model"],
)
def test_bad_input(e2e: E2E, body: bytes, key: str | None, status: int, code: str) -> None:
    r = post(e2e, body, key)
    assert r.status_code == status
    err = r.json()["error"]
    assert err["code"] == code and err["message"] and set(err) == {"message", "type", "param", "code"}
    assert r.headers["x-sovgate-provider"] == "none"
    rec = e2e.record(r.headers["x-sovgate-decision"])
    assert rec.status == status and rec.outcome == code
    e2e.only(None)
