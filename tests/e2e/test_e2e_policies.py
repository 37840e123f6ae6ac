"""Issue 2's policy cases through the real gateway, real classify/policy/protect/audit, fake upstreams.

Each case checks three things: which provider answered (header), what every upstream
received (a provider the decision excluded receives nothing, raw values never reach a
provider that may only see them pseudonymized) and the durable audit record.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import openai
import pytest

from fakes.e2e_gateway import E2E

PERSONAL = json.loads((Path(__file__).parent / "testdata" / "personal_eu.json").read_text())


def ask(e2e: E2E, text: str, tenant: str = "acme-de"):  # type: ignore[no-untyped-def]
    raw = e2e.client(tenant).chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": text}]
    )
    return raw.headers["x-sovgate-provider"], raw.headers["x-sovgate-decision"], raw.parse()


def test_plain_goes_to_first_preference(e2e: E2E) -> None:
    provider, rid, completion = ask(e2e, "What is the boiling point of water at sea level?")
    assert provider == "us-global"
    e2e.only("us-global")
    assert completion.choices[0].message.content == "echo: What is the boiling point of water at sea level?"
    rec = e2e.record(rid)
    assert (rec.tenant, rec.provider, rec.outcome, rec.status) == ("acme-de", "us-global", "ok", 200)
    assert rec.provider_operator_country == "US" and rec.provider_hosting == ("US",)
    assert rec.eligible == ("us-global", "fr-sovereign", "de-onprem") and rec.findings == ()


@pytest.mark.parametrize("case", PERSONAL, ids=[c["case"] for c in PERSONAL])
def test_eu_personal_data_never_reaches_us_in_the_clear(e2e: E2E, case: dict) -> None:
    provider, rid, completion = ask(e2e, case["text"])
    sent = " ".join(r.text for r in e2e.received(provider))
    if provider == "us-global":
        for value in case["values"]:
            assert value not in sent, f"{value!r} reached us-global in the clear"
        assert e2e.record(rid).protection["us-global"], "the record says what was masked for us-global"
    else:
        assert provider == "fr-sovereign" and not e2e.received("us-global")
    # whatever was masked on the way out is restored on the way back
    assert completion.choices[0].message.content == f"echo: {case['text']}"
    rec = e2e.record(rid)
    assert rec.findings, "personal data must be found"
    assert any(r.rule.startswith("baseline/personal") for r in rec.rules)
    blob = json.dumps(msgspec.to_builtins(rec), ensure_ascii=False)
    for value in case["values"]:
        assert value not in blob  # never raw values in the audit log


def test_health_data_of_eu_person_only_to_eu_provider(e2e: E2E) -> None:
    text = (
        "Patientin Anna Schmidt, geb. 12.03.1980, hat Diabetes Typ 2;"
        " bitte Arztbrief an anna.schmidt@beispiel.de."
    )
    provider, rid, completion = ask(e2e, text)
    assert provider == "fr-sovereign"
    e2e.only("fr-sovereign")
    assert completion.choices[0].message.content == f"echo: {text}"
    rec = e2e.record(rid)
    assert "HEALTH" in rec.categories
    assert any(r.rule == "baseline/special-categories-eea" for r in rec.rules)
    assert "us-global" not in rec.eligible


def test_classified_only_on_prem_at_home(e2e: E2E) -> None:
    text = "VS-NUR FÜR DEN DIENSTGEBRAUCH\nLagebericht zur Liegenschaft Nord, bitte zusammenfassen."
    provider, rid, _ = ask(e2e, text)
    assert provider == "de-onprem"
    e2e.only("de-onprem")
    rec = e2e.record(rid)
    assert "CLASSIFIED" in rec.categories and rec.eligible == ("de-onprem",)


def test_secret_is_refused_and_nothing_leaves(e2e: E2E) -> None:
    key = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
        "-----END OPENSSH PRIVATE KEY-----"
    )
    with pytest.raises(openai.PermissionDeniedError) as exc:
        ask(e2e, f"Why does ssh reject this key?\n{key}")
    err = exc.value
    assert err.code == "policy_denied" and "baseline/secrets" in err.message
    assert err.response.headers["x-sovgate-provider"] == "none"
    e2e.only(None)
    rec = e2e.record(err.response.headers["x-sovgate-decision"])
    assert rec.status == 403 and rec.outcome == "policy_denied" and "SECRET" in rec.categories


CHINA = [
    pytest.param("Call our customer Zhang Wei on +86 138 0013 8000 to confirm the order.", id="english"),
    pytest.param("请给客户张伟打电话，电话号码是 +86 138 0013 8000，确认订单。", id="chinese"),
]


@pytest.mark.parametrize("text", CHINA)
def test_china_tenant_personal_information_stays_in_china(e2e: E2E, text: str) -> None:
    provider, rid, completion = ask(e2e, text, tenant="acme-cn")
    assert provider == "cn-provider"
    e2e.only("cn-provider")
    assert completion.choices[0].message.content == f"echo: {text}"
    rec = e2e.record(rid)
    assert rec.tenant == "acme-cn" and "CN" in rec.subject_jurisdictions
    assert any(r.rule == "baseline/china-personal-local" for r in rec.rules)
    assert rec.eligible == ("cn-provider",)


def test_china_tenant_plain_request_uses_first_preference(e2e: E2E) -> None:
    provider, _, _ = ask(e2e, "Translate 'good morning' into French.", tenant="acme-cn")
    assert provider == "us-global"
    e2e.only("us-global")


CASES = json.loads((Path(__file__).parent / "testdata" / "routing_cases.json").read_text())


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c, id=c["case"], marks=[pytest.mark.xfail(strict=True, reason=c["xfail"])] if "xfail" in c else []
        )
        for c in CASES
    ],
)
def test_routing_case(e2e: E2E, case: dict) -> None:
    """Markings in several spellings, secrets of several kinds, health data in several languages."""
    if case["expect"] == "refused":
        with pytest.raises(openai.PermissionDeniedError) as exc:
            ask(e2e, case["text"], tenant=case["tenant"])
        assert exc.value.code == "policy_denied"
        e2e.only(None)
        assert e2e.record(exc.value.response.headers["x-sovgate-decision"]).status == 403
        return
    provider, rid, completion = ask(e2e, case["text"], tenant=case["tenant"])
    assert provider == case["expect"]
    e2e.only(case["expect"])
    assert completion.choices[0].message.content == f"echo: {case['text']}"
    assert e2e.record(rid).provider == case["expect"]


def test_the_record_names_which_id_scheme_was_found_never_its_value(e2e: E2E) -> None:
    case = next(c for c in PERSONAL if c["case"] == "it-codice-fiscale")
    provider, rid, _ = ask(e2e, case["text"])
    rec = e2e.record(rid)
    ids = [f for f in rec.findings if f.kind == "NATIONAL_ID"]
    assert [(f.jurisdiction, f.count, f.detail) for f in ids] == [("IT", 1, "it.codicefiscale")]
    # pseudonymized for the US provider: the record says so per entity type
    assert provider == "us-global" and "NATIONAL_ID" in rec.protection["us-global"]
