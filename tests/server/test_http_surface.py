"""The OpenAI surface over real HTTP (uvicorn + fake upstreams), driven by the openai SDK.

Classification/policy/protection are the small doubles of tests/fakes/doubles.py:
what is checked here is the gateway's own work (parsing, auth, errors, routing,
fallback, restoring, streaming, headers, audit records).
"""

from __future__ import annotations

import json
import uuid

import httpx
import openai
import pytest

from fakes.doubles_gateway import KEY, Setup

EMAIL = "anna.schmidt@example.de"


def client(gw: Setup, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0, timeout=10)


def chat(gw: Setup, text: str, model: str = "chat", **kw):  # type: ignore[no-untyped-def]
    raw = client(gw).chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": text}], **kw
    )
    return raw, raw.parse()


def test_request_ids_are_time_ordered_uuid7(gw: Setup) -> None:
    # the audit store indexes record ids: ids that grow with time append to that index
    rids = [chat(gw, f"Question {i}?")[0].headers["x-sovgate-decision"] for i in range(5)]
    assert rids == sorted(rids) and len(set(rids)) == 5
    for rid in rids:
        u = uuid.UUID(hex=rid)
        assert u.version == 7 and u.hex == rid
        ms = int(rid[:12], 16)  # RFC 9562: the first 48 bits are the Unix time in milliseconds
        assert abs(ms / 1000 - gw.audit.by_id(rid).time) < 1.0


def test_plain_chat_goes_to_first_preference_with_headers_and_record(gw: Setup) -> None:
    raw, completion = chat(gw, "What is the capital of France?")
    assert completion.choices[0].message.content == "echo: What is the capital of France?"
    assert raw.headers["x-sovgate-provider"] == "us-global"
    rid = raw.headers["x-sovgate-decision"]
    assert len(gw.us.received) == 1 and not gw.fr.received and not gw.de.received
    sent = gw.us.received[0]
    assert sent.body["model"] == "gpt-4o"  # virtual -> upstream name
    assert sent.headers["authorization"] == "Bearer sk-us"
    rec = gw.audit.by_id(rid)
    assert (rec.tenant, rec.provider, rec.status, rec.outcome) == ("acme-de", "us-global", 200, "ok")
    assert rec.eligible == ("us-global", "fr-sovereign", "de-onprem", "preview", "anthropic-us")
    assert rec.operator_country == "US" and rec.hosting == ("US",)


def test_personal_data_is_pseudonymized_for_us_and_restored(gw: Setup) -> None:
    raw, completion = chat(gw, f"Write to {EMAIL} please")
    assert raw.headers["x-sovgate-provider"] == "us-global"
    assert EMAIL not in gw.us.received[0].text
    assert "[EMAIL_1]" in gw.us.received[0].text
    assert completion.choices[0].message.content == f"echo: Write to {EMAIL} please"
    rec = gw.audit.by_id(raw.headers["x-sovgate-decision"])
    assert rec.pseudonymized == ("EMAIL",)
    assert [(f.kind, f.path, f.jurisdiction) for f in rec.findings] == [
        ("EMAIL", "messages[0].content", "DE")
    ]
    assert EMAIL not in json.dumps(__import__("msgspec").to_builtins(rec))


def test_streaming_restores_placeholders_split_across_chunks(gw: Setup) -> None:
    with client(gw).chat.completions.with_streaming_response.create(
        model="chat",
        messages=[{"role": "user", "content": f"Mail {EMAIL} now"}],
        stream=True,
        stream_options={"include_usage": True},
    ) as resp:
        assert resp.headers["x-sovgate-provider"] == "us-global"
        rid = resp.headers["x-sovgate-decision"]
        chunks = list(resp.parse())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == f"echo: Mail {EMAIL} now"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 15
    assert EMAIL not in gw.us.received[0].text
    assert gw.audit.by_id(rid).outcome == "ok"


