"""Acceptance: issue 2's policy cases as a new user drives them, through the official openai SDK.

The gateway is the real `sovgate serve` in front of four fake upstreams (US-operated global, French
sovereign, German on-prem, Chinese); each fake records what it received, so every case checks both
what the client got and what each provider saw.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import openai
import pytest

from fakes.e2e_gateway import E2E

TESTDATA = Path(__file__).parent / "testdata"
PERSONAL = json.loads((TESTDATA / "personal_multilingual.json").read_text())


def ask(gw: E2E, text: str, tenant: str = "acme-de"):  # type: ignore[no-untyped-def]
    raw = gw.client(tenant).chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": text}]
    )
    return raw.headers["x-sovgate-provider"], raw.headers["x-sovgate-decision"], raw.parse()


def sent_to(gw: E2E, provider: str) -> str:
    return " ".join(r.text for r in gw.received(provider))


@pytest.mark.parametrize("case", PERSONAL, ids=[c["case"] for c in PERSONAL])
def test_personal_data_reaches_the_us_provider_only_pseudonymized(gw: E2E, case: dict) -> None:
    provider, rid, completion = ask(gw, case["text"])
    assert provider == "us-global"  # baseline: pseudonymized, not excluded
    gw.only("us-global")
    sent = sent_to(gw, "us-global")
    for value in case["values"]:
        assert value not in sent, f"{value!r} reached us-global in the clear: {sent}"
    assert "_1]" in sent  # it was masked, not dropped
    assert completion.choices[0].message.content == f"echo: {case['text']}"  # and restored
    rec = gw.record(rid)
    assert rec.protection.get("us-global"), "the record says what was pseudonymized for whom"
    blob = json.dumps(msgspec.to_builtins(rec), ensure_ascii=False)
    for value in case["values"]:
        assert value not in blob


@pytest.mark.parametrize(
    "text",
    [
        "Herr Thomas Berger (geb. 03.04.1975) leidet an Depressionen und nimmt Sertralin.",
        "Patient Maria Rossi was diagnosed with HIV last week; draft a letter.",
        "Mon collègue Marc Dubois est atteint d'un cancer du poumon, comment l'aider ?",
        "Mon collègue Pierre Martin est atteint d'un cancer du poumon, comment l'aider ?",  # pierre = stone
        "Le patient Jean Dupont souffre d'un cancer du poumon.",  # "Jean" is also a word
        "Ana López está embarazada y tiene diabetes gestacional.",
        "Il paziente Marco Ferrari ha la diagnosi F32.1.",
        "Pan Jan Nowak choruje na cukrzycę typu 1.",
        "John Smith is a member of the Labour Party and a Catholic.",
    ],
)
def test_special_categories_of_a_named_person_stay_in_the_eu_in_the_clear(gw: E2E, text: str) -> None:
    provider, rid, completion = ask(gw, text)
    assert provider == "fr-sovereign"
    gw.only("fr-sovereign")
    assert gw.received("fr-sovereign")[0].body["messages"][0]["content"] == text  # EU: in the clear
    assert completion.choices[0].message.content == f"echo: {text}"
    rec = gw.record(rid)
    assert "us-global" not in rec.eligible
    assert any(r.rule == "baseline/special-categories-eea" for r in rec.rules)


@pytest.mark.parametrize(
    "text",
    [
        "What are the early symptoms of type 2 diabetes?",
        "Wie behandelt man Bluthochdruck am besten?",
        "How do I reset a forgotten password in Windows?",
        "We discussed the NATO summit and restricted parking.",
        "Review this code: secret_key = settings.SECRET_KEY; password = getpass.getpass()",
    ],
)
def test_nothing_sensitive_goes_to_the_first_preference_untouched(gw: E2E, text: str) -> None:
    provider, rid, completion = ask(gw, text)
    assert provider == "us-global"
    assert completion.choices[0].message.content == f"echo: {text}"
    gw.only("us-global")
    assert gw.received("us-global")[0].body["messages"][0]["content"] == text
    assert gw.record(rid).rules == ()


@pytest.mark.parametrize(
    "text",
    [
        "VS-NfD\nBitte fasse den Bericht zusammen.",
        "VS - NUR FÜR DEN DIENSTGEBRAUCH\nBitte fasse zusammen.",
        "vs-nfd: Lagebild Ost",
        "Verschlusssache – nur für den Dienstgebrauch: Einsatzplan",
        "DIFFUSION RESTREINTE\nNote de synthèse",
        "RESTREINT UE/EU RESTRICTED\nCouncil document",
        "NATO RESTRICTED\nExercise plan",
        "OFFICIAL-SENSITIVE\nBriefing note",
        "OFFICIAL SENSITIVE: briefing",
        "CUI//SP-PRVCY summary",
        "SECRET//NOFORN summarize",
        "TOP SECRET: plan",
        "Diffusion Restreinte - note interne",
        "DIFUSIÓN LIMITADA informe",
        "ZASTRZEŻONE - raport",
    ],
)
def test_marked_material_only_on_prem_at_home(gw: E2E, text: str) -> None:
    provider, rid, _ = ask(gw, text)
    assert provider == "de-onprem"
    gw.only("de-onprem")
    rec = gw.record(rid)
    assert "CLASSIFIED" in rec.categories and rec.eligible == ("de-onprem",)


@pytest.mark.parametrize(
    "text",
    [
        "my key is AKIAIOSFODNN7EXAMPLE and secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
        "-----END RSA PRIVATE KEY-----",
        "token ghp_1234567890abcdefghijklmnopqrstuvwxyzAB please debug",
        "db config: password=Hunter2!secret",
        "export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
        "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "Passwort: Sommer2024!",
    ],
)
def test_secrets_are_refused_and_nothing_leaves(gw: E2E, text: str) -> None:
    with pytest.raises(openai.PermissionDeniedError) as exc:
        gw.client().chat.completions.create(model="chat", messages=[{"role": "user", "content": text}])
    err = exc.value
    assert err.status_code == 403 and err.code == "policy_denied"
    assert "baseline/secrets" in err.message
    assert err.response.headers["x-sovgate-provider"] == "none"
    gw.only(None)
    rec = gw.record(err.response.headers["x-sovgate-decision"])
    assert rec.status == 403 and rec.provider is None
    assert text.splitlines()[0][-12:] not in json.dumps(msgspec.to_builtins(rec))


def test_china_tenant_keeps_personal_information_in_china(gw: E2E) -> None:
    provider, rid, _ = ask(gw, "Customer Zhang Wei, zhang.wei@163.com, wants a refund.", tenant="acme-cn")
    assert provider == "cn-provider"
    gw.only("cn-provider")
    rec = gw.record(rid)
    assert any(r.rule == "baseline/china-personal-local" for r in rec.rules)
    assert "us-global" not in rec.eligible


def test_china_tenant_plain_chinese_text_goes_to_first_preference(gw: E2E) -> None:
    provider, _, completion = ask(gw, "请总结一下今天的天气。", tenant="acme-cn")
    assert provider == "us-global"
    assert completion.choices[0].message.content == "echo: 请总结一下今天的天气。"


def test_health_failover_skips_the_excluded_provider_and_fails_closed(gw: E2E) -> None:
    text = "Patientin Anna Schmidt hat Diabetes Typ 2."
    gw.fakes["fr-sovereign"].fail_status = 502
    provider, _, _ = ask(gw, text)
    assert provider == "de-onprem"
    gw.fakes["de-onprem"].fail_status = 503
    with pytest.raises(openai.APIStatusError) as exc:
        ask(gw, text)
    assert exc.value.status_code == 503 and exc.value.code == "no_eligible_provider"
    assert not gw.received("us-global"), "an excluded provider must never be tried"
