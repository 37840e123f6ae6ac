"""The baseline pack (issue 2 item 5) through the Engine, on catalog presets."""

from __future__ import annotations

import msgspec
import pytest

from sovgate.catalog import Catalog
from sovgate.policy import Engine
from sovgate.types import Classification, Finding, Provider, Tenant

ROUTE = ("us", "eu", "de-onprem", "cn", "ch")


@pytest.fixture(scope="module")
def engine() -> Engine:
    cat = Catalog.builtin()

    def p(preset: str, **kw: object) -> Provider:
        return msgspec.structs.replace(cat.preset(preset), **kw)

    providers = {
        "us": p("openai", id="us"),
        "eu": p("mistral-eu", id="eu", hosting=("FR",)),
        "de-onprem": p("vllm", id="de-onprem", hosting=("DE",)),
        "cn": p("qwen-cn", id="cn"),
        "ch": Provider(id="ch", operator="Swiss AG", operator_country="CH", hosting=("CH",)),
    }
    return Engine.compile(["baseline"], providers, cat)


def tenant(home: str = "DE") -> Tenant:
    return Tenant(id=f"t-{home}", home=home, api_key_sha256="0" * 64, route=ROUTE)


def cls(*findings: Finding, categories: tuple[str, ...] = ()) -> Classification:
    return Classification(findings=findings, categories=frozenset(categories))


def test_nothing_sensitive_every_provider_in_route_order(engine: Engine) -> None:
    d = engine.decide(tenant(), cls(), "chat")
    assert d.eligible == ROUTE
    assert d.fired == () and d.refused is None
    assert all(v.pseudonymize == frozenset() for v in d.verdicts)


def test_secret_refuses(engine: Engine) -> None:
    d = engine.decide(tenant(), cls(Finding("SECRET", 0, 10, detail="aws_access_key")), "chat")
    assert d.refused is not None and d.refused.rule == "baseline/secrets"
    assert d.eligible == ()
    assert d.refused.citation


def test_marking_only_on_prem_at_home(engine: Engine) -> None:
    d = engine.decide(tenant("DE"), cls(Finding("CLASSIFIED", 0, 6, detail="VS-NfD")), "chat")
    assert d.eligible == ("de-onprem",)
    assert d.verdict("us").excluded_by == "baseline/markings-on-prem-home"
    # A French tenant has no on-prem provider in France.
    assert engine.decide(tenant("FR"), cls(Finding("CLASSIFIED", 0, 6)), "chat").eligible == ()


def test_health_of_eu_person_only_eu_hosted_and_operated(engine: Engine) -> None:
    d = engine.decide(tenant(), cls(Finding("PERSON", 0, 4), categories=("HEALTH",)), "chat")
    assert d.eligible == ("eu", "de-onprem")
    assert d.verdict("us").excluded_by == "baseline/special-categories-eea"
    assert d.verdict("ch").excluded_by == "baseline/special-categories-eea"  # adequate, but not EEA
    assert d.verdict("eu").pseudonymize == frozenset()


def test_personal_data_of_eu_person_pseudonymized_outside(engine: Engine) -> None:
    d = engine.decide(
        tenant(), cls(Finding("EMAIL", 0, 5), Finding("IBAN", 10, 30, jurisdiction="FR")), "chat"
    )
    assert d.eligible == ROUTE
    assert d.verdict("us").pseudonymize == {"EMAIL", "IBAN"}
    assert d.verdict("cn").pseudonymize == {"EMAIL", "IBAN"}
    assert d.verdict("eu").pseudonymize == frozenset()
    assert d.verdict("ch").pseudonymize == frozenset()  # adequacy country, no exposure
    assert d.verdict("de-onprem").pseudonymize == frozenset()
    assert [f.rule for f in d.fired] == ["baseline/personal-eea-transfer"]


def test_an_eu_person_in_the_request_masks_every_personal_type(engine: Engine) -> None:
    # Findings are not linked: the US phone may belong to the EU person (QA P4), so it is masked too.
    d = engine.decide(
        tenant(), cls(Finding("PHONE", 0, 5, jurisdiction="US"), Finding("EMAIL", 6, 9)), "chat"
    )
    assert d.verdict("us").pseudonymize == {"EMAIL", "PHONE"}
    # No EU/EEA person at all: nothing is masked.
    d = engine.decide(tenant("US"), cls(Finding("PHONE", 0, 5, jurisdiction="US")), "chat")
    assert d.verdict("us").pseudonymize == frozenset()


def test_health_category_found_by_classifier_about_home_people(engine: Engine) -> None:
    # A US tenant: a US person's health data is not about an EU/EEA person.
    d = engine.decide(tenant("US"), cls(Finding("PERSON", 0, 4), categories=("HEALTH",)), "chat")
    assert d.eligible == ROUTE
    # ...but a German person's is, even for the US tenant.
    d = engine.decide(
        tenant("US"), cls(Finding("NATIONAL_ID", 0, 11, jurisdiction="DE"), categories=("HEALTH",)), "chat"
    )
    assert d.eligible == ("eu", "de-onprem")


def test_china_tenant_keeps_chinese_personal_information_in_china(engine: Engine) -> None:
    d = engine.decide(tenant("CN"), cls(Finding("PHONE", 0, 11, jurisdiction="CN")), "chat")
    assert d.eligible == ("cn",)
    assert d.verdict("us").excluded_by == "baseline/china-personal-local"
    # Not a China tenant: no localisation rule from the baseline.
    assert (
        engine.decide(tenant("DE"), cls(Finding("PHONE", 0, 11, jurisdiction="CN")), "chat").eligible == ROUTE
    )


def test_unknown_route_entry_is_never_eligible(engine: Engine) -> None:
    t = Tenant(id="x", home="DE", api_key_sha256="0" * 64, route=("nope", "eu"))
    d = engine.decide(t, cls(), "chat")
    assert d.eligible == ("eu",)
    assert d.verdict("nope").excluded_by == "sovgate/unknown-provider"
