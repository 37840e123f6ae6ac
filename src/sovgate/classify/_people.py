"""Names, postal addresses and dates of birth."""

from __future__ import annotations

from collections.abc import Iterator

from sovgate.classify import _address, _dates, _names, _nonlatin
from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit


class PeopleDetector:
    def __init__(self) -> None:
        self._names = _names.NameFinder()

    def dates(self, text: str, cues: Cues) -> Iterator[Hit]:
        return _dates.dob_hits(text, cues)

    def hits(self, text: str, lang: str | None, cues: Cues) -> Iterator[Hit]:
        yield from _address.address_hits(text, lang, cues)
        yield from self._names.hits(text, lang, cues)
        yield from _nonlatin.nonlatin_hits(text)
