"""Compiling a pack's rules into closures, once, at load time.

A rule becomes: a set of trigger kinds (cheap pre-filter), a request predicate, and a function giving
the set of targeted providers. Provider predicates that do not depend on the request are evaluated for
every configured provider at compile time; those that name `$home`, `$subjects` or `$markings` are
evaluated on first use per distinct value and memoized, so a decision never re-interprets YAML.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sovgate.catalog import Catalog
from sovgate.policy._errors import PolicyError
from sovgate.policy._request import PERSONAL, Request
from sovgate.types import CATEGORIES, ENTITY_TYPES, SPECIAL_CATEGORIES, FiredRule, Provider

EFFECTS = ("allow", "pseudonymize", "deny_provider", "refuse", "require_on_prem")
VARIABLES = ("$home", "$subjects", "$markings")
_ENTITY = frozenset(ENTITY_TYPES)
_SPECIAL = frozenset(SPECIAL_CATEGORIES)
_PERSONAL_KINDS = _ENTITY | _SPECIAL | {PERSONAL}

Env = Mapping[str, frozenset[str]]
ProviderPred = Callable[["ProviderFacts", Env], bool]
RequestPred = Callable[[Request], bool]


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
            bool(hosting) and bool(operated) and all(catalog.cleared_for_eea(c) for c in hosting | operated)
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


@dataclass(slots=True)
class CompileContext:
    source: str  # file name or "builtin pack <name>"
    catalog: Catalog
    provider_ids: frozenset[str]

    def fail(self, where: str, reason: str) -> PolicyError:
        return PolicyError(self.source, where, reason)


# --- jurisdiction lists --------------------------------------------------------------------------------


def _jurisdictions(value: Any, where: str, cc: CompileContext) -> tuple[frozenset[str], tuple[str, ...]]:
    """Static countries and the variables of a jurisdiction list."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise cc.fail(
            where, "must be a jurisdiction or a non-empty list of them (ISO codes, EU, EEA, $home...)"
        )
    static: set[str] = set()
    variables: list[str] = []
    for item in items:
        if not isinstance(item, str):
            hint = " (quote NO / ON etc.: YAML reads them as booleans)" if isinstance(item, bool) else ""
            raise cc.fail(where, f"not a jurisdiction: {item!r}{hint}")
        if item.startswith("$"):
            if item not in VARIABLES:
                raise cc.fail(where, f"unknown variable {item!r}; known: {', '.join(VARIABLES)}")
            variables.append(item)
        elif cc.catalog.is_jurisdiction(item):
            static.update(cc.catalog.expand([item]))
        else:
            raise cc.fail(
                where,
                f"unknown jurisdiction {item!r} (ISO 3166-1 alpha-2 code or one of "
                f"{', '.join(cc.catalog.blocs())})",
            )
    return frozenset(static), tuple(variables)


def _resolver(static: frozenset[str], variables: tuple[str, ...]) -> Callable[[Env], frozenset[str]]:
    if not variables:
        return lambda env: static
    return lambda env: static.union(*(env[v] for v in variables))


def _bool(value: Any, where: str, cc: CompileContext) -> bool:
    if not isinstance(value, bool):
        raise cc.fail(where, f"must be true or false, got {value!r}")
    return value


def _names(
    value: Any, where: str, cc: CompileContext, known: Sequence[str] | frozenset[str], what: str
) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise cc.fail(where, f"must be a {what} or a non-empty list of them")
    for item in items:
        if item not in known:
            raise cc.fail(where, f"unknown {what} {item!r}; known: {', '.join(sorted(known))}")
    return frozenset(items)