def test_streamed_tool_call_arguments_are_restored(gw: Setup) -> None:
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    stream = client(gw).chat.completions.create(
        model="chat", messages=[{"role": "user", "content": f"find {EMAIL}"}], tools=tools, stream=True
    )
    name, args, finish = "", "", None
    for chunk in stream:
        for call in chunk.choices[0].delta.tool_calls or []:
            name += call.function.name or ""
            args += call.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert name == "lookup" and finish == "tool_calls"
    assert json.loads(args) == {"query": f"find {EMAIL}"}
    assert "[EMAIL_1]" in gw.us.received[0].text


def test_tool_results_are_inspected_and_answered(gw: Setup) -> None:
    messages = [
        {"role": "user", "content": "who is it?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "crm", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": f"contact: {EMAIL}"},
    ]
    completion = client(gw).chat.completions.create(model="chat", messages=messages)
    assert completion.choices[0].message.content == f"tool said: contact: {EMAIL}"
    assert EMAIL not in gw.us.received[0].text


def test_classified_goes_on_prem_only(gw: Setup) -> None:
    raw, _ = chat(gw, "VS-NfD: Lagebericht")
    assert raw.headers["x-sovgate-provider"] == "de-onprem"
    assert not gw.us.received and not gw.fr.received and len(gw.de.received) == 1
    assert "authorization" not in gw.de.received[0].headers  # auth: none


def test_secret_is_refused_with_rule_and_nothing_sent(gw: Setup) -> None:
    with pytest.raises(openai.PermissionDeniedError) as exc:
        chat(gw, "-----BEGIN RSA PRIVATE KEY-----\nMIIE")
    err = exc.value
    assert err.code == "policy_denied" and "test/secret" in err.message
    assert err.response.headers["x-sovgate-provider"] == "none"
    rec = gw.audit.by_id(err.response.headers["x-sovgate-decision"])
    assert (rec.status, rec.outcome, rec.refused.rule) == (403, "policy_denied", "test/secret")
    assert not gw.us.received and not gw.fr.received and not gw.de.received


def test_failover_to_next_eligible_then_breaker_puts_it_last(gw: Setup) -> None:
    gw.us.fail_status = 503
    raw, _ = chat(gw, "hello")
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    assert gw.fr.received[0].headers["x-api-key"] == "sk-fr"
    rec = gw.audit.by_id(raw.headers["x-sovgate-decision"])
    assert [(a.provider, a.outcome) for a in rec.attempts] == [
        ("us-global", "upstream_error"),
        ("fr-sovereign", "ok"),
    ]
    chat(gw, "hello")  # second failure opens us-global's breaker (failures: 2)
    assert len(gw.us.received) == 2
    raw, _ = chat(gw, "hello")
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    assert len(gw.us.received) == 2  # open breaker: not tried first any more
    metrics = httpx.get(gw.url + "/metrics").text
    assert 'sovgate_provider_circuit_state{provider="us-global"} 2.0' in metrics
    assert 'sovgate_upstream_attempts_total{outcome="upstream_error",provider="us-global"} 2.0' in metrics


def test_each_attempt_is_written_ahead_with_what_the_provider_gets(gw: Setup) -> None:
    """Before a request goes out to a provider, the record the log must keep if the gateway dies
    while that provider has it: the provider, what was masked for it, the attempts so far."""
    gw.us.fail_status = 503
    raw, _ = chat(gw, f"Write to {EMAIL} please")
    rid = raw.headers["x-sovgate-decision"]
    ahead = [r for r in gw.audit.ahead if r.id == rid]
    assert [(r.provider, r.outcome, r.status) for r in ahead] == [
        ("us-global", "interrupted", 0),
        ("fr-sovereign", "interrupted", 0),
    ]
    first, second = ahead
    assert first.operator_country == "US" and first.hosting == ("US",)
    assert [(a.provider, a.outcome, a.pseudonymized) for a in first.attempts] == [
        ("us-global", "interrupted", ("EMAIL",))
    ]
    assert [(a.provider, a.outcome) for a in second.attempts] == [
        ("us-global", "upstream_error"),
        ("fr-sovereign", "interrupted"),
    ]
    assert [f.kind for f in first.findings] == ["EMAIL"] and first.fingerprint == gw.audit.by_id(
        rid
    ).fingerprint
    # the final record replaces them: it says how the request ended
    assert gw.audit.by_id(rid).outcome == "ok" and gw.audit.by_id(rid).provider == "fr-sovereign"


