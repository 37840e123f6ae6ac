"""Detectors an organization adds in its configuration (`gateway.detection.custom`).

Its own identifiers (employee or customer numbers: a regular expression) and terms (project
code names, client names: a word list) are reported as one of the built-in kinds, so that
policy, pseudonymization and the audit log treat them as they treat built-in findings:

    CustomRule(detail="acme.employee_id", kind="NATIONAL_ID", pattern=r"EMP-\\d{6}")
    CustomRule(detail="acme.codename", kind="CLASSIFIED", terms=("project falcon", "bluebird"))

and terms whose built-in findings are false alarms there (`gateway.detection.allow`: a product
named like a person). Terms join the engine's one keyword pass (its syntax: whole words,
`stem*`, `*suffix`; case-insensitive, normalized as texts are), so a list of thousands costs no
extra pass over the text. Each pattern is one `finditer` over the normalized text, with RE2:
the texts are the requests' (anyone's), the patterns a configuration's, and a backtracking engine
lets a careless pattern (`([a-z]+ ?)+$`) spend seconds of the event loop on one crafted text.
RE2 matches in time linear in the text, whatever the pattern; it has no lookaround and no
backreferences, which `check_rule` says when a rule uses them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import re2

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

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is a config error, not a line on stderr
# What RE2 leaves out, as its parser's message names it -> what to tell the rule's author.
_RE2_MISSING = (
    (re.compile(r"\(\?=$"), "lookahead (?=...)"),
    (re.compile(r"\(\?!$"), "negative lookahead (?!...)"),
    (re.compile(r"\(\?<=$"), "lookbehind (?<=...)"),
    (re.compile(r"\(\?<!$"), "negative lookbehind (?<!...)"),
    (re.compile(r"\(\?>$"), "atomic groups (?>...)"),
    (re.compile(r"\(\?#$"), "comments (?#...)"),
    (re.compile(r"escape sequence: \\[1-9]|\(\?P$"), "backreferences (\\1, (?P=name))"),
    (re.compile(r"escape sequence: \\Z$"), "\\Z (write \\z)"),
    (re.compile(r"repetition size|too large"), "patterns this large (repeat counts over 1000, or nested)"),
)


def compile_pattern(pattern: str) -> Any:
    """The pattern compiled with RE2 (linear-time matching) for UTF-8 bytes; re2.error if RE2
    cannot run it. Bytes, because for a str the binding maps every match's offsets back to
    characters in Python; `_spans` does that only where the text is not ASCII."""
    return re2.compile(pattern.encode(), _RE2_OPTIONS)


def _spans(rx: Any, group: int, text: str) -> Iterator[tuple[int, int]]:
    """The character spans of `group` in each non-overlapping match of `rx` in `text`, empty
    ones left out."""
    data = text.encode()
    ascii_only = len(data) == len(text)
    end = len(data)
    pos = byte = char = 0  # where to search next; a byte offset and its character offset
    while pos <= end:
        m = rx.search(data, pos)
        if m is None:
            return
        s, e = m.span(group)
        if e > s:
            if ascii_only:
                yield s, e
            else:  # decode only from the last span on: linear however many matches
                char += len(data[byte:s].decode())
                start, char, byte = char, char + len(data[s:e].decode()), e
                yield start, char
        ms, me = m.span()
        pos = me if me > ms else ms + 1
        while pos < end and data[pos] & 0xC0 == 0x80:  # past an empty match: the next character
            pos += 1


def _pattern_problem(pattern: str) -> str | None:
    """Why a pattern cannot run, else None. Where RE2 refuses it, Python's parser says best what
    is wrong with the syntax; what Python accepts but RE2 does not is named as such."""
    try:
        compile_pattern(pattern)
        return None
    except re2.error as exc:
        why = exc.args[0] if exc.args else ""  # the parser's message, as bytes
        text = why.decode(errors="replace") if isinstance(why, bytes) else str(why)
    try:
        with warnings.catch_warnings():  # "possible nested set" for RE2's [[:alpha:]]
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        return f"not a valid regular expression: {exc}"
    what = next((name for rx, name in _RE2_MISSING if rx.search(text)), None)
    reason = f"RE2 does not support {what}" if what else f"RE2 cannot run it: {text}"
    return (
        f"{reason}. Custom patterns run on RE2, whose matching time stays linear in the text "
        'whatever the pattern (docs/configuration.md, "Custom detectors")'
    )


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
        problem = _pattern_problem(rule.pattern)
        if problem is not None:
            return ("pattern",), problem
        if compile_pattern(rule.pattern).match(b"") is not None:
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
        patterns = []
        for r in rules:
            if r.pattern:
                rx = compile_pattern(r.pattern)
                # RE2's match objects take group numbers only; 0 is the whole match
                value = rx.groupindex.get(b"value", 0)  # (a bytes pattern's group names are bytes)
                patterns.append((rx, value, r.kind, r.jurisdiction or None, r.detail))
        self._patterns: tuple[tuple[Any, int, str, str | None, str], ...] = tuple(patterns)

    def keywords(self) -> dict[str, tuple[str, ...]]:
        """The terms, for the engine's keyword pass: "custom|<rule index>" -> keys."""
        return {
            f"{CUE}|{i}": tuple(term_key(t) for t in r.terms) for i, r in enumerate(self._rules) if r.terms
        }

    def hits(self, text: str, cues: Cues) -> Iterator[Hit]:
        for h in cues.all(CUE):
            r = self._rules[int(h.kind.partition("|")[2])]
            yield Hit(r.kind, h.start, h.end, 1.0, r.jurisdiction or None, r.detail)
        for rx, value, kind, jurisdiction, detail in self._patterns:
            for start, end in _spans(rx, value, text):
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
