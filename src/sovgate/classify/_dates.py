"""Dates of birth: a date (numeric or with a month name, en/de/fr/es/it/nl/pl) after a birth cue."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit

_MONTHS = (  # noqa: SIM905
    # en
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    # de
    "januar jänner februar märz mai juni juli oktober dezember "
    # fr
    "janvier février fevrier mars avril juin juillet août aout septembre octobre novembre décembre decembre "
    # es
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre "
    # it
    "gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre "
    # nl
    "januari februari maart mei augustus "
    # pl (nominative and genitive)
    "styczeń stycznia luty lutego marzec marca kwiecień kwietnia maj maja czerwiec czerwca lipiec lipca "
    "sierpień sierpnia wrzesień września październik października listopad listopada grudzień grudnia"
).split()
_MONTH = "(?i:" + "|".join(sorted({re.escape(m) for m in _MONTHS}, key=len, reverse=True)) + r")\.?"

_DATE = (
    r"(?:"
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # ISO-like
    r"|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})"  # d/m/y, m/d/y
    rf"|\d{{1,2}}(?:\.|er|st|nd|rd|th|º)?\s+(?:de\s+)?{_MONTH}(?:\s+de)?,?\s+\d{{4}}"  # 3. Januar 1977
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # June 14, 1960
    r")"
)
_DATE_RX = re.compile(_DATE)
_STAR = re.compile(rf"(?:^|(?<=[\s(]))\*\s?({_DATE})(?!\d)", re.M)
# what may sit between a birth cue and the date: "Geburtsdatum: ", "(DOB ", "born on ", "nato il "
_BRIDGE = re.compile(r"[\s:(=-]{0,4}(?:(?:on|am|le|el|il|op|dnia|is|was)\s+){0,2}(?:it'?s\s+)?")
_LOWER_ONLY = frozenset({"nato", "nata"})
_YEAR_OK = re.compile(r"(1[89]\d\d|20[0-3]\d|\d\d)\D*$")


def dob_hits(text: str, cues: Cues) -> Iterator[Hit]:
    seen: set[int] = set()
    for cue in cues.all("dob"):
        if text[cue.start].isupper() and text[cue.start : cue.end].lower() in _LOWER_ONLY:
            continue  # "NATO summit" is not "nato il"
        b = _BRIDGE.match(text, cue.end)
        pos = b.end() if b else cue.end
        m = _DATE_RX.match(text, pos)
        score = 0.95
        if m is None:
            # "date of birth? It's 10/31/1950": the date later in the same line
            line_end = text.find("\n", cue.end)
            limit = min(len(text), cue.end + 70, line_end if line_end >= 0 else len(text))
            m = _DATE_RX.search(text, cue.end, limit)
            score = 0.8
        if m is None or m.start() in seen or not _YEAR_OK.search(m.group()):
            continue
        if m.start() > 0 and text[m.start() - 1].isdigit():
            continue
        if m.end() < len(text) and text[m.end()].isdigit():
            continue
        seen.add(m.start())
        yield Hit("DATE_OF_BIRTH", m.start(), m.end(), score, None, "date_of_birth")
    # genealogical star: "* 12.03.1980 in Köln"
    if "*" in text:
        for m in _STAR.finditer(text):
            if m.start(1) not in seen and _YEAR_OK.search(m.group(1)):
                yield Hit("DATE_OF_BIRTH", m.start(1), m.end(1), 0.8, None, "date_of_birth")