def test_nothing_is_written_ahead_for_a_request_that_never_goes_out(gw: Setup) -> None:
    with pytest.raises(openai.PermissionDeniedError):
        chat(gw, "-----BEGIN RSA PRIVATE KEY-----\nMIIE")
    assert gw.audit.records and not gw.audit.ahead


def test_streaming_fails_over_before_first_byte(gw: Setup) -> None:
    gw.us.fail_status = 500
    with client(gw).chat.completions.with_streaming_response.create(
        model="chat", messages=[{"role": "user", "content": "hi"}], stream=True
    ) as resp:
        assert resp.headers["x-sovgate-provider"] == "fr-sovereign"
        text = "".join(c.choices[0].delta.content or "" for c in resp.parse() if c.choices)
    assert text == "echo: hi"


def test_all_eligible_down_is_503_and_excluded_never_contacted(gw: Setup) -> None:
    gw.de.fail_status = 502
    with pytest.raises(openai.InternalServerError) as exc:
        chat(gw, "VS-NfD: Bericht")
    assert exc.value.status_code == 503 and exc.value.code == "no_eligible_provider"
    assert not gw.us.received and not gw.fr.received  # excluded by the decision
    rec = gw.audit.by_id(exc.value.response.headers["x-sovgate-decision"])
    assert rec.outcome == "no_eligible_provider"
    # preview is eligible too (on-prem, DE) but does not serve "chat"
    assert [(a.provider, a.outcome) for a in rec.attempts] == [("de-onprem", "upstream_error")]


def test_embeddings(gw: Setup) -> None:
    raw = client(gw).embeddings.with_raw_response.create(model="embed", input=["a", "bb"])
    result = raw.parse()
    assert [d.embedding[0] for d in result.data] == [1.0, 2.0]
    assert raw.headers["x-sovgate-provider"] == "us-global"
    assert (
        gw.us.received[0].path == "/v1/embeddings"
        and gw.us.received[0].body["model"] == "text-embedding-3-small"
    )


def test_models_lists_the_tenants_virtual_models(gw: Setup) -> None:
    assert sorted(m.id for m in client(gw).models.list()) == ["chat", "claude", "embed", "look"]


def test_preview_answers_with_the_outbound_request(gw: Setup) -> None:
    _, completion = chat(gw, f"to {EMAIL}", model="look")
    outbound = json.loads(completion.choices[0].message.content)
    assert outbound["method"] == "POST" and outbound["url"] == "preview://preview/chat/completions"
    assert outbound["body"]["model"] == "preview-model"
    assert outbound["body"]["messages"] == [{"role": "user", "content": f"to {EMAIL}"}]


def test_wrong_and_missing_key_are_401_and_recorded(gw: Setup) -> None:
    with pytest.raises(openai.AuthenticationError) as exc:
        chat_with = client(gw, key="nope")
        chat_with.chat.completions.create(model="chat", messages=[{"role": "user", "content": "x"}])
    assert exc.value.code == "invalid_api_key"
    rid = exc.value.response.headers["x-sovgate-decision"]
    assert gw.audit.by_id(rid).status == 401 and gw.audit.by_id(rid).tenant is None
    r = httpx.post(gw.url + "/v1/chat/completions", json={"model": "chat", "messages": []})
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"


def test_unknown_model_is_404(gw: Setup) -> None:
    with pytest.raises(openai.NotFoundError) as exc:
        chat(gw, "hi", model="gpt-7")
    assert exc.value.code == "model_not_found" and "chat" in exc.value.message
    assert exc.value.response.headers["x-sovgate-provider"] == "none"
    assert not gw.us.received


