"""Dates of birth: a date (numeric or with a month name, en/de/fr/es/it/nl/pl) after a birth cue."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sovgate.classify._hits import Hit

_MONTHS = (
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
_CUE = (
    r"(?:date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|birthday|born(?:\s+on)?|b\."
    r"|geburtsdatum|geburtstag|geb\.|geboren(?:\s+am)?"
    r"|date\s+de\s+naissance|n[ée]e?\s+le|naissance"
    r"|fecha\s+de\s+nacimiento|nacid[oa]\s+el|f\.\s*nac\.?"
    r"|data\s+di\s+nascita|nat[oa]\s+il|nascita"
    r"|geboortedatum|geboren\s+op|geb\."
    r"|data\s+urodzenia|urodzon[ya]|ur\.)"
)
_DOB = re.compile(
    rf"(?i:{_CUE})[\s:(=-]{{0,4}}(?:(?:on|am|le|el|il|op|dnia)\s+)?(?:is\s+|it'?s\s+|:\s*)?({_DATE})(?!\d)",
)
# "date of birth ... It's 10/31/1950": cue earlier in the same sentence or the previous one
_DOB_FAR = re.compile(rf"(?i:{_CUE})[^\n]{{0,60}}?(?<![\d/.-])({_DATE})(?!\d)")
_YEAR_OK = re.compile(r"(1[89]\d\d|20[0-3]\d|\d\d)\D*$")


def dob_hits(text: str) -> Iterator[Hit]:
    seen: set[int] = set()
    for rx, score in ((_DOB, 0.95), (_DOB_FAR, 0.8)):
        for m in rx.finditer(text):
            s, e = m.span(1)
            if s in seen or not _YEAR_OK.search(m.group(1)):
                continue
            seen.add(s)
            yield Hit("DATE_OF_BIRTH", s, e, score, None, "date_of_birth")
