"""Category terms (health, genetic, biometric, ... financial) found with one Aho-Corasick pass."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit

# ICD-10 codes only count next to a cue; bare "E11" is too common elsewhere.
_ICD = re.compile(
    r"(?i:icd(?:-?1[01])?(?:-code)?|diagnos\w*|code)\s*[:#]?\s*((?-i:[A-TV-Z]\d{2}(?:\.\d{1,2})?[A-Z]?))\b"
)
_RSID = re.compile(r"\brs\d{3,10}\b")
_RSID_HINT = re.compile(r"rs\d{3}")  # literal-led: the engine jumps from one "rs" to the next


def category_hits(text: str, cues: Cues) -> Iterator[Hit]:
    """Lexicon terms (found by the keyword pass) plus ICD-10 codes and SNP ids."""
    for h in cues.all("cat"):
        yield Hit(h.kind.partition("|")[2], h.start, h.end, 0.7, None, "lexicon")
    low = cues.low
    if "icd" in low or "diagn" in low or "code" in low:
        for m in _ICD.finditer(text):
            yield Hit("HEALTH", m.start(1), m.end(1), 0.9, None, "ICD-10")
    if _RSID_HINT.search(text) is not None:  # "rs" alone is in "first", "years", ...
        for m in _RSID.finditer(text):
            yield Hit("GENETIC", m.start(), m.end(), 0.8, None, "rsid")
