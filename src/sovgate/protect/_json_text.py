"""Where the values sit inside a JSON text (tool-call arguments), so masking keeps it valid.

Classification reports offsets into the raw JSON text. A span is cut into the string
literals and scalars it touches: inside a string literal the span is widened to whole
escape sequences and its decoded value is what gets a token; a number or literal
(`4111111111111111`, `true`) is replaced as a whole by a quoted token.
"""

from __future__ import annotations

import json
import re

# Valid JSON only (checked with json.loads first): strings are consumed whole, so digits
# and words matched here are scalars outside any string.
_ATOM = re.compile(r'"((?:[^"\\]|\\.)*)"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null', re.S)
_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.")


class Piece(tuple[int, int, str, bool]):
    """(start, end, decoded value, quoted): `quoted` when the token needs its own quotes."""

    __slots__ = ()

    @property
    def start(self) -> int:
        return self[0]

    @property
    def end(self) -> int:
        return self[1]

    @property
    def value(self) -> str:
        return self[2]

    @property
    def quoted(self) -> bool:
        return self[3]


class JsonText:
    """Atoms of one valid JSON text: string contents and bare scalars, in order."""

    __slots__ = ("atoms", "text")

    def __init__(self, text: str, atoms: list[tuple[int, int, bool]]) -> None:
        self.text = text
        self.atoms = atoms  # (start, end, is_string_content)

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
                out.append(Piece((a, b, text[a:b], True)))
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
            out.append(Piece((s, e, json.loads('"' + text[s:e] + '"'), False)))
        return out
