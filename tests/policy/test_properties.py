"""Properties of decisions over generated requests (hypothesis): what the laws require always holds."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.catalog import Catalog
from sovgate.policy import Engine, builtin_packs
from sovgate.types import ENTITY_TYPES, SPECIAL_CATEGORIES, Classification, Finding, Tenant

CAT = Catalog.builtin()
EEA = frozenset(CAT.expand(["EEA"]))
PROVIDERS = {
    name: CAT.preset(name)
    for name in (
        "openai",
        "openai-eu",
        "anthropic",
        "mistral",
        "ionos",
        "scaleway",
        "qwen-cn",
        "qwen-eu",
        "deepseek",
    )
}
PROVIDERS["de-onprem"] = msgspec.structs.replace(CAT.preset("vllm"), hosting=("DE",))
PROVIDERS["cn-onprem"] = msgspec.structs.replace(CAT.preset("vllm"), hosting=("CN",))
PROVIDERS["ch"] = msgspec.structs.replace(CAT.preset("ionos"), operator_country="CH", hosting=("CH",))
ROUTE = tuple(PROVIDERS)
ART9 = frozenset(SPECIAL_CATEGORIES) - {"CRIMINAL"}  # CRIMINAL is Art. 10, outside the baseline's rule
PACKS = tuple(builtin_packs())
ENGINE = Engine.compile(PACKS, PROVIDERS, CAT)
COUNTRIES = ["DE", "FR", "NO", "US", "CN", "RU", "IN", "AE", "SA", "CH", "JP", "BR"]

findings = st.lists(
    st.builds(
        lambda kind, j: Finding(kind=kind, start=0, end=1, jurisdiction=j),
        st.sampled_from([*ENTITY_TYPES, "SECRET", "CLASSIFIED", "FINANCIAL", "HEALTH"]),
        st.one_of(st.none(), st.sampled_from(COUNTRIES)),
    ),
    max_size=6,
)
requests = st.builds(
    lambda fs, cats: Classification(findings=tuple(fs), categories=frozenset(cats)),
    findings,
    st.sets(st.sampled_from(SPECIAL_CATEGORIES), max_size=2),
)
chains = st.lists(st.sampled_from(PACKS), min_size=1, max_size=5, unique=True)


def tenant(home: str, packs: tuple[str, ...]) -> Tenant:
    return Tenant(id=f"t-{home}", home=home, api_key_sha256="", policies=packs, route=ROUTE)


def subjects(c: Classification, home: str) -> set[str]:
    return {f.jurisdiction or home for f in c.findings if f.kind in ENTITY_TYPES}


@settings(max_examples=300, deadline=None)
@given(requests, st.sampled_from(COUNTRIES), chains, st.sampled_from(PACKS))
def test_adding_a_pack_never_widens_the_eligible_set(
    c: Classification, home: str, chain: list[str], extra: str
) -> None:
    base = ENGINE.decide(tenant(home, tuple(chain)), c, "chat")
    more = ENGINE.decide(tenant(home, (*chain, extra)), c, "chat")
    assert set(more.eligible) <= set(base.eligible)
    for v in base.verdicts:
        w = more.verdict(v.provider)
        if w is not None and w.eligible:
            assert v.pseudonymize <= w.pseudonymize  # masking never shrinks either


@settings(max_examples=300, deadline=None)
@given(requests, st.sampled_from(COUNTRIES))
def test_baseline_guarantees(c: Classification, home: str) -> None:
    d = ENGINE.decide(tenant(home, ("baseline",)), c, "chat")
    kinds = {f.kind for f in c.findings}
    if "SECRET" in kinds:
        assert d.refused is not None and d.eligible == ()
        return
    eligible = [PROVIDERS[p] for p in d.eligible]
    if "CLASSIFIED" in kinds:
        assert all(p.on_prem and set(p.hosting) == {home} for p in eligible)
    # the people a special category is about: its own findings' countries (home if it has none) and
    # every person of the request
    people = subjects(c, home)
    for cat in c.categories & ART9:
        people |= {f.jurisdiction or home for f in c.findings if f.kind == cat} or {home}
    if c.categories & ART9 and people & EEA:
        assert all(set(p.hosting) <= EEA and p.operator_country in EEA | {""} for p in eligible)
    eea_types = {f.kind for f in c.findings if f.kind in ENTITY_TYPES and (f.jurisdiction or home) in EEA}
    for pid in d.eligible:
        p = PROVIDERS[pid]
        if p.exposure or not set(p.hosting) <= EEA | {"CH", "JP"}:
            assert eea_types <= d.verdict(pid).pseudonymize, pid
    if home == "CN" and "CN" in subjects(c, home):
        assert all(set(p.hosting) == {"CN"} for p in eligible)


@settings(max_examples=200, deadline=None)
@given(requests, st.sampled_from(COUNTRIES), chains)
def test_verdicts_follow_the_route_and_explain_every_exclusion(
    c: Classification, home: str, chain: list[str]
) -> None:
    d = ENGINE.decide(tenant(home, tuple(chain)), c, "chat")
    assert tuple(v.provider for v in d.verdicts) == ROUTE
    fired = {f.rule for f in d.fired}
    for v in d.verdicts:
        if not v.eligible:
            assert v.excluded_by in fired and v.reason
        elif v.pseudonymize:
            assert v.pseudonymize <= set(ENTITY_TYPES) and v.reason


def _without_prefilter() -> Engine:
    engine = Engine.compile(PACKS, PROVIDERS, CAT)
    for pack in engine.packs():
        for rule in pack.rules:
            rule.when.triggers = None  # evaluate every rule's full condition
    return engine


UNFILTERED = _without_prefilter()


@settings(max_examples=300, deadline=None)
@given(requests, st.sampled_from(COUNTRIES), chains, st.sampled_from(["chat", "reason-large"]))
def test_trigger_prefilter_never_changes_a_decision(
    c: Classification, home: str, chain: list[str], model: str
) -> None:
    t = tenant(home, tuple(chain))
    assert ENGINE.decide(t, c, model) == UNFILTERED.decide(t, c, model)
