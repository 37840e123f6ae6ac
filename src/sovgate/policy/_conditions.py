"""Request conditions (`when:`) compiled to predicates with trigger kinds for a cheap pre-filter."""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sovgate.policy._request import PERSONAL, Request
from sovgate.policy._values import CompileContext, parse_bool, parse_jurisdictions, parse_names
from sovgate.types import CATEGORIES, ENTITY_TYPES, SPECIAL_CATEGORIES

RequestPred = Callable[[Request], bool]
_ENTITY = frozenset(ENTITY_TYPES)
_SPECIAL = frozenset(SPECIAL_CATEGORIES)
_PERSONAL_KINDS = _ENTITY | _SPECIAL | {PERSONAL}
_ABOUT_PEOPLE = _SPECIAL | {"FINANCIAL"}  # categories whose subjects are the request's people


WHEN_KEYS = (
    "categories",
    "entities",
    "details",
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
        wanted = parse_names(
            node[key], at, cc, frozenset(known), key[:-1] if key == "entities" else "category"
        )
        if "any" in wanted:
            wanted = _ENTITY
        kinds |= wanted
        tests.append(lambda r, w=wanted: not r.present.isdisjoint(w))
        narrow(wanted)
    if "details" in node:
        wanted, of = parse_details(node["details"], f"{where}.details", cc)
        kinds |= of
        tests.append(lambda r, w=wanted: not r.details().isdisjoint(w))
        narrow(of)
    if "personal" in node:
        want = parse_bool(node["personal"], f"{where}.personal", cc)
        tests.append(lambda r, want=want: (PERSONAL in r.present) is want)
        if want:
            narrow(frozenset({PERSONAL}))
            kinds |= _ENTITY
    # Whose data: the listed kinds, plus the people they are about (special categories and financial
    # data concern the identified persons of the request); no kinds listed: all personal data.
    if not kinds or not kinds.isdisjoint(_ABOUT_PEOPLE):
        kinds |= _ENTITY | (_SPECIAL if not kinds else frozenset())
    subject_kinds = frozenset(kinds)
    subject_filter: frozenset[str] | None = None
    subject_home = False
    if "subjects_in" in node:
        static, variables = parse_jurisdictions(node["subjects_in"], f"{where}.subjects_in", cc)
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
        static, variables = parse_jurisdictions(node["markings_in"], f"{where}.markings_in", cc)
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
        static, variables = parse_jurisdictions(node["tenant_home_in"], f"{where}.tenant_home_in", cc)
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
    test = conjunction(tests)
    return When(
        test=test,
        triggers=triggers,
        kinds=subject_kinds,
        subject_filter=subject_filter,
        subject_home=subject_home,
    )


def parse_details(value: Any, where: str, cc: CompileContext) -> tuple[frozenset[str], frozenset[str]]:
    """The details a `details:` list names (exact names or glob patterns: "NATO:*", "de.*"), and
    the kinds that carry them. A name or pattern no detector gives is an error (a typo would
    otherwise be a rule that never fires), with the closest names as a hint."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise cc.fail(where, "must be a finding detail (e.g. VS-NfD, de.idnr, NATO:*) or a list of them")
    wanted: set[str] = set()
    for item in items:
        matched = (
            [d for d in cc.details if fnmatch.fnmatchcase(d, item)] if any(c in item for c in "*?[") else []
        )
        if not matched and item in cc.details:
            matched = [item]
        if not matched:
            close = difflib.get_close_matches(item, list(cc.details), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise cc.fail(
                where,
                f"no detector gives the detail {item!r}{hint} (`sovgate policy details` lists them; "
                "with --config, the config's own detectors too)",
            )
        wanted.update(matched)
    return frozenset(wanted), frozenset(k for d in wanted for k in cc.details[d])


def conjunction(tests: list[RequestPred]) -> RequestPred:
    """One predicate for a conjunction, without a generator per call (this runs on the hot path)."""
    test = tests[0]
    for nxt in tests[1:]:
        test = lambda r, a=test, b=nxt: a(r) and b(r)  # noqa: E731
    return test
