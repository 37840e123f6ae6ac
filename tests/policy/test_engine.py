"""Engine semantics: composition, allow exceptions, variables, lazy per-tenant packs, provider inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovgate.catalog import Catalog
from sovgate.policy import Engine
from sovgate.types import Classification, Finding, Provider, Tenant

ACME = str(Path(__file__).parent / "testdata" / "packs" / "acme.yaml")
CAT = Catalog.builtin()
PROVIDERS = {
    "us": Provider(id="us", operator_country="US", hosting=("US",)),
    "us-dpf": Provider(id="us-dpf", operator_country="US", hosting=("US",)),
    "de": Provider(id="de", operator_country="DE", hosting=("DE",)),
    "fr": Provider(id="fr", operator_country="FR", hosting=("FR",)),
    "onprem": Provider(id="onprem", on_prem=True, hosting=("DE",)),
    "cn": Provider(id="cn", operator_country="CN", hosting=("CN",)),
}
ROUTE = ("us", "us-dpf", "de", "fr", "onprem", "cn")


def tenant(packs: tuple[str, ...], home: str = "DE") -> Tenant:
    return Tenant(id="t", home=home, api_key_sha256="0" * 64, policies=packs, route=ROUTE)


def cls(*findings: Finding, categories: tuple[str, ...] = ()) -> Classification:
    return Classification(findings=findings, categories=frozenset(categories))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.compile([ACME, "baseline"], PROVIDERS, CAT)


def test_allow_shields_only_within_its_pack(engine: Engine) -> None:
    d = engine.decide(tenant((ACME,)), cls(Finding("PERSON", 0, 3)), "chat")
    assert d.verdict("us").excluded_by == "acme/no-us-for-personal"
    assert d.verdict("us-dpf").eligible
    # baseline still pseudonymizes for the DPF provider: an allow never overrides another pack
    d = engine.decide(tenant((ACME, "baseline")), cls(Finding("PERSON", 0, 3)), "chat")
    assert d.verdict("us-dpf").eligible and d.verdict("us-dpf").pseudonymize == {"PERSON"}


def test_first_excluding_rule_wins_across_packs(engine: Engine) -> None:
    c = cls(Finding("PERSON", 0, 3), categories=("HEALTH",))
    d = engine.decide(tenant(("baseline", ACME)), c, "chat")
    assert d.verdict("us").excluded_by == "baseline/special-categories-eea"
    d = engine.decide(tenant((ACME, "baseline")), c, "chat")
    assert d.verdict("us").excluded_by == "acme/no-us-for-personal"
    assert d.verdict("us-dpf").excluded_by == "baseline/special-categories-eea"


def test_model_patterns(engine: Engine) -> None:
    for model, eligible in (("reason-large", ("onprem",)), ("o1", ("onprem",)), ("chat", ROUTE)):
        d = engine.decide(tenant((ACME,)), cls(), model)
        assert d.eligible == eligible, model


def test_subjects_variable(engine: Engine) -> None:
    d = engine.decide(tenant((ACME,)), cls(Finding("NATIONAL_ID", 0, 3, jurisdiction="FR")), "chat")
    # us: excluded earlier by the US rule; us-dpf: shielded by the allow; onprem is in DE
    assert d.eligible == ("us-dpf", "fr")
    assert d.verdict("de").excluded_by == "acme/data-stays-with-subject"
    assert d.verdict("cn").excluded_by == "acme/data-stays-with-subject"
    # no jurisdiction on the finding: the tenant's home
    d = engine.decide(tenant((ACME,), home="DE"), cls(Finding("NATIONAL_ID", 0, 3)), "chat")
    assert d.eligible == ("us-dpf", "de", "onprem")


def test_pseudonymize_selected_entities(engine: Engine) -> None:
    d = engine.decide(tenant((ACME,)), cls(Finding("PHONE", 0, 3), Finding("EMAIL", 4, 9)), "chat")
    assert d.verdict("cn").pseudonymize == {"PHONE"}
    assert d.verdict("de").pseudonymize == frozenset()
    assert d.verdict("us-dpf").pseudonymize == frozenset()  # shielded by the pack's allow


def test_tenant_packs_compiled_on_first_use_and_cached() -> None:
    engine = Engine.compile(["baseline"], PROVIDERS, CAT)
    d = engine.decide(tenant(("secrets",)), cls(Finding("SECRET", 0, 3)), "chat")
    assert d.refused is not None and d.refused.rule == "secrets/refuse-secrets"
    assert engine.packs(("secrets",)) is engine.packs(("secrets",))


def test_providers_as_a_sequence_and_blocs_in_hosting() -> None:
    providers = [
        Provider(id="eu-zone", operator_country="DE", hosting=("EU",)),  # a config that wrote a bloc
        Provider(id="cn", operator_country="CN", hosting=("CN",)),
    ]
    engine = Engine.compile(["baseline"], providers, CAT)
    t = Tenant(id="t", home="FR", api_key_sha256="", route=("eu-zone", "cn"))
    d = engine.decide(t, cls(Finding("PERSON", 0, 3), categories=("HEALTH",)), "chat")
    assert d.eligible == ("eu-zone",)


def test_exposure_of_operator_country_applies_even_if_config_omits_it() -> None:
    providers = {"us-in-eu": Provider(id="us-in-eu", operator_country="US", hosting=("DE",), exposure=())}
    engine = Engine.compile(["eu-sovereign-strict"], providers, CAT)
    t = Tenant(id="t", home="DE", api_key_sha256="", policies=("eu-sovereign-strict",), route=("us-in-eu",))
    d = engine.decide(t, cls(), "chat")
    assert d.verdict("us-in-eu").excluded_by == "eu-sovereign-strict/no-foreign-law-exposure"


def test_self_hosted_without_hosting_fails_closed() -> None:
    engine = Engine.compile(["baseline"], {"vllm": CAT.preset("vllm")}, CAT)
    t = Tenant(id="t", home="DE", api_key_sha256="", route=("vllm",))
    d = engine.decide(t, cls(Finding("CLASSIFIED", 0, 3)), "chat")
    assert d.eligible == ()
    assert d.verdict("vllm").excluded_by == "baseline/markings-on-prem-home"


def test_decide_is_deterministic_and_does_not_mutate() -> None:
    engine = Engine.compile(["baseline", "eu-gdpr"], PROVIDERS, CAT)
    c = cls(Finding("EMAIL", 0, 3), Finding("PHONE", 4, 9, jurisdiction="IT"))
    first = engine.decide(tenant(("baseline", "eu-gdpr")), c, "chat")
    for _ in range(3):
        assert engine.decide(tenant(("baseline", "eu-gdpr")), c, "chat") == first


# P4: findings are not linked, so a name without a country may be the holder of the EU IBAN next to it.
ZHANG_AND_MUELLER = cls(
    Finding("PERSON", 9, 18),
    Finding("EMAIL", 20, 37),
    Finding("PERSON", 60, 73),
    Finding("IBAN", 80, 107, jurisdiction="DE"),
)


@pytest.mark.parametrize("home", ["CN", "US"])
def test_eu_subject_masks_every_personal_type_of_the_request(home: str) -> None:
    engine = Engine.compile(["baseline"], PROVIDERS, CAT)
    d = engine.decide(tenant(("baseline",), home=home), ZHANG_AND_MUELLER, "chat")
    # CN tenant: only the China-hosted provider stays (China rule), exposed to CN law -> masked
    outside = "cn" if home == "CN" else "us"
    assert d.verdict(outside).eligible
    assert d.verdict(outside).pseudonymize == {"PERSON", "EMAIL", "IBAN"}
    assert d.verdict("de").pseudonymize == frozenset()


@pytest.mark.parametrize(
    ("pack", "country", "home"),
    [("ru-242fz", "RU", "DE"), ("ae-pdpl", "AE", "US"), ("sa-pdpl", "SA", "GB"), ("eu-gdpr", "FR", "BR")],
)
def test_every_pseudonymize_pack_protects_the_whole_request(pack: str, country: str, home: str) -> None:
    engine = Engine.compile([pack], PROVIDERS, CAT)
    c = cls(Finding("PERSON", 0, 5), Finding("EMAIL", 6, 9), Finding("PHONE", 10, 19, jurisdiction=country))
    d = engine.decide(tenant((pack,), home=home), c, "chat")
    assert d.verdict("us").pseudonymize == {"PERSON", "EMAIL", "PHONE"}


def test_financial_data_concerns_the_people_of_the_request() -> None:
    # A Brazilian tenant, FINANCIAL found by the classifier (no finding of its own) next to a UAE phone:
    # the banking data is about the UAE resident, not about the tenant's home.
    engine = Engine.compile(["ae-pdpl"], {**PROVIDERS, "ae": Provider(id="ae", hosting=("AE",))}, CAT)
    t = Tenant(id="t", home="BR", api_key_sha256="0" * 64, policies=("ae-pdpl",), route=("us", "ae"))
    d = engine.decide(t, cls(Finding("PHONE", 0, 9, jurisdiction="AE"), categories=("FINANCIAL",)), "chat")
    assert d.eligible == ("ae",)
    assert d.verdict("us").excluded_by == "ae-pdpl/banking-data-in-uae"
