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
from dataclasses import dataclass

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

_SCRIPT_HOMOGLYPHS = frozenset(c for c in _HOMOGLYPHS if "\u0370" <= c <= "\u04ff")
_NATIVE_SCRIPT = re.compile("[\u0370-\u04ff]")
_WORD = re.compile(r"[^\W\d_]+")


def _latin_mixed_positions(text: str) -> set[int]:
    """Positions inside words that mix Latin letters with Cyrillic/Greek look-alikes."""
    out: set[int] = set()
    for m in _WORD.finditer(text):
        w = m.group()
        if _NATIVE_SCRIPT.search(w) and any("a" <= c.lower() <= "z" for c in w):
            out.update(range(m.start(), m.end()))
    return out


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalized text and, when it differs from the original, the offset map.

    `starts[i]` / `ends[i]` are the original offsets of normalized character i.
    """

    text: str
    original: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span [start, end) to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            o = self.starts[start] if start < len(self.starts) else len(self.original)
            return o, o
        return self.starts[start], self.ends[end - 1]


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
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _JSON_ESCAPE.finditer(text):
        a, b = m.start(), m.end()
        if a > 0 and text[a - 1] == "\\":  # an escaped backslash followed by "u": literal text
            continue
        out.append(text[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        if m.group(3) is not None:
            ch = chr(int(m.group(3), 16))
        else:
            hi, lo = int(m.group(1), 16), int(m.group(2), 16)
            ch = chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        out.append(ch)
        starts.append(a)
        ends.append(b)
        pos = b
    if pos == 0:
        return Normalized(text, text)
    out.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return Normalized("".join(out), text, tuple(starts), tuple(ends))


def normalize(text: str) -> Normalized:
    """Normalize `text`; cheap (no copy, no map) when nothing needs rewriting."""
    if "\\u" in text:
        unescaped = _unescape(text)
        if unescaped.starts is not None and unescaped.ends is not None:
            inner = _normalize_chars(unescaped.text)
            if inner.starts is None or inner.ends is None:
                return unescaped
            s0, e0 = unescaped.starts, unescaped.ends
            return Normalized(
                inner.text,
                text,
                tuple(s0[i] for i in inner.starts),
                tuple(e0[i - 1] for i in inner.ends),
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
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    n = len(text)
    # homoglyphs are folded only inside words that also have Latin letters ("Сity", "PayРal"):
    # genuine Cyrillic or Greek words ("Иван Петров") keep their letters
    latin_words = _latin_mixed_positions(text) if _NATIVE_SCRIPT.search(text) else None
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        if latin_words is not None and ch in _SCRIPT_HOMOGLYPHS and i not in latin_words:
            continue
        if i > pos:  # untouched run before this character
            out.append(text[pos:i])
            starts.extend(range(pos, i))
            ends.extend(range(pos + 1, i + 1))
        pos = i + 1
        if unicodedata.combining(ch) and out and ch not in _DROP:
            # decomposed accent: compose with the previous character when possible
            prev = out[-1][-1:] if out[-1] else ""
            composed = unicodedata.normalize("NFC", prev + ch)
            if prev and len(composed) == 1:
                out[-1] = out[-1][:-1] + composed
                ends[-1] = i + 1
                continue
        rep = _rewrite(ch)
        if rep == ch:
            out.append(ch)
            starts.append(i)
            ends.append(i + 1)
        elif rep:
            out.append(rep)
            starts.extend([i] * len(rep))
            ends.extend([i + 1] * len(rep))
    if pos < n:
        out.append(text[pos:])
        starts.extend(range(pos, n))
        ends.extend(range(pos + 1, n + 1))
    norm = "".join(out)
    if norm == text:
        return Normalized(text, text)
    return Normalized(norm, text, tuple(starts), tuple(ends))
