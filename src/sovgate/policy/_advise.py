"""`catalog advise`: per country and data class, which catalog systems the applicable packs allow.

For each country the organisation operates in, a tenant at home there runs the built-in packs that apply
to it (baseline plus every pack whose `applies_to` names the country, plus `classified` for marked
material) against every catalog preset; self-hostable models are placed on-prem in that country.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from sovgate.catalog import Catalog
from sovgate.policy._engine import Engine
from sovgate.policy._packs import builtin_packs
from sovgate.types import Classification, Finding, Provider, Tenant

# Data classes a user can ask about -> (categories, entity findings) about a person of the country.
DATA_CLASSES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "public": ((), ()),
    "personal": ((), ("PERSON", "EMAIL", "PHONE")),
    "health": (("HEALTH",), ("PERSON",)),
    "genetic": (("GENETIC",), ("PERSON",)),
    "biometric": (("BIOMETRIC",), ("PERSON",)),
    "religious": (("RELIGIOUS",), ("PERSON",)),
    "political": (("POLITICAL",), ("PERSON",)),
    "criminal": (("CRIMINAL",), ("PERSON",)),
    "financial": (("FINANCIAL",), ("PERSON", "IBAN", "CREDIT_CARD")),
    "classified": (("CLASSIFIED",), ()),
    "secrets": (("SECRET",), ()),
}


class Why(msgspec.Struct, frozen=True, kw_only=True):
    """A rule that fired for this country and data class, and the systems it excluded."""

    rule: str
    effect: str
    reason: str
    citation: str
    excluded: tuple[str, ...] = ()


class Advice(msgspec.Struct, frozen=True, kw_only=True):
    country: str
    data: str
    packs: tuple[str, ...]
    refused: str | None  # refusing rule
    clear: tuple[str, ...]  # hosted services eligible in the clear
    pseudonymized: tuple[str, ...]  # hosted services eligible only pseudonymized
    self_hosted: tuple[str, ...]  # self-hostable models / engines eligible on-prem in the country
    rules: tuple[Why, ...]  # every rule that fired, in order: the "why"
    # Sovereign AI initiatives of the country (or its bloc): every catalog system developed there,
    # state-backed programmes first, then national providers (see `programmes`).
    initiatives: tuple[str, ...]
    programmes: tuple[str, ...] = ()  # the state-backed (publicly funded / government) ones
    notes: tuple[str, ...] = ()  # plain-language remarks, e.g. why no hosted service is eligible


def packs_for(country: str, catalog: Catalog) -> tuple[str, ...]:
    engine = Engine({}, catalog)
    names = ["baseline"]
    for name in builtin_packs():
        if name in ("baseline", "secrets", "classified"):
            continue
        if country in engine.load(name).applies_to:
            names.append(name)
    names.append("classified")
    return tuple(names)


def _providers(country: str, catalog: Catalog) -> dict[str, Provider]:
    out = {}
    for info in catalog.entries():
        p = info.provider
        if info.self_hosted:
            p = msgspec.structs.replace(p, hosting=(country,))
        out[info.id] = p
    return out


def initiatives(country: str, catalog: Catalog) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(all, state-backed): systems whose `country` of origin is the country or a bloc it belongs to.

    An initiative is a model or service developed by an organisation established in the country: a
    state-backed programme (`initiative: true`: Teuken, EuroLLM, ALLaM, Falcon, BharatGen ...) or a
    national provider (Qwen, ERNIE, Hunyuan, DeepSeek for CN; IONOS, STACKIT for DE). Serving engines
    (vLLM, Ollama ...) are tools, not initiatives.
    """
    mine = [
        i
        for i in catalog.entries()
        if i.kind != "engine"
        and i.country
        and (i.country == country or (i.country in catalog.blocs() and catalog.in_bloc(country, i.country)))
    ]
    programmes = tuple(i.id for i in mine if i.initiative)
    return programmes + tuple(i.id for i in mine if not i.initiative), programmes


def _notes(
    country: str,
    catalog: Catalog,
    clear: list[str],
    pseudo: list[str],
    fired: Sequence[tuple[str, str]],
) -> tuple[str, ...]:
    """Say plainly when nothing hosted is eligible in the clear, and why (fired: (rule, effect))."""
    on_prem = [rule for rule, effect in fired if effect == "require_on_prem"]
    if on_prem:
        return (
            f"only the organisation's own systems in {country} qualify ({', '.join(on_prem)}); "
            "no hosted service ever does",
        )
    rules = [rule for rule, effect in fired if effect != "allow"]
    if clear or not rules:
        return ()
    what = "in the clear" if pseudo else "at all"
    hosted_here = [i.id for i in catalog.entries() if not i.self_hosted and country in i.provider.hosting]
    if not hosted_here:
        return (
            f"no hosted service is eligible {what} (rules: {', '.join(rules)}): no catalog service is "
            f"known to be hosted in {catalog.name(country)} (the reference confirms none); run a "
            f"self-hostable model in {country} or configure a local provider",
        )
    return (f"no hosted service is eligible {what}: {', '.join(rules)}",)


def advise(countries: Sequence[str], data: Sequence[str], catalog: Catalog) -> list[Advice]:
    """Advice for every (country, data class) pair. Raises ValueError on unknown input."""
    for c in countries:
        if not catalog.is_country(c):
            raise ValueError(f"unknown country {c!r} (ISO 3166-1 alpha-2 code)")
    for d in data:
        if d not in DATA_CLASSES:
            raise ValueError(f"unknown data class {d!r}; known: {', '.join(DATA_CLASSES)}")
    out = []
    for country in countries:
        providers = _providers(country, catalog)
        packs = packs_for(country, catalog)
        engine = Engine.compile(packs, providers, catalog)
        tenant = Tenant(
            id=f"advise-{country}", home=country, api_key_sha256="", policies=packs, route=tuple(providers)
        )
        relevant, programmes = initiatives(country, catalog)
        for d in data:
            cats, entities = DATA_CLASSES[d]
            findings = tuple(
                Finding(kind=k, start=0, end=0, jurisdiction=country) for k in (*entities, *cats)
            )
            decision = engine.decide(
                tenant, Classification(findings=findings, categories=frozenset(cats)), "chat"
            )
            clear, pseudo, hosted_self = [], [], []
            excluded: dict[str, list[str]] = {}
            for v in decision.verdicts:
                info = catalog.info(v.provider)
                if not v.eligible:
                    if v.excluded_by and info.kind != "engine":
                        excluded.setdefault(v.excluded_by, []).append(v.provider)
                elif info.kind == "engine":
                    continue  # serving engines are not systems to choose; models are
                elif info.self_hosted:
                    hosted_self.append(v.provider)
                elif v.pseudonymize:
                    pseudo.append(v.provider)
                else:
                    clear.append(v.provider)
            out.append(
                Advice(
                    country=country,
                    data=d,
                    packs=packs,
                    refused=decision.refused.rule if decision.refused else None,
                    clear=tuple(clear),
                    pseudonymized=tuple(pseudo),
                    self_hosted=tuple(hosted_self),
                    rules=tuple(
                        Why(
                            rule=f.rule,
                            effect=f.effect,
                            reason=f.reason,
                            citation=f.citation,
                            excluded=tuple(excluded.get(f.rule, ())),
                        )
                        for f in decision.fired
                    ),
                    initiatives=relevant,
                    programmes=programmes,
                    notes=()
                    if decision.refused
                    else _notes(
                        country, catalog, clear, pseudo, [(f.rule, f.effect) for f in decision.fired]
                    ),
                )
            )
    return out
