from __future__ import annotations

import ipaddress
import json
import random
import re
from datetime import datetime
from pathlib import Path

import phonenumbers
import pytest
from stdnum import iban, luhn

from sovgate.messages import extract_segments
from sovgate.protect import Pseudonymizer, PseudonymSession, StreamRestorer, restore
from sovgate.protect._surrogates import locale_of, surrogate
from sovgate.types import Finding

from .conftest import locate, protect_values

CASES = json.loads((Path(__file__).parent / "testdata" / "multilingual.json").read_text())["cases"]
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_surrogates_hide_values_and_restore_exactly(case):
    body = {"messages": [{"role": "user", "content": case["text"]}]}
    new, report, session = protect_values(body, case["values"], pz=Pseudonymizer("surrogate", seed=7))
    masked = new["messages"][0]["content"]
    for value in case["values"]:
        assert value not in masked
    assert not any(t.startswith("[") for t in report.tokens)  # real surrogates, no fallback
    assert restore(masked, session, scope=report.tokens) == case["text"]
    r = StreamRestorer(session, scope=report.tokens)
    assert "".join([r.feed(c) for c in masked] + [r.flush()]) == case["text"]


@pytest.mark.parametrize("seed", range(25))
def test_surrogates_are_valid_values_of_the_same_kind(seed):
    rng = random.Random(seed)
    sub = surrogate("IBAN", "DE89 3704 0044 0532 0130 00", None, rng)
    assert sub is not None and iban.is_valid(sub) and sub.startswith("DE") and len(sub) == 27
    sub = surrogate("IBAN", "FR1420041010050500013M02606", None, rng)
    assert sub is not None and sub[:2] == "FR" and len(sub) == 27 and iban.is_valid(sub)
    card = surrogate("CREDIT_CARD", "5500-0000-0000-0004", None, rng)
    assert card is not None and re.fullmatch(r"55\d\d-\d{4}-\d{4}-\d{4}", card)
    assert luhn.is_valid(card.replace("-", ""))
    phone = surrogate("PHONE", "+33 6 12 34 56 78", None, rng)
    assert phone is not None and phone.startswith("+33")
    parsed = phonenumbers.parse(phone)
    assert phonenumbers.is_valid_number(parsed)
    assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    ip = ipaddress.ip_address(surrogate("IP_ADDRESS", "10.20.30.40", None, rng) or "")
    assert any(ip in ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
    ip6 = ipaddress.ip_address(surrogate("IP_ADDRESS", "fe80::1", None, rng) or "")
    assert ip6 in ipaddress.ip_network("2001:db8::/32")
    email = surrogate("EMAIL", "jürgen.weiss@firma.de", None, rng) or ""
    assert re.fullmatch(r"[a-z.\-]+@example\.(com|org|net)", email)
    dob = surrogate("DATE_OF_BIRTH", "12.03.1985", None, rng) or ""
    assert datetime.strptime(dob, "%d.%m.%Y") != datetime(1985, 3, 12)
    nid = surrogate("NATIONAL_ID", "L01X00T47", None, rng) or ""
    assert re.fullmatch(r"[A-Z]\d\d[A-Z]\d\d[A-Z]\d\d", nid)


def test_names_follow_locale_and_script():
    rng = random.Random(1)
    assert CJK.search(surrogate("PERSON", "王小明", None, rng) or "")
    assert CJK.search(surrogate("PERSON", "山田太郎", "JP", rng) or "")
    assert re.fullmatch(
        r"[\u0400-\u04ff]+ [\u0400-\u04ff]+", surrogate("PERSON", "Иван Петров", None, rng) or ""
    )
    assert locale_of("Jürgen Weiß", None) == "de"
    assert locale_of("Anna Smith", "FR") == "fr"  # the jurisdiction wins
    assert locale_of("Łukasz", None) == "pl"
    assert (surrogate("PERSON", "ANNA SCHMIDT", None, rng) or "").isupper()
    assert len((surrogate("PERSON", "Anna", None, rng) or "").split()) == 1


REAL_NAMES = [("Maria Rossi", "IT"), ("Camille Lefèvre", "FR"), ("Lukas Weber", "DE"), ("Anna", "DE")]


@pytest.mark.parametrize(("value", "juris"), REAL_NAMES)
def test_a_name_surrogate_shares_no_part_with_the_real_name(value: str, juris: str) -> None:
    rng = random.Random(7)
    real = {w.casefold() for w in value.split()}
    for _ in range(300):
        fake = surrogate("PERSON", value, juris, rng)
        assert fake and not real & {w.casefold() for w in fake.split()}, fake


def test_a_surrogate_already_in_the_request_is_not_used():
    seed = 11
    first = surrogate("PERSON", "Anna Schmidt", None, random.Random(seed))
    assert first is not None
    body = {"messages": [{"role": "user", "content": f"Anna Schmidt and {first} are colleagues."}]}
    segs = extract_segments(body)
    findings = locate(segs, {"Anna Schmidt": "PERSON"})
    session = PseudonymSession()
    _new, report = Pseudonymizer("surrogate", seed=seed).protect(body, segs, findings, {"PERSON"}, session)
    (token,) = report.tokens
    assert token != first
    # restoring an answer that mentions the real colleague leaves them alone
    assert restore(f"{first} and {token}", session) == f"{first} and Anna Schmidt"


def test_no_convincing_surrogate_falls_back_to_a_placeholder():
    body = {"messages": [{"role": "user", "content": "ID: ＊＊＊"}]}
    segs = extract_segments(body)
    f = [Finding("NATIONAL_ID", 4, 7)]
    new, _report = Pseudonymizer("surrogate").protect(body, segs, f, {"NATIONAL_ID"}, PseudonymSession())
    assert new["messages"][0]["content"] == "ID: [NATIONAL_ID_1]"


def test_surrogates_in_tool_arguments_stay_valid_json():
    args = json.dumps({"name": "Jürgen Weiß", "iban": "DE89370400440532013000"})
    body = {
        "messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": args}}]}]
    }
    vals = {"Jürgen Weiß": "PERSON", "DE89370400440532013000": "IBAN"}
    new, report, session = protect_values(body, vals, pz=Pseudonymizer("surrogate", seed=5))
    sent = json.loads(new["messages"][0]["tool_calls"][0]["function"]["arguments"])
    assert sent["name"] != "Jürgen Weiß" and iban.is_valid(sent["iban"])
    # the model answers with ensure_ascii escapes: still restored
    back = restore(json.dumps(sent), session, scope=report.tokens, in_json=True)
    assert json.loads(back) == json.loads(args)