@pytest.mark.parametrize(
    ("body", "param", "fragment"),
    [
        (b'{"model": "chat", "messages": [', None, "Malformed JSON"),
        (b"[1, 2]", None, "JSON object"),
        (b'{"messages": [{"role": "user", "content": "x"}]}', "model", "'model'"),
        (b'{"model": "chat"}', "messages", "'messages'"),
        (b'{"model": 5, "messages": []}', "model", "expected a string"),
        (b'{"model": "chat", "messages": "hi"}', "messages", "expected an array"),
        (b'{"model": "chat", "messages": [{"content": "x"}]}', "messages[0].role", "role"),
        (
            b'{"model": "chat", "messages": [{"role": "user", "content": 3}]}',
            "messages[0].content",
            "content",
        ),
        (
            b'{"model": "chat", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}',
            "stream",
            "boolean",
        ),
        (  # the gateway reads it (and may add to it) before a provider does
            b'{"model": "chat", "messages": [{"role": "user", "content": "x"}], "stream": true,'
            b' "stream_options": "usage"}',
            "stream_options",
            "expected an object",
        ),
        (
            b'{"model": "chat", "messages": [{"role": "user", "content": "x"}], "stream": true,'
            b' "stream_options": {"include_usage": "yes"}}',
            "stream_options.include_usage",
            "expected a boolean",
        ),
    ],
)
def test_bad_input_is_400_naming_the_field(gw: Setup, body: bytes, param: str | None, fragment: str) -> None:
    r = httpx.post(
        gw.url + "/v1/chat/completions",
        content=body,
        headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"},
    )
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["param"] == param and fragment in err["message"] and err["type"] == "invalid_request_error"
    assert gw.audit.by_id(r.headers["x-sovgate-decision"]).status == 400