# --- provider predicates -------------------------------------------------------------------------------

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
        return _combine([compile_provider(n, f"{where}[{i}]", cc) for i, n in enumerate(node)], all)
    if not isinstance(node, dict) or not node:
        raise cc.fail(where, "provider condition must be a non-empty mapping")
    parts: list[tuple[ProviderPred, frozenset[str]]] = []
    for key, value in node.items():
        at = f"{where}.{key}"
        if key == "hosted_in":
            static, variables = _jurisdictions(value, at, cc)
            res = _resolver(static, variables)
            parts.append(
                (lambda p, env, res=res: bool(p.hosting) and p.hosting <= res(env), frozenset(variables))
            )
        elif key == "operated_from":
            static, variables = _jurisdictions(value, at, cc)
            res = _resolver(static, variables)
            parts.append(
                (
                    lambda p, env, res=res: bool(p.operated_from) and p.operated_from <= res(env),
                    frozenset(variables),
                )
            )
        elif key == "on_prem":
            want = _bool(value, at, cc)
            parts.append((lambda p, env, want=want: p.on_prem is want, frozenset()))
        elif key == "exposed":
            want = _bool(value, at, cc)
            parts.append((lambda p, env, want=want: bool(p.exposure) is want, frozenset()))
        elif key == "exposed_to":
            laws = _names(value, at, cc, frozenset(cc.catalog.exposure_laws()), "exposure law")
            parts.append((lambda p, env, laws=laws: not p.exposure.isdisjoint(laws), frozenset()))
        elif key == "eu_adequate":
            want = _bool(value, at, cc)
            parts.append((lambda p, env, want=want: p.eu_adequate is want, frozenset()))
        elif key == "ids":
            ids = _names(value, at, cc, cc.provider_ids, "provider")
            parts.append((lambda p, env, ids=ids: p.id in ids, frozenset()))
        elif key == "presets":
            names = _names(value, at, cc, cc.catalog.presets(), "preset")
            parts.append((lambda p, env, names=names: p.preset in names, frozenset()))
        elif key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise cc.fail(at, "must be a non-empty list of provider conditions")
            subs = [compile_provider(n, f"{at}[{i}]", cc) for i, n in enumerate(value)]
            parts.append(_combine(subs, all if key == "all" else any))
        elif key == "not":
            fn, variables = compile_provider(value, at, cc)
            parts.append((lambda p, env, fn=fn: not fn(p, env), variables))
        else:
            raise cc.fail(at, f"unknown provider attribute {key!r}; known: {', '.join(PROVIDER_KEYS)}")
    return _combine(parts, all)


def _combine(parts: list[tuple[Any, frozenset[str]]], how: Callable[..., bool]) -> tuple[Any, frozenset[str]]:
    variables = frozenset().union(*(v for _, v in parts))
    if len(parts) == 1:
        return parts[0][0], variables
    fns = tuple(fn for fn, _ in parts)
    if how is all:
        return (lambda *a: all(fn(*a) for fn in fns)), variables
    return (lambda *a: any(fn(*a) for fn in fns)), variables


# --- request conditions --------------------------------------------------------------------------------

WHEN_KEYS = (
    "categories",
    "entities",
    "personal",
    "subjects_in",
    "markings_in",
    "tenant_home_in",
    "tenants",
    "models",
    "all",
    "any",
    "not",
)


@dataclass(slots=True)
class When:
    """A compiled request condition."""

    test: RequestPred
    # Kinds of which at least one must be present for the condition to hold (None: no such bound).
    triggers: frozenset[str] | None
    # Kinds whose data subjects this rule is about (for subjects_in, $subjects and pseudonymize).
    kinds: frozenset[str] = field(default_factory=frozenset)
    subject_filter: frozenset[str] | None = None
    subject_home: bool = False  # subjects_in names $home


