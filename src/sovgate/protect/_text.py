"""Word characters for whole-word matching of values and surrogates.

Latin, Greek and Cyrillic letters, digits and `_` count as word characters; CJK and
other scripts written without spaces do not, so a name inside `王小明先生` is still found.
"""

from __future__ import annotations

import re

_WORD = re.compile(
    r"[0-9A-Za-z_\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u052f]"
)


# the ranges above as a set: membership is the cheapest test per character
_WORD_CHARS = frozenset(chr(c) for c in range(0x530) if _WORD.match(chr(c)))


def is_word(c: str) -> bool:
    return c in _WORD_CHARS
