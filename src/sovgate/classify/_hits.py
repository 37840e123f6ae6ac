"""The internal result of one detector, in normalized-text offsets."""

from __future__ import annotations

from typing import NamedTuple


class Hit(NamedTuple):
    kind: str
    start: int
    end: int
    score: float
    jurisdiction: str | None = None
    detail: str | None = None


# Which country's numbering/addresses to assume for a language when nothing else says.
LANG_COUNTRY: dict[str, str] = {
    "en": "US",
    "de": "DE",
    "fr": "FR",
    "es": "ES",
    "it": "IT",
    "nl": "NL",
    "pl": "PL",
    "pt": "PT",
    "sv": "SE",
    "da": "DK",
    "fi": "FI",
    "cs": "CZ",
    "sk": "SK",
    "ro": "RO",
    "hu": "HU",
    "bg": "BG",
    "hr": "HR",
    "sl": "SI",
    "el": "GR",
    "et": "EE",
    "lv": "LV",
    "lt": "LT",
    "no": "NO",
    "nb": "NO",
    "zh": "CN",
    "ja": "JP",
    "ko": "KR",
    "ar": "SA",
}