def compile_when(node: Any, where: str, cc: CompileContext) -> When:
    if node is None:
        return When(test=lambda r: True, triggers=None, kinds=_PERSONAL_KINDS)
    if not isinstance(node, dict) or not node:
        raise cc.fail(where, "`when` must be a non-empty mapping")
    tests: list[RequestPred] = []
    triggers: frozenset[str] | None = None
    kinds: set[str] = set()

    def narrow(t: frozenset[str]) -> None:
        # Each bound is necessary on its own (one of its kinds must be present); keep the tightest.
        nonlocal triggers
        if triggers is None or len(t) < len(triggers):
            triggers = t

    for key in ("categories", "entities"):
        if key not in node:
            continue
        at = f"{where}.{key}"
        known = CATEGORIES if key == "categories" else (*ENTITY_TYPES, "any")
        wanted = _names(node[key], at, cc, frozenset(known), key[:-1] if key == "entities" else "category")
        if "any" in wanted:
            wanted = _ENTITY
        kinds |= wanted
        tests.append(lambda r, w=wanted: not r.present.isdisjoint(w))
        narrow(wanted)
    if "personal" in node:
        want = _bool(node["personal"], f"{where}.personal", cc)
        tests.append(lambda r, want=want: (PERSONAL in r.present) is want)
        if want:
            narrow(frozenset({PERSONAL}))
            kinds |= _ENTITY
    # Whose data: the listed kinds, plus the people they are about (special categories concern the
    # identified persons of the request); no kinds listed: all personal data.
    if not kinds or not kinds.isdisjoint(_SPECIAL):
        kinds |= _ENTITY | (_SPECIAL if not kinds else frozenset())
    subject_kinds = frozenset(kinds)
    subject_filter: frozenset[str] | None = None
    subject_home = False
    if "subjects_in" in node:
        static, variables = _jurisdictions(node["subjects_in"], f"{where}.subjects_in", cc)
        if set(variables) - {"$home"}:
            raise cc.fail(f"{where}.subjects_in", "only $home may be used here")
        subject_filter = static
        subject_home = bool(variables)
        if variables:
            tests.append(lambda r, s=static, k=subject_kinds: not r.subjects_of(k).isdisjoint(s | {r.home}))
        else:
            tests.append(lambda r, s=static, k=subject_kinds: not r.subjects_of(k).isdisjoint(s))
        narrow(subject_kinds)
    if "markings_in" in node:
        static, variables = _jurisdictions(node["markings_in"], f"{where}.markings_in", cc)
        if set(variables) - {"$home"}:
            raise cc.fail(f"{where}.markings_in", "only $home may be used here")
        has_home = bool(variables)
        tests.append(
            lambda r, s=static, h=has_home: (
                "CLASSIFIED" in r.present
                and not r.subjects.get("CLASSIFIED", frozenset()).isdisjoint(s | {r.home} if h else s)
            )
        )
        narrow(frozenset({"CLASSIFIED"}))
    if "tenant_home_in" in node:
        static, variables = _jurisdictions(node["tenant_home_in"], f"{where}.tenant_home_in", cc)
        if variables:
            raise cc.fail(f"{where}.tenant_home_in", "variables are not allowed here")
        tests.append(lambda r, s=static: r.home in s)
    if "tenants" in node:
        value = node["tenants"]
        ids = frozenset([value] if isinstance(value, str) else value or [])
        if not ids or not all(isinstance(i, str) for i in ids):
            raise cc.fail(f"{where}.tenants", "must be a tenant id or a list of them")
        tests.append(lambda r, ids=ids: r.tenant in ids)
    if "models" in node:
        value = node["models"]
        pats = [value] if isinstance(value, str) else value
        if not isinstance(pats, list) or not pats or not all(isinstance(p, str) for p in pats):
            raise cc.fail(f"{where}.models", "must be a model name pattern or a list of them")
        rx = re.compile("|".join(fnmatch.translate(p) for p in pats))
        tests.append(lambda r, rx=rx: rx.match(r.model) is not None)
    for key in ("all", "any"):
        if key not in node:
            continue
        at = f"{where}.{key}"
        if not isinstance(node[key], list) or not node[key]:
            raise cc.fail(at, "must be a non-empty list of conditions")
        subs = [compile_when(n, f"{at}[{i}]", cc) for i, n in enumerate(node[key])]
        fns = tuple(s.test for s in subs)
        if key == "all":
            tests.append(lambda r, fns=fns: all(f(r) for f in fns))
            for s in subs:
                if s.triggers is not None:
                    narrow(s.triggers)
        else:
            tests.append(lambda r, fns=fns: any(f(r) for f in fns))
            if all(s.triggers is not None for s in subs):
                narrow(frozenset().union(*(s.triggers for s in subs)))  # type: ignore[arg-type]
    if "not" in node:
        sub = compile_when(node["not"], f"{where}.not", cc)
        tests.append(lambda r, f=sub.test: not f(r))
    unknown = set(node) - set(WHEN_KEYS)
    if unknown:
        key = sorted(unknown)[0]
        raise cc.fail(f"{where}.{key}", f"unknown request attribute {key!r}; known: {', '.join(WHEN_KEYS)}")
    test = _and(tests)
    return When(
        test=test,
        triggers=triggers,
        kinds=subject_kinds,
        subject_filter=subject_filter,
        subject_home=subject_home,
    )


def _and(tests: list[RequestPred]) -> RequestPred:
    """One predicate for a conjunction, without a generator per call (this runs on the hot path)."""
    test = tests[0]
    for nxt in tests[1:]:
        test = lambda r, a=test, b=nxt: a(r) and b(r)  # noqa: E731
    return test


# --- rules ---------------------------------------------------------------------------------------------

RULE_KEYS = (
    "id",
    "when",
    "effect",
    "providers",
    "unless",
    "in",
    "entities",
    "reason",
    "citation",
    "status",
    "note",
)


@dataclass(slots=True)
class Rule:
    key: str  # "<pack>/<id>"
    effect: str
    fired: FiredRule
    when: When
    # Providers (indices into the engine's provider list) the effect applies to, per request.
    targets: Callable[[Request], frozenset[int]]
    entities: frozenset[str] | None  # pseudonymize: which entity types (None: those of the subjects)

    def _filter(self, r: Request) -> frozenset[str] | None:
        f = self.when.subject_filter
        if f is not None and self.when.subject_home:
            return f | {r.home}
        return f

    def subjects(self, r: Request) -> frozenset[str]:
        subjects = r.subjects_of(self.when.kinds)
        f = self._filter(r)
        if f is not None:
            subjects &= f
        return subjects

    def pseudonymize(self, r: Request) -> frozenset[str]:
        """Entity types to mask for the people this rule is about."""
        out: set[str] = set()
        f = self._filter(r)
        for j, kinds in r.entities_by_subject.items():
            if f is None or j in f:
                out |= kinds
        if self.entities is not None:
            out &= self.entities
        return frozenset(out)


