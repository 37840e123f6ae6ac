"""Provider facts as sets, and provider conditions (`providers:` / `unless:`) compiled to predicates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sovgate.catalog import Catalog
from sovgate.policy._values import CompileContext, Env, parse_bool, parse_jurisdictions, parse_names, resolver
from sovgate.types import Provider

ProviderPred = Callable[["ProviderFacts", Env], bool]


@dataclass(slots=True, frozen=True)
class ProviderFacts:
    """A provider's policy-relevant facts as sets, resolved once at compile time."""

    idx: int
    id: str
    preset: str
    hosting: frozenset[str]
    # Where the operator sits. A self-hosted (on_prem) provider without operator_country is run by the
    # organisation where it is hosted, so its hosting countries stand in.
    operated_from: frozenset[str]
    on_prem: bool
    exposure: frozenset[str]
    eu_adequate: bool


def provider_facts(providers: Mapping[str, Provider], catalog: Catalog) -> list[ProviderFacts]:
    """Facts per configured provider; the mapping's keys are the provider ids routes use."""
    out = []
    for i, (pid, p) in enumerate(providers.items()):
        # Blocs written into a configuration's hosting ("EU") are expanded; unknown codes stay as they
        # are and simply match no jurisdiction (fail closed).
        hosting = frozenset(
            c for h in p.hosting for c in (catalog.expand([h]) if h in catalog.blocs() else (h,))
        )
        if p.operator_country:
            operated = frozenset((p.operator_country,))
        elif p.on_prem:
            operated = hosting
        else:
            operated = frozenset()
        # Fail closed: the catalog's exposure for the operator country always applies, whatever the
        # configuration says.
        exposure = frozenset(p.exposure) | frozenset(catalog.exposure_for(p.operator_country))
        adequate = (
            bool(hosting)
            and bool(operated)
            and all(catalog.cleared_for_eea(c, dpf_certified=p.dpf_certified) for c in hosting | operated)
        )
        out.append(
            ProviderFacts(
                idx=i,
                id=pid,
                preset=p.preset or "",
                hosting=hosting,
                operated_from=operated,
                on_prem=p.on_prem,
                exposure=exposure,
                eu_adequate=adequate,
            )
        )
    return out


PROVIDER_KEYS = (
    "hosted_in",
    "operated_from",
    "on_prem",
    "exposed",
    "exposed_to",
    "eu_adequate",
    "ids",
    "presets",
    "all",
    "any",
    "not",
)


def compile_provider(node: Any, where: str, cc: CompileContext) -> tuple[ProviderPred, frozenset[str]]:
    """A provider predicate and the variables it reads. All keys of a mapping must hold."""
    if isinstance(node, list):
        return combine([compile_provider(n, f"{where}[{i}]", cc) for i, n in enumerate(node)], all)
    if not isinstance(node, dict) or not node:
        raise cc.fail(where, "provider condition must be a non-empty mapping")
    parts: list[tuple[ProviderPred, frozenset[str]]] = []
    for key, value in node.items():
        at = f"{where}.{key}"
        if key == "hosted_in":
            static, variables = parse_jurisdictions(value, at, cc)
            res = resolver(static, variables)
            parts.append(
                (lambda p, env, res=res: bool(p.hosting) and p.hosting <= res(env), frozenset(variables))
            )
        elif key == "operated_from":
            static, variables = parse_jurisdictions(value, at, cc)
            res = resolver(static, variables)
            parts.append(
                (
                    lambda p, env, res=res: bool(p.operated_from) and p.operated_from <= res(env),
                    frozenset(variables),
                )
            )
        elif key == "on_prem":
            want = parse_bool(value, at, cc)
            parts.append((lambda p, env, want=want: p.on_prem is want, frozenset()))
        elif key == "exposed":
            want = parse_bool(value, at, cc)
            parts.append((lambda p, env, want=want: bool(p.exposure) is want, frozenset()))
        elif key == "exposed_to":
            laws = parse_names(value, at, cc, frozenset(cc.catalog.exposure_laws()), "exposure law")
            parts.append((lambda p, env, laws=laws: not p.exposure.isdisjoint(laws), frozenset()))
        elif key == "eu_adequate":
            want = parse_bool(value, at, cc)
            parts.append((lambda p, env, want=want: p.eu_adequate is want, frozenset()))
        elif key == "ids":
            ids = parse_names(value, at, cc, cc.provider_ids, "provider")
            parts.append((lambda p, env, ids=ids: p.id in ids, frozenset()))
        elif key == "presets":
            names = parse_names(value, at, cc, cc.catalog.presets(), "preset")
            parts.append((lambda p, env, names=names: p.preset in names, frozenset()))
        elif key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise cc.fail(at, "must be a non-empty list of provider conditions")
            subs = [compile_provider(n, f"{at}[{i}]", cc) for i, n in enumerate(value)]
            parts.append(combine(subs, all if key == "all" else any))
        elif key == "not":
            fn, needs = compile_provider(value, at, cc)
            parts.append((lambda p, env, fn=fn: not fn(p, env), needs))
        else:
            raise cc.fail(at, f"unknown provider attribute {key!r}; known: {', '.join(PROVIDER_KEYS)}")
    return combine(parts, all)


def combine(parts: list[tuple[Any, frozenset[str]]], how: Callable[..., bool]) -> tuple[Any, frozenset[str]]:
    variables = frozenset().union(*(v for _, v in parts))
    if len(parts) == 1:
        return parts[0][0], variables
    fns = tuple(fn for fn, _ in parts)
    if how is all:
        return (lambda *a: all(fn(*a) for fn in fns)), variables
    return (lambda *a: any(fn(*a) for fn in fns)), variables
