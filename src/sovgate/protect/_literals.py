"""Find a set of literal strings in text, leftmost-longest, whole words where they are words.

Built per request (the literals are that request's values or tokens), so it must be
cheap to build: an Aho-Corasick automaton (pyahocorasick) builds in microseconds where
a compiled regex alternation of the same literals costs close to a millisecond. The usual
request has only a handful of values; for those, `str.find` per literal costs even less than
building the automaton (about 1 µs per literal and text instead of 5-10 µs per build).

A literal that starts (ends) with a word character only matches where the text does not
continue that word before (after) it, so `192.0.2.1` is not found inside `192.0.2.15`.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick

from sovgate.protect._text import is_word

_FIND_MAX = 16  # literals up to which str.find beats building an automaton


class Literals:
    """An immutable set of literals; `matches` lists their occurrences."""

    __slots__ = ("_auto", "_flags", "first", "maxlen")

    def __init__(self, literals: Iterable[str]) -> None:
        self._flags: dict[str, tuple[bool, bool]] = {}
        for lit in literals:
            if lit and lit not in self._flags:
                self._flags[lit] = (is_word(lit[0]), is_word(lit[-1]))
        self._auto: ahocorasick.Automaton | None = None
        if len(self._flags) > _FIND_MAX:
            self._auto = ahocorasick.Automaton()
            for lit in self._flags:
                self._auto.add_word(lit, lit)
            self._auto.make_automaton()
        self.first = frozenset(lit[0] for lit in self._flags)
        self.maxlen = max(map(len, self._flags), default=0)

    def __bool__(self) -> bool:
        return bool(self._flags)

    def flags(self, lit: str) -> tuple[bool, bool]:
        """(needs a non-word character before, needs one after)."""
        return self._flags[lit]

    def all(self, text: str, pos: int = 0) -> list[tuple[int, int, str]]:
        """Every occurrence (start, end, literal) starting at or after `pos`, overlaps included,
        sorted by start and longest first. The end of `text` counts as a word boundary."""
        out = []
        n = len(text)
        for start, lit in self._occurrences(text, pos):
            end = start + len(lit)
            lb, la = self._flags[lit]
            if lb and start > 0 and is_word(text[start - 1]):
                continue
            if la and end < n and is_word(text[end]):
                continue
            out.append((start, end, lit))
        out.sort(key=lambda m: (m[0], m[0] - m[1]))
        return out

    def _occurrences(self, text: str, pos: int) -> list[tuple[int, str]]:
        """(start, literal) of every occurrence from `pos` on, overlapping ones included."""
        if self._auto is not None:  # pyahocorasick yields the index of the last character
            return [(last + 1 - len(lit), lit) for last, lit in self._auto.iter(text, pos)]
        found = []
        for lit in self._flags:
            i = text.find(lit, pos)
            while i != -1:
                found.append((i, lit))
                i = text.find(lit, i + 1)
        return found

    def matches(self, text: str, pos: int = 0) -> list[tuple[int, int, str]]:
        """Non-overlapping occurrences, leftmost first and longest at each start."""
        out: list[tuple[int, int, str]] = []
        last = pos
        for m in self.all(text, pos):
            if m[0] >= last:
                out.append(m)
                last = m[1]
        return out
