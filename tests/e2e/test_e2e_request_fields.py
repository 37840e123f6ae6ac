"""Text outside the messages (user, metadata, tool definitions, file names) is classified and protected."""

from __future__ import annotations

from fakes.e2e_gateway import E2E


def _ask(e2e: E2E, **kw):  # type: ignore[no-untyped-def]
    raw = e2e.client().chat.completions.with_raw_response.create(model="chat", **kw)
    return raw.headers["x-sovgate-provider"], raw.headers["x-sovgate-decision"]


def test_user_field_and_metadata_are_masked_for_a_global_provider(e2e: E2E) -> None:
    provider, rid = _ask(
        e2e,
        messages=[{"role": "user", "content": "Summarize our refund policy."}],
        user="anna.becker@example.de",
        metadata={"customer": "Anna Becker, IBAN DE89 3704 0044 0532 0130 00"},
    )
    assert provider == "us-global"
    sent = e2e.received("us-global")[0].body
    assert "anna.becker@example.de" not in sent["user"] and sent["user"].startswith("[EMAIL_")
    assert "DE89 3704" not in sent["metadata"]["customer"]
    assert "EMAIL" in e2e.record(rid).protection["us-global"]


def test_tool_descriptions_are_inspected(e2e: E2E) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "notify",
                "description": "Notify the case owner Herr Jürgen Müller at jmueller@example.de",
                "parameters": {"type": "object", "properties": {"text": {"type": "string"}}},
            },
        }
    ]
    provider, _ = _ask(e2e, messages=[{"role": "user", "content": "Notify the owner."}], tools=tools)
    assert provider == "us-global"
    sent = e2e.received("us-global")[0].text
    assert "jmueller@example.de" not in sent and "Müller" not in sent


def test_a_file_name_that_cannot_be_masked_goes_only_where_it_may_go_in_the_clear(e2e: E2E) -> None:
    part = {"type": "file", "file": {"filename": "anna.becker@example.de.pdf", "file_data": "data:,x"}}
    provider, _ = _ask(
        e2e, messages=[{"role": "user", "content": [{"type": "text", "text": "Read it."}, part]}]
    )
    assert provider == "fr-sovereign"
    assert not e2e.received("us-global")


def test_json_escaped_names_in_tool_calls_are_masked_and_restored(e2e: E2E) -> None:
    import json

    args = json.dumps({"email": "jmueller@example.de", "name": "Herr Jürgen Müller"})  # ensure_ascii
    result = json.dumps({"name": "Herr Jürgen Müller", "iban": "DE89370400440532013000"})
    messages = [
        {"role": "user", "content": "Look up the customer."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": args}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": result},
    ]
    provider, _ = _ask(e2e, messages=messages)
    assert provider == "us-global"
    sent = e2e.received("us-global")[0].body
    for m in sent["messages"][1:]:
        text = m["content"] or m["tool_calls"][0]["function"]["arguments"]
        json.loads(text)  # still valid JSON
        assert "M\\u00fcller" not in text and "Müller" not in text


def test_subjects_without_a_country_of_their_own_are_recorded_under_the_tenant_home(e2e: E2E) -> None:
    provider, rid = _ask(
        e2e,
        messages=[{"role": "user", "content": "Bitte an Herrn Jürgen Müller schreiben: jmueller@example.de"}],
    )
    assert provider == "us-global"
    rec = e2e.record(rid)
    assert rec.subject_jurisdictions == ("DE",)  # acme-de's home: what policy assumed, and what crossed


def test_the_configuration_a_gateway_starts_with_is_on_the_record(e2e: E2E) -> None:
    from sovgate.audit import open_log_reader

    log = open_log_reader(e2e.audit_url)
    try:
        starts = [r for r in log.records() if r.kind == "admin" and r.action == "gateway.start"]
    finally:
        log.close_sync()
    assert starts, "no admin record of the gateway's start"
    details = starts[0].details
    assert details["policies"] == "baseline" and "us-global" in details["providers"].split(",")
    assert starts[0].fingerprint and len(starts[0].fingerprint) == 64


def test_the_record_says_which_rule_excluded_each_provider(e2e: E2E) -> None:
    text = "Patient John Smith (john.smith@example.de) was diagnosed with HIV."
    provider, rid = _ask(e2e, messages=[{"role": "user", "content": text}])
    assert provider == "fr-sovereign"
    excluded = e2e.record(rid).excluded
    assert excluded["us-global"].startswith("baseline/special-categories")
    assert "fr-sovereign" not in excluded


def test_an_iban_typed_one_character_at_a_time_is_masked(e2e: E2E) -> None:
    spaced = "D E 8 9 3 7 0 4 0 0 4 4 0 5 3 2 0 1 3 0 0 0"
    provider, rid = _ask(e2e, messages=[{"role": "user", "content": f"Refund to {spaced} please."}])
    assert provider == "us-global"
    sent = e2e.received("us-global")[0].text
    assert spaced not in sent and "[IBAN_1]" in sent
    assert "IBAN" in e2e.record(rid).protection["us-global"]
