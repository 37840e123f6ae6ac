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
    initiatives: tuple[str, ...]  # sovereign AI initiatives of the country (or its bloc)


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


def initiatives(country: str, catalog: Catalog) -> tuple[str, ...]:
    return tuple(
        i.id
        for i in catalog.entries()
        if i.initiative
        and (i.country == country or (i.country in catalog.blocs() and catalog.in_bloc(country, i.country)))
    )


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
        relevant = initiatives(country, catalog)
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
                )
            )
    return out
