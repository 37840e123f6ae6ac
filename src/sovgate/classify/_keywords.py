"""One Aho-Corasick pass over the lower-cased text finds every keyword of every kind.

Keyword syntax (lower case):
  "word"    whole word
  "stem*"   word start, any continuation ("diagnos*" -> diagnosis, diagnostiziert)
  "*suffix" word end, any beginning (compound street names: "*straße" -> Löchelstraße)
  "*sub*"   anywhere
Multi-word keywords are written with single spaces and match single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import ahocorasick


class KeywordHit(NamedTuple):
    kind: str
    start: int
    end: int


def _is_word(c: str) -> bool:
    # CJK scripts have no spaces: their characters never extend or glue words here
    return (c.isalnum() or c == "_") and c < "\u3000"


# the characters _is_word accepts, as a run: \w below the CJK blocks
_WORD_RUN = re.compile("[^\\W\u3000-\U0010ffff]*")


class KeywordIndex:
    """Immutable after construction; `scan` is safe to call from many threads."""

    def __init__(self, table: Mapping[str, Iterable[str]]) -> None:
        entries: dict[str, list[tuple[str, bool, bool]]] = {}
        for kind, words in table.items():
            for raw in words:
                open_start = raw.startswith("*")
                open_end = raw.endswith("*")
                key = raw.strip("*")
                if not key:
                    continue
                e = (kind, open_start, open_end)
                lst = entries.setdefault(key, [])
                if e not in lst:
                    lst.append(e)
        auto = ahocorasick.Automaton()
        for key, es in entries.items():
            # a CJK keyword needs no boundary on its CJK side: "电话13912345678", "患者王芳"
            cjk_start, cjk_end = key[0] >= "\u3000", key[-1] >= "\u3000"
            # most raw matches sit inside longer words ("at" in "that"): when no entry of the key
            # may start (end) inside a word, such a match is dropped before looking at entries
            closed_start = not cjk_start and not any(open_start for _, open_start, _ in es)
            closed_end = not cjk_end and not any(open_end for _, _, open_end in es)
            auto.add_word(key, (len(key), tuple(es), cjk_start, cjk_end, closed_start, closed_end))
        auto.make_automaton()
        self._auto = auto

    def scan(self, low: str) -> list[KeywordHit]:
        """All keyword hits in `low` (a same-length lower-cased text), ordered by end."""
        out: list[KeywordHit] = []
        n = len(low)
        for end_idx, (klen, es, cjk_start, cjk_end, closed_start, closed_end) in self._auto.iter(low):
            end = end_idx + 1
            start = end - klen
            left_word = not cjk_start and start > 0 and _is_word(low[start - 1])
            if left_word and closed_start:
                continue
            right_word = not cjk_end and end < n and _is_word(low[end])
            if right_word and closed_end:
                continue
            for kind, open_start, open_end in es:
                if left_word and not open_start:
                    continue
                if open_end:  # the stem runs on to the end of its word
                    e = _WORD_RUN.match(low, end).end() if right_word else end  # type: ignore[union-attr]
                    out.append(KeywordHit(kind, start, e))
                elif not right_word:
                    out.append(KeywordHit(kind, start, end))
        return out


def lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
