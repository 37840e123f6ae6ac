"""Compiling a pack's rules into closures, once, at load time.

A rule becomes: a set of trigger kinds (cheap pre-filter), a request predicate, and a function giving
the set of targeted providers. Provider predicates that do not depend on the request are evaluated for
every configured provider at compile time; those that name `$home`, `$subjects` or `$markings` are
evaluated on first use per distinct value and memoized, so a decision never re-interprets YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sovgate.policy._conditions import When, compile_when
from sovgate.policy._providers import ProviderFacts, ProviderPred, combine, compile_provider
from sovgate.policy._request import Request
from sovgate.policy._values import CompileContext, parse_jurisdictions, parse_names, resolver
from sovgate.types import ENTITY_TYPES, FiredRule

EFFECTS = ("allow", "pseudonymize", "deny_provider", "refuse", "require_on_prem")


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
        """Entity types to mask: every personal entity type in the request (optionally only `entities`).

        Findings are not linked to each other: a name without a country of its own may well be the
        holder of the EU IBAN next to it, so masking only the findings of the rule's subjects would
        leave that person identifiable. Once a rule is about someone in the request, the request is
        protected as a whole.
        """
        out = r.entity_types
        if self.entities is not None:
            out &= self.entities
        return out


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
        fn, needs = compile_provider(node["unless"], f"{where}.unless", cc)
        preds.append((lambda p, env, fn=fn: not fn(p, env), needs))
    if effect == "require_on_prem":
        # Targets: providers that are not on-prem (in the given jurisdictions).
        if "in" in node:
            static, variables = parse_jurisdictions(node["in"], f"{where}.in", cc)
            res = resolver(static, variables)
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
        entities = parse_names(
            node["entities"], f"{where}.entities", cc, frozenset(ENTITY_TYPES), "entity type"
        )

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
    fn, variables = combine(preds, all)
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
