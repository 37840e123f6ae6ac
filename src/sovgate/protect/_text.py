"""Word boundaries for matching values and surrogates in free text.

Latin, Greek and Cyrillic letters and digits count as word characters; CJK and other
scripts written without spaces do not, so a name inside `王小明先生` is still found.
"""

from __future__ import annotations

import re

WORD_CLASS = (
    r"[0-9A-Za-z_\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u052f]"
)
_WORD = re.compile(WORD_CLASS)
NOT_AFTER_WORD = f"(?<!{WORD_CLASS})"
NOT_BEFORE_WORD = f"(?!{WORD_CLASS})"


def is_word(c: str) -> bool:
    return _WORD.match(c) is not None


def bounded(literal: str) -> str:
    """Regex for `literal` that does not start or end inside a longer word."""
    return (
        (NOT_AFTER_WORD if is_word(literal[0]) else "")
        + re.escape(literal)
        + (NOT_BEFORE_WORD if is_word(literal[-1]) else "")
    )