def test_body_too_large_is_413(gw: Setup) -> None:
    big = {"model": "chat", "messages": [{"role": "user", "content": "x" * 70000}]}
    r = httpx.post(gw.url + "/v1/chat/completions", json=big, headers={"authorization": f"Bearer {KEY}"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    assert not gw.us.received


def test_audit_failure_withholds_the_answer(gw: Setup) -> None:
    gw.audit.fail = True
    with pytest.raises(openai.InternalServerError) as exc:
        chat(gw, "hello")
    assert exc.value.status_code == 503 and exc.value.code == "audit_unavailable"


def test_while_the_audit_log_fails_nothing_is_forwarded(gw: Setup) -> None:
    def forwarded() -> int:
        return len(gw.us.received) + len(gw.fr.received) + len(gw.de.received)

    gw.audit.fail = True
    with pytest.raises(openai.InternalServerError) as exc:
        chat(gw, "first: its write-ahead record fails, so it never goes out")
    assert exc.value.code == "audit_unavailable" and "was not sent" in exc.value.message
    sent = forwarded()
    assert sent == 0
    for text in ("second", "third"):
        with pytest.raises(openai.InternalServerError) as exc:
            chat(gw, text)
        assert exc.value.status_code == 503 and exc.value.code == "audit_unavailable"
        assert "no request is forwarded" in exc.value.message
    assert forwarded() == sent  # refused before any byte left
    with pytest.raises(openai.InternalServerError):
        chat(gw, "a stream neither", stream=True)
    assert forwarded() == sent
    # the log recovers: the next refusal is recorded, and from then on requests go out again
    gw.audit.fail = False
    with pytest.raises(openai.InternalServerError) as exc:
        chat(gw, "fourth")
    refused = gw.audit.by_id(exc.value.response.headers["x-sovgate-decision"])
    assert (refused.status, refused.outcome) == (503, "audit_unavailable")
    assert chat(gw, "fifth")[1].choices[0].message.content == "echo: fifth"
    assert forwarded() == sent + 1


def test_classifier_failure_fails_closed(gw: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(segments):  # type: ignore[no-untyped-def]
        raise RuntimeError("automaton missing")

    monkeypatch.setattr(gw.gateway, "classify", broken)
    with pytest.raises(openai.InternalServerError) as exc:
        chat(gw, "hello")
    assert exc.value.code == "classification_failed" and "Traceback" not in exc.value.message
    assert not gw.us.received


def test_health_metrics_and_unknown_paths(gw: Setup) -> None:
    health = httpx.get(gw.url + "/healthz")
    assert health.json() == {"status": "ok"} and health.headers["x-sovgate-decision"] == "none"
    assert httpx.get(gw.url + "/metrics").headers["x-sovgate-provider"] == "none"
    chat(gw, "count me")
    metrics = httpx.get(gw.url + "/metrics").text
    assert 'sovgate_requests_total{endpoint="chat",provider="us-global",status="200"}' in metrics
    assert 'sovgate_upstream_attempts_total{outcome="ok",provider="us-global"}' in metrics
    assert 'sovgate_provider_circuit_state{provider="us-global"} 0.0' in metrics
    r = httpx.get(gw.url + "/v2/nothing")
    assert r.status_code == 404 and r.headers["x-sovgate-decision"] == "none"
    r = httpx.get(gw.url + "/v1/chat/completions")
    assert r.status_code == 405


def test_timeout_fails_over(gw: Setup) -> None:
    gw.us.delay_s = 1.5  # us-global has timeout_s: 1
    raw, _ = chat(gw, "slow?")
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    rec = gw.audit.by_id(raw.headers["x-sovgate-decision"])
    assert rec.attempts[0].provider == "us-global" and "timed out" in rec.attempts[0].reason


def test_stream_broken_mid_way_ends_with_error_event_and_is_recorded(gw: Setup) -> None:
    gw.us.break_after = 2
    got = ""
    with client(gw).chat.completions.with_streaming_response.create(
        model="chat", messages=[{"role": "user", "content": "a long answer please"}], stream=True
    ) as resp:
        rid = resp.headers["x-sovgate-decision"]
        with pytest.raises(openai.APIError, match="broke off"):
            for chunk in resp.parse():
                got += chunk.choices[0].delta.content or ""
    assert got == "echo: a lo"  # two 5-character chunks, then the connection dropped
    rec = gw.audit.by_id(rid)
    assert rec.outcome == "upstream_error" and rec.provider == "us-global"


def test_client_leaving_mid_stream_is_recorded(gw: Setup) -> None:
    import time

    gw.us.chunk_delay_s = 0.05  # 40 chunks: ~2 s if the client stayed
    with httpx.stream(
        "POST",
        gw.url + "/v1/chat/completions",
        json={"model": "chat", "messages": [{"role": "user", "content": "x" * 200}], "stream": True},
        headers={"authorization": f"Bearer {KEY}"},
    ) as r:
        rid = r.headers["x-sovgate-decision"]
        next(r.iter_raw())
    deadline = time.monotonic() + 1.5
    while not any(rec.id == rid for rec in gw.audit.records) and time.monotonic() < deadline:
        time.sleep(0.02)
    rec = gw.audit.by_id(rid)
    assert rec.outcome == "client_disconnected" and rec.provider == "us-global"


IMAGE_WITH_EMAIL = [
    {"type": "text", "text": "what does this show?"},
    {"type": "image_url", "image_url": {"url": f"https://img.example.com/{EMAIL}/scan.png"}},
]


def test_unprotectable_data_falls_to_a_provider_that_may_see_it_in_the_clear(gw: Setup) -> None:
    raw = client(gw).chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": IMAGE_WITH_EMAIL}]
    )
    assert raw.headers["x-sovgate-provider"] == "fr-sovereign"
    assert not gw.us.received  # never sent unprotected to the provider that needed protection
    rec = gw.audit.by_id(raw.headers["x-sovgate-decision"])
    assert [(a.provider, a.outcome) for a in rec.attempts] == [
        ("us-global", "protection_failed"),
        ("fr-sovereign", "ok"),
    ]


def test_unprotectable_data_with_no_clear_provider_is_403(gw: Setup) -> None:
    from fakes.doubles_gateway import KEY_US_ONLY

    with pytest.raises(openai.PermissionDeniedError) as exc:
        client(gw, KEY_US_ONLY).chat.completions.create(
            model="chat", messages=[{"role": "user", "content": IMAGE_WITH_EMAIL}]
        )
    assert exc.value.code == "protection_failed" and "image URL" in exc.value.message
    assert not gw.us.received
    rec = gw.audit.by_id(exc.value.response.headers["x-sovgate-decision"])
    assert (rec.status, rec.outcome, rec.tenant) == (403, "protection_failed", "us-only")


def test_retrieve_one_model(gw: Setup) -> None:
    assert client(gw).models.retrieve("claude").id == "claude"
    with pytest.raises(openai.NotFoundError) as exc:
        client(gw).models.retrieve("gpt-9")
    assert exc.value.code == "model_not_found"
    assert gw.audit.by_id(exc.value.response.headers["x-sovgate-decision"]).status == 404


def test_failure_inside_a_stream_ends_it_with_an_error_event(
    gw: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sovgate.gateway import _restore

    def broken(self, data):  # type: ignore[no-untyped-def]
        raise ValueError("restorer bug")

    monkeypatch.setattr(_restore.StreamRestoration, "event", broken)
    with client(gw).chat.completions.with_streaming_response.create(
        model="chat", messages=[{"role": "user", "content": f"to {EMAIL}"}], stream=True
    ) as resp:
        rid = resp.headers["x-sovgate-decision"]
        with pytest.raises(openai.APIError, match="Internal gateway error"):
            list(resp.parse())
    assert gw.audit.by_id(rid).outcome == "internal_error"


def test_policy_failure_fails_closed(gw: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(tenant, classification, model):  # type: ignore[no-untyped-def]
        raise KeyError("pack table")

    monkeypatch.setattr(gw.gateway, "decide", broken)
    with pytest.raises(openai.InternalServerError) as exc:
        chat(gw, "hello")
    assert exc.value.code == "policy_failed"
    assert not gw.us.received and not gw.fr.received and not gw.de.received
    assert gw.audit.by_id(exc.value.response.headers["x-sovgate-decision"]).outcome == "policy_failed"


def _counts(gw: Setup, *series: str) -> list[float]:
    """The values of these exact series (name{labels}) on /metrics; 0 for one not exported yet."""
    lines = dict(x.rsplit(" ", 1) for x in httpx.get(gw.url + "/metrics").text.splitlines() if x[:1] != "#")
    return [float(lines.get(s, 0)) for s in series]


def test_metrics_count_rules_kinds_and_data_flows_of_recorded_decisions(gw: Setup) -> None:
    series = (
        'sovgate_policy_rules_fired_total{effect="refuse",rule="test/secret"}',
        'sovgate_policy_rules_fired_total{effect="pseudonymize",rule="test/personal"}',
        'sovgate_finding_requests_total{kind="EMAIL"}',
        'sovgate_finding_requests_total{kind="SECRET"}',
        'sovgate_data_flows_total{destination="US",pseudonymized="true",subject="DE"}',
    )
    before = _counts(gw, *series)
    chat(gw, f"Write to {EMAIL} and cc {EMAIL} please")  # one request, one kind: counted once
    chat(gw, "What is the capital of France?")  # nothing found, no rule: counts nowhere
    with pytest.raises(openai.PermissionDeniedError):
        chat(gw, "-----BEGIN RSA PRIVATE KEY-----\nMIIE")
    after = _counts(gw, *series)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1, 1, 1]


def test_a_fault_in_counting_a_recorded_request_does_not_fail_it(
    gw: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(rec: object) -> None:
        raise RuntimeError("counter gone")

    monkeypatch.setattr(gw.gateway, "on_record", broken)
    raw, completion = chat(gw, "still answered?")
    assert completion.choices[0].message.content == "echo: still answered?"
    assert gw.audit.by_id(raw.headers["x-sovgate-decision"]).status == 200  # and recorded
