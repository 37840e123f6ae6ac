"""Text normalization against evasion, with an exact offset map back to the original.

Detectors run on the normalized text; every span they report is mapped back with
`Normalized.span`, so findings always address the caller's original string.

Only character-level rewrites happen here (JSON `\\uXXXX` escapes as `json.dumps` writes
non-ASCII text in tool arguments, NFKC compatibility forms such as fullwidth digits and
ligatures, zero-width and soft-hyphen removal, homoglyph folding). Digit
groups split by spaces, dots, dashes or line breaks are handled by the number
detectors themselves, which accept those separators and validate the compacted value.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence

# Characters that are dropped: zero-width space/joiners, word joiner, BOM, soft hyphen,
# invisible operators, Mongolian vowel separator, bidi controls.
_DROP = (
    frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u2061\u2062\u2063\u2064\u180e\u200e\u200f")
    | frozenset(chr(c) for c in range(0x202A, 0x202F))
    | frozenset(chr(c) for c in range(0x2066, 0x206A))
)

# Letters that look like Latin letters (Cyrillic, Greek) -> the Latin letter.
_HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "α": "a", "ι": "i", "κ": "k", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x",
    # dashes and spaces that NFKC keeps
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ",
}  # fmt: skip
# Arabic-Indic and Eastern Arabic-Indic (Persian/Urdu) digits -> ASCII digits: "٠٥٠١٢٣٤٥٦٧"
_HOMOGLYPHS.update({chr(0x660 + d): str(d) for d in range(10)})
_HOMOGLYPHS.update({chr(0x6F0 + d): str(d) for d in range(10)})

# Any character that may need rewriting. ASCII text never does.
_SUSPECT = re.compile(
    "["
    + re.escape("".join(sorted(_DROP)))
    + re.escape("".join(sorted(_HOMOGLYPHS)))
    + "\uff01-\uff5e"  # fullwidth ASCII
    + "\u2000-\u200a"  # typographic spaces
    + "\u0300-\u036f"  # combining marks (decomposed input)
    + "\ufb00-\ufb06"  # ligatures
    + "\u2460-\u24ff"  # enclosed alphanumerics
    + "\U0001d400-\U0001d7ff"  # mathematical alphanumerics
    + "]"
)


# The Latin-1 characters that normalization leaves as they are (as bytes, for bytes.translate)
_LATIN1_KEPT = bytes(
    i
    for i in range(256)
    if _SUSPECT.match(chr(i)) is None and unicodedata.normalize("NFKC", chr(i)) == chr(i)
)


def _may_change(skip: frozenset[str] = frozenset()) -> re.Pattern[str]:
    """A class of the characters the rewrite can change or must look at: dropped, folded,
    combining or not NFKC-normal (computed with this Python's Unicode data, ~15 ms), and every
    character beyond the BMP; without those in `skip`."""
    ranges: list[list[int]] = []
    for c in range(0x80, 0x10000):
        ch = chr(c)
        if ch in skip:
            continue
        if (
            ch in _DROP
            or ch in _HOMOGLYPHS
            or unicodedata.combining(ch)
            or not unicodedata.is_normalized("NFKC", ch)
        ):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1][1] = c
            else:
                ranges.append([c, c])
    body = "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return re.compile("[" + body + "\U00010000-\U0010ffff]")


_SCRIPT_HOMOGLYPHS = frozenset(c for c in _HOMOGLYPHS if "\u0370" <= c <= "\u04ff")
_MAY_CHANGE = _may_change()
_MAY_CHANGE_UNMIXED = _may_change(_SCRIPT_HOMOGLYPHS)
_NATIVE_SCRIPT = re.compile("[\u0370-\u04ff]")
_WORD = re.compile(r"[^\W\d_]+")


# the characters whose lower case falls between "a" and "z": ASCII letters, "İ" and the Kelvin sign
_LATIN_LETTER = re.compile("[A-Za-z\u0130\u212a]")


def _latin_mixed_positions(text: str) -> set[int]:
    """Positions inside words that mix Latin letters with Cyrillic/Greek look-alikes."""
    out: set[int] = set()
    if _LATIN_LETTER.search(text) is None:
        return out
    for m in _WORD.finditer(text):
        a, b = m.span()
        if _NATIVE_SCRIPT.search(text, a, b) and _LATIN_LETTER.search(text, a, b):
            out.update(range(a, b))
    return out


# One piece of the offset map: (first normalized index, original start, original end). With
# end -1 the piece is an untouched run: normalized character j is original character
# start + (j - first). Otherwise every character of the piece comes from original [start, end).
_Piece = tuple[int, int, int]


class Normalized:
    """Normalized text and, when it differs from the original, the offset map.

    The map is kept as pieces (one per untouched run and per rewritten character), not as a
    per-character table: building two tables of a 2 KB text's length cost ~100 µs for one dash.
    `starts` / `ends` give the table form (the original offsets of each normalized character).
    """

    __slots__ = ("_firsts", "_pieces", "original", "text")

    def __init__(self, text: str, original: str, pieces: list[_Piece] | None = None) -> None:
        self.text = text
        self.original = original
        self._pieces = pieces
        self._firsts = [p[0] for p in pieces] if pieces is not None else None

    @classmethod
    def from_table(cls, text: str, original: str, starts: Sequence[int], ends: Sequence[int]) -> Normalized:
        return cls(text, original, [(i, s, e) for i, (s, e) in enumerate(zip(starts, ends, strict=True))])

    def _piece(self, i: int) -> _Piece:
        return self._pieces[bisect_right(self._firsts, i) - 1]  # type: ignore[arg-type, index]

    def start_of(self, i: int) -> int:
        first, start, end = self._piece(i)
        return start + (i - first) if end < 0 else start

    def end_of(self, i: int) -> int:
        first, start, end = self._piece(i)
        return start + (i - first) + 1 if end < 0 else end

    @property
    def starts(self) -> tuple[int, ...] | None:
        return None if self._pieces is None else tuple(map(self.start_of, range(len(self.text))))

    @property
    def ends(self) -> tuple[int, ...] | None:
        return None if self._pieces is None else tuple(map(self.end_of, range(len(self.text))))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span [start, end) to the original text."""
        if self._pieces is None:
            return start, end
        if end <= start:
            o = self.start_of(start) if start < len(self.text) else len(self.original)
            return o, o
        return self.start_of(start), self.end_of(end - 1)


def _rewrite(ch: str) -> str:
    if ch in _DROP:
        return ""
    h = _HOMOGLYPHS.get(ch)
    if h is not None:
        return h
    out = unicodedata.normalize("NFKC", ch)
    return "".join(_HOMOGLYPHS.get(c, c) for c in out if c not in _DROP)


_JSON_ESCAPE = re.compile(
    r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})"
)


