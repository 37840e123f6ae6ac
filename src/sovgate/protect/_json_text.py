"""Where the values sit inside a JSON text (tool-call arguments), so masking keeps it valid.

Classification reports offsets into the raw JSON text. A span is cut into the string
literals and scalars it touches: inside a string literal the span is widened to whole
escape sequences and its decoded value is what gets a token; a number or literal
(`4111111111111111`, `true`) is replaced as a whole by a quoted token.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import NamedTuple

# Valid JSON only (checked with json.loads first): strings are consumed whole, so digits
# and words matched here are scalars outside any string.
_ATOM = re.compile(r'"((?:[^"\\]|\\.)*)"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null', re.S)
_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.")


class Piece(NamedTuple):
    """A maskable part of a span: raw offsets, decoded value, and whether the token needs quotes."""

    start: int
    end: int
    value: str
    quoted: bool


class JsonText:
    """Atoms of one valid JSON text: string contents and bare scalars, in order."""

    __slots__ = ("_starts", "atoms", "text")

    def __init__(self, text: str, atoms: list[tuple[int, int, bool]]) -> None:
        self.text = text
        self.atoms = atoms  # (start, end, is_string_content)
        self._starts = [a for a, _, _ in atoms]

    @classmethod
    def parse(cls, text: str) -> JsonText | None:
        """Atoms of `text`, or None when it is not valid JSON (then it is masked as plain text)."""
        try:
            json.loads(text)
        except ValueError:
            return None
        atoms: list[tuple[int, int, bool]] = []
        for m in _ATOM.finditer(text):
            if m.group(1) is not None:
                atoms.append((m.start(1), m.end(1), True))
            else:
                atoms.append((m.start(), m.end(), False))
        return cls(text, atoms)

    def pieces(self, start: int, end: int) -> list[Piece]:
        """Cut the span [start, end) into maskable pieces (structure between them stays)."""
        out: list[Piece] = []
        text = self.text
        for a, b, is_str in self.atoms:
            if b <= start:
                continue
            if a >= end:
                break
            if not is_str:
                out.append(Piece(a, b, text[a:b], True))
                continue
            s, e = max(a, start), min(b, end)
            if s >= e:
                continue
            for esc in _ESCAPE.finditer(text, a, b):
                if esc.start() < s < esc.end():
                    s = esc.start()
                if esc.start() < e < esc.end():
                    e = esc.end()
                if esc.start() >= e:
                    break
            out.append(Piece(s, e, json.loads('"' + text[s:e] + '"'), False))
        return out

    def aligned(self, start: int, end: int) -> bool:
        """Whether [start, end) is a whole scalar, or lies in one string without cutting an escape."""
        i = bisect_right(self._starts, start) - 1
        if i < 0:
            return False
        a, b, is_str = self.atoms[i]
        if not is_str:
            return start == a and end == b
        if end > b:
            return False
        for esc in _ESCAPE.finditer(self.text, a, b):
            if esc.start() >= end:
                break
            if esc.start() < start < esc.end() or esc.start() < end < esc.end():
                return False
        return True

    def joined(self, start: int, end: int) -> Piece:
        """The piece [start, end) of one atom (two overlapping pieces united)."""
        i = bisect_right(self._starts, start) - 1
        a, b, is_str = self.atoms[i]
        if not is_str:
            return Piece(a, b, self.text[a:b], True)
        return Piece(start, end, json.loads('"' + self.text[start:end] + '"'), False)
