"""Category terms (health, genetic, biometric, ... financial) found with one Aho-Corasick pass."""

from __future__ import annotations

import re
from collections.abc import Iterator

import ahocorasick

from sovgate.classify._hits import Hit
from sovgate.classify._lexicon import LEXICON

# ICD-10 codes only count next to a cue; bare "E11" is too common elsewhere.
_ICD = re.compile(
    r"(?i:icd(?:-?1[01])?(?:-code)?|diagnos\w*|code)\s*[:#]?\s*((?-i:[A-TV-Z]\d{2}(?:\.\d{1,2})?[A-Z]?))\b"
)
_RSID = re.compile(r"\brs\d{3,10}\b")


def lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


class CategoryMatcher:
    """Finds lexicon terms; built once, immutable afterwards."""

    def __init__(self) -> None:
        table: dict[str, list[tuple[str, bool]]] = {}
        for cat, terms in LEXICON.items():
            for term in terms:
                key = term.rstrip("*")
                entry = (cat, term.endswith("*"))
                if entry not in table.setdefault(key, []):
                    table[key].append(entry)
        auto = ahocorasick.Automaton()
        for key, entries in table.items():
            auto.add_word(key, (len(key), tuple(entries)))
        auto.make_automaton()
        self._auto = auto

    def hits(self, text: str, low: str) -> Iterator[Hit]:
        n = len(text)
        for end_idx, (key_len, entries) in self._auto.iter(low):
            end = end_idx + 1
            start = end - key_len
            if start > 0 and _is_word(low[start - 1]):
                continue
            for cat, stem in entries:
                e = end
                if stem:
                    while e < n and _is_word(low[e]):
                        e += 1
                elif e < n and _is_word(low[e]):
                    continue
                yield Hit(cat, start, e, 0.7, None, "lexicon")
        if "icd" in low or "diagn" in low or "code" in low:
            for m in _ICD.finditer(text):
                yield Hit("HEALTH", m.start(1), m.end(1), 0.9, None, "ICD-10")
        if "rs" in low:
            for m in _RSID.finditer(text):
                yield Hit("GENETIC", m.start(), m.end(), 0.8, None, "rsid")