def compile_rule(
    node: Any, where: str, pack: str, cc: CompileContext, facts: Sequence[ProviderFacts]
) -> Rule:
    if not isinstance(node, dict):
        raise cc.fail(where, "a rule must be a mapping")
    rid = node.get("id")
    if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", rid):
        raise cc.fail(f"{where}.id", "required: lower-case id ([a-z0-9_.-])")
    where = f"rule {rid}"
    unknown = set(node) - set(RULE_KEYS)
    if unknown:
        key = sorted(unknown)[0]
        raise cc.fail(f"{where}.{key}", f"unknown rule attribute {key!r}; known: {', '.join(RULE_KEYS)}")
    effect = node.get("effect")
    if effect not in EFFECTS:
        raise cc.fail(f"{where}.effect", f"unknown effect {effect!r}; known: {', '.join(EFFECTS)}")
    for key in ("reason", "citation"):
        if not isinstance(node.get(key), str) or not node[key].strip():
            raise cc.fail(f"{where}.{key}", "required non-empty string")
    when = compile_when(node.get("when"), f"{where}.when", cc)
    if effect == "refuse" and any(k in node for k in ("providers", "unless", "in", "entities")):
        raise cc.fail(
            where, "a refuse rule refuses the whole request; providers/unless/in/entities do not apply"
        )
    if "in" in node and effect != "require_on_prem":
        raise cc.fail(f"{where}.in", "only for effect require_on_prem")
    if "entities" in node and effect != "pseudonymize":
        raise cc.fail(f"{where}.entities", "only for effect pseudonymize")

    preds: list[tuple[ProviderPred, frozenset[str]]] = []
    if "providers" in node:
        preds.append(compile_provider(node["providers"], f"{where}.providers", cc))
    if "unless" in node:
        fn, variables = compile_provider(node["unless"], f"{where}.unless", cc)
        preds.append((lambda p, env, fn=fn: not fn(p, env), variables))
    if effect == "require_on_prem":
        # Targets: providers that are not on-prem (in the given jurisdictions).
        if "in" in node:
            static, variables = _jurisdictions(node["in"], f"{where}.in", cc)
            res = _resolver(static, variables)
            preds.append(
                (
                    lambda p, env, res=res: not (p.on_prem and bool(p.hosting) and p.hosting <= res(env)),
                    frozenset(variables),
                )
            )
        else:
            preds.append((lambda p, env: not p.on_prem, frozenset()))
    entities = None
    if "entities" in node:
        entities = _names(node["entities"], f"{where}.entities", cc, frozenset(ENTITY_TYPES), "entity type")

    key = f"{pack}/{rid}"
    fired = FiredRule(
        rule=key,
        effect=effect,
        reason=" ".join(node["reason"].split()),
        citation=" ".join(node["citation"].split()),
    )
    rule = Rule(
        key=key, effect=effect, fired=fired, when=when, targets=lambda r: frozenset(), entities=entities
    )
    rule.targets = _targets(preds, facts, rule)
    return rule


def _targets(
    preds: list[tuple[ProviderPred, frozenset[str]]], facts: Sequence[ProviderFacts], rule: Rule
) -> Callable[[Request], frozenset[int]]:
    everyone = frozenset(p.idx for p in facts)
    if not preds:
        return lambda r: everyone
    fn, variables = _combine(preds, all)
    if not variables:
        static = frozenset(p.idx for p in facts if fn(p, {}))
        return lambda r: static
    memo: dict[tuple[frozenset[str], ...], frozenset[int]] = {}
    names = tuple(sorted(variables))

    def env_of(r: Request) -> dict[str, frozenset[str]]:
        env: dict[str, frozenset[str]] = {}
        for v in names:
            if v == "$home":
                env[v] = frozenset((r.home,))
            elif v == "$subjects":
                env[v] = frozenset(rule.subjects(r)) or frozenset((r.home,))
            else:  # $markings
                env[v] = frozenset(r.subjects.get("CLASSIFIED", ())) or frozenset((r.home,))
        return env

    def targets(r: Request) -> frozenset[int]:
        env = env_of(r)
        k = tuple(env[v] for v in names)
        hit = memo.get(k)
        if hit is None:
            if len(memo) > 4096:  # bounded: distinct jurisdiction combinations are few
                memo.clear()
            hit = memo[k] = frozenset(p.idx for p in facts if fn(p, env))
        return hit

    return targets