def test_pseudonymizer_rejects_unknown_style():
    with pytest.raises(ValueError, match="placeholder"):
        Pseudonymizer("fake")  # type: ignore[arg-type]


def test_a_surrogate_name_part_alone_restores_to_the_real_part():
    body = {"messages": [{"role": "user", "content": "Schreibe an Jürgen Weiß."}]}
    _, report, session = protect_values(
        body, {"Jürgen Weiß": "PERSON"}, pz=Pseudonymizer("surrogate", seed=2)
    )
    (fake,) = report.tokens
    given, family = fake.split()
    answer = f"Sehr geehrter Herr {family}, lieber {given}! Grüße an {fake}."
    assert restore(answer, session, scope=report.tokens) == (
        "Sehr geehrter Herr Weiß, lieber Jürgen! Grüße an Jürgen Weiß."
    )
    r = StreamRestorer(session, scope=report.tokens)
    assert "".join([r.feed(c) for c in answer] + [r.flush()]) == restore(answer, session, scope=report.tokens)
    # aliases follow their surrogate's scope, and are never used for masking
    assert restore(answer, session, scope=frozenset()) == answer
    assert len(session) == 1


def test_no_alias_for_a_name_part_that_the_request_contains():
    seed = 4
    fake = surrogate("PERSON", "Jürgen Weiß", None, random.Random(seed))
    assert fake is not None
    family = fake.split()[-1]
    text = f"Jürgen Weiß und Frau {family} aus dem Einkauf."
    body = {"messages": [{"role": "user", "content": text}]}
    segs = extract_segments(body)
    session = PseudonymSession()
    _, report = Pseudonymizer("surrogate", seed=seed).protect(
        body, segs, locate(segs, {"Jürgen Weiß": "PERSON"}), {"PERSON"}, session
    )
    assert report.tokens == {fake}  # the surrogate whose family name the request contains
    # "Frau <family>" is someone real in this request: her name must not turn into "Weiß"
    assert restore(f"Frau {family}", session) == f"Frau {family}"


@pytest.mark.parametrize(
    "kind", ["PERSON", "EMAIL", "PHONE", "IBAN", "CREDIT_CARD", "NATIONAL_ID", "ADDRESS", "X"]
)
@pytest.mark.parametrize(
    "value",
    ["Anna Schmidt 4111 1111 1111 1111", "Jürgen-Ä123 王小明", "+49 170 1234567 Weiß", "ÉLODIE 12/03/1985"],
)
def test_no_surrogate_keeps_a_word_of_the_value(kind, value):
    """Even for a value of an odd shape (two findings merged), nothing identifying survives."""
    for seed in range(5):
        out = surrogate(kind, value, None, random.Random(seed)) or ""
        for word in re.findall(r"[^\W\d_]{2,}|\d{3,}", value):
            assert word not in out, (kind, value, out)
        if kind in ("NATIONAL_ID", "X", "CREDIT_CARD", "IBAN"):  # built from the value's shape
            assert not set("üÄ王小明ÉÖ") & set(value) & set(out)


def test_e_mail_and_address_surrogates_share_no_name_with_the_real_value() -> None:
    rng = random.Random(11)
    for _ in range(300):
        # names that the German surrogate lists hold themselves
        mail = surrogate("EMAIL", "lukas.vogel@firma.de", "DE", rng) or ""
        assert "lukas" not in mail and "vogel" not in mail, mail
        addr = surrogate("ADDRESS", "Lindenweg 5, 34117 Kassel", "DE", rng) or ""
        assert "Lindenweg" not in addr and "Kassel" not in addr, addr
