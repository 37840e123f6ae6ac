"""Detectors an organization adds in its configuration (`gateway.detection.custom`).

Its own identifiers (employee or customer numbers: a regular expression) and terms (project
code names, client names: a word list) are reported as one of the built-in kinds, so that
policy, pseudonymization and the audit log treat them as they treat built-in findings:

    CustomRule(detail="acme.employee_id", kind="NATIONAL_ID", pattern=r"EMP-\\d{6}")
    CustomRule(detail="acme.codename", kind="CLASSIFIED", terms=("project falcon", "bluebird"))

and terms whose built-in findings are false alarms there (`gateway.detection.allow`: a product
named like a person). Terms join the engine's one keyword pass (its syntax: whole words,
`stem*`, `*suffix`; case-insensitive, normalized as texts are), so a list of thousands costs no
extra pass over the text. Each pattern is one `finditer` over the normalized text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit
from sovgate.classify._keywords import lower_same_length
from sovgate.classify._normalize import normalize
from sovgate.types import CATEGORIES, ENTITY_TYPES, CustomRule

KINDS: tuple[str, ...] = ENTITY_TYPES + CATEGORIES
CUE = "custom"  # the keyword pass's kind of custom terms: "custom|<rule index>"
_DETAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_BLANKS = re.compile(r"\s+")


def term_key(term: str) -> str:
    """A term as the keyword pass matches it: normalized like a text, lower-cased, single spaces."""
    return _BLANKS.sub(" ", lower_same_length(normalize(term.strip()).text))


def check_rule(rule: CustomRule) -> tuple[tuple[str | int, ...], str] | None:
    """(where in the rule, what is wrong) for a rule that cannot work, else None."""
    if not _DETAIL.fullmatch(rule.detail):
        return ("detail",), "must be 1-64 letters, digits, '_', '.', ':' or '-' (e.g. acme.employee_id)"
    if rule.kind not in KINDS:
        return ("kind",), f"must be an entity type or category: {', '.join(KINDS)}"
    if bool(rule.pattern) == bool(rule.terms):
        return ("pattern",), "give exactly one of pattern (a regular expression) or terms (a list)"
    if rule.jurisdiction and not _COUNTRY.fullmatch(rule.jurisdiction):
        return ("jurisdiction",), "must be an ISO 3166-1 alpha-2 code like DE"
    if rule.pattern:
        try:
            rx = re.compile(rule.pattern)
        except (re.error, OverflowError, RecursionError, ValueError) as exc:
            return ("pattern",), f"not a valid regular expression: {exc}"
        if rx.match("") is not None:
            return ("pattern",), "matches the empty text: it would find something everywhere"
        return None
    for i, term in enumerate(rule.terms):
        problem = check_term(term)
        if problem is not None:
            return ("terms", i), problem
    return None


def check_term(term: str) -> str | None:
    """What is wrong with a term (of a rule, or allowed), else None."""
    if not term_key(term).strip("* "):
        return "must be a word or phrase (optionally `stem*` or `*suffix`)"
    return None


class CustomDetector:
    """The compiled rules of one configuration. Immutable; safe to share between threads."""

    __slots__ = ("_patterns", "_rules")

    def __init__(self, rules: Sequence[CustomRule]) -> None:
        for rule in rules:
            problem = check_rule(rule)
            if problem is not None:
                where = ".".join(map(str, problem[0]))
                raise ValueError(f"custom detector {rule.detail!r}: {where}: {problem[1]}")
        self._rules = tuple(rules)
        self._patterns = tuple(
            (re.compile(r.pattern), r.kind, r.jurisdiction or None, r.detail) for r in rules if r.pattern
        )

    def keywords(self) -> dict[str, tuple[str, ...]]:
        """The terms, for the engine's keyword pass: "custom|<rule index>" -> keys."""
        return {
            f"{CUE}|{i}": tuple(term_key(t) for t in r.terms) for i, r in enumerate(self._rules) if r.terms
        }

    def hits(self, text: str, cues: Cues) -> Iterator[Hit]:
        for h in cues.all(CUE):
            r = self._rules[int(h.kind.partition("|")[2])]
            yield Hit(r.kind, h.start, h.end, 1.0, r.jurisdiction or None, r.detail)
        for rx, kind, jurisdiction, detail in self._patterns:
            for m in rx.finditer(text):
                start, end = m.span("value") if "value" in rx.groupindex else m.span()
                if end > start:  # a pattern may still match nothing at some places (`\b`, `x?`)
                    yield Hit(kind, start, end, 1.0, jurisdiction, detail)


ALLOW = "allow"  # the keyword pass's kind of allowed terms


def allowed_keywords(terms: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The allowed terms, for the engine's keyword pass."""
    for term in terms:
        problem = check_term(term)
        if problem is not None:
            raise ValueError(f"allowed term {term!r}: {problem}")
    return {ALLOW: tuple(term_key(t) for t in terms)} if terms else {}


def drop_allowed(hits: list[Hit], cues: Cues) -> list[Hit]:
    """The built-in detectors' hits, less those that lie wholly inside an allowed term (a product or
    company name that reads as a person's name, say). What overlaps it only partly stays."""
    spans = [(h.start, h.end) for h in cues.all(ALLOW)]
    if not spans:
        return hits
    return [h for h in hits if not any(s <= h.start and h.end <= e for s, e in spans)]


def compile_rules(rules: Iterable[CustomRule]) -> CustomDetector | None:
    """None when there is nothing to detect: the engine then skips this step."""
    rules = tuple(rules)
    return CustomDetector(rules) if rules else None