def _unescape(text: str) -> Normalized:
    """Decode JSON \\uXXXX escapes (and surrogate pairs); each character maps to its escape."""
    out: list[str] = []
    pieces: list[_Piece] = []
    k = 0  # normalized length so far
    pos = 0
    for m in _JSON_ESCAPE.finditer(text):
        a, b = m.start(), m.end()
        if a > 0 and text[a - 1] == "\\":  # an escaped backslash followed by "u": literal text
            continue
        if a > pos:
            out.append(text[pos:a])
            pieces.append((k, pos, -1))
            k += a - pos
        if m.group(3) is not None:
            ch = chr(int(m.group(3), 16))
        else:
            hi, lo = int(m.group(1), 16), int(m.group(2), 16)
            ch = chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        out.append(ch)
        pieces.append((k, a, b))
        k += 1
        pos = b
    if pos == 0:
        return Normalized(text, text)
    if pos < len(text):
        out.append(text[pos:])
        pieces.append((k, pos, -1))
    return Normalized("".join(out), text, pieces)


def normalize(text: str) -> Normalized:
    """Normalize `text`; cheap (no copy, no map) when nothing needs rewriting."""
    if "\\u" in text:
        unescaped = _unescape(text)
        if unescaped.text != text:
            inner = _normalize_chars(unescaped.text)
            if inner.text == unescaped.text:
                return unescaped
            # rare (escapes and rewrites in one text): compose the two maps as tables
            s0, e0, s1, e1 = unescaped.starts, unescaped.ends, inner.starts, inner.ends
            return Normalized.from_table(
                inner.text,
                text,
                [s0[i] for i in s1],  # type: ignore[index, union-attr]
                [e0[i - 1] for i in e1],  # type: ignore[index, union-attr]
            )
    return _normalize_chars(text)


def _latin1_unchanged(text: str) -> bool:
    """Whether `text` is Latin-1 and holds no character that would be rewritten (a C-speed test;
    Latin-1 has no combining marks, so each character is NFKC-normal or not on its own)."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return not raw.translate(None, _LATIN1_KEPT)


def _normalize_chars(text: str) -> Normalized:
    if text.isascii() or _latin1_unchanged(text):
        return Normalized(text, text)
    if _SUSPECT.search(text) is None and unicodedata.is_normalized("NFKC", text):
        return Normalized(text, text)
    out: list[str] = []
    pieces: list[_Piece] = []
    k = 0  # normalized length so far
    pos = 0
    n = len(text)
    # homoglyphs are folded only inside words that also have Latin letters ("Сity", "PayРal"):
    # genuine Cyrillic or Greek words ("Иван Петров") keep their letters
    latin_words = _latin_mixed_positions(text) if _NATIVE_SCRIPT.search(text) else None
    # only the characters that can change are visited; the others stay in the untouched runs
    # (Cyrillic and Greek look-alikes too, in a text without mixed words: they would be kept)
    for m in (_MAY_CHANGE_UNMIXED if latin_words == set() else _MAY_CHANGE).finditer(text):
        i = m.start()
        ch = text[i]
        if latin_words is not None and ch in _SCRIPT_HOMOGLYPHS and i not in latin_words:
            continue
        if i > pos:  # untouched run before this character
            out.append(text[pos:i])
            pieces.append((k, pos, -1))
            k += i - pos
        pos = i + 1
        if unicodedata.combining(ch) and out and ch not in _DROP:
            # decomposed accent: compose with the previous character when possible
            prev = out[-1][-1:]
            composed = unicodedata.normalize("NFC", prev + ch)
            if prev and len(composed) == 1:
                out[-1] = out[-1][:-1] + composed
                # the composed character spans its base and this mark: a piece of its own
                last = (k - 1, _start_in(pieces, k - 1), i + 1)
                if pieces[-1][0] == k - 1:
                    pieces[-1] = last
                else:
                    pieces.append(last)
                continue
        rep = _rewrite(ch)
        if rep:
            out.append(rep)
            pieces.append((k, i, -1 if rep == ch else i + 1))
            k += len(rep)
    if pos < n:
        out.append(text[pos:])
        pieces.append((k, pos, -1))
    norm = "".join(out)
    if norm == text:
        return Normalized(text, text)
    return Normalized(norm, text, pieces)


def _start_in(pieces: list[_Piece], i: int) -> int:
    """The original start of normalized character `i`, which the last piece holds."""
    first, start, end = pieces[-1]
    return start + (i - first) if end < 0 else start
