"""Identity document numbers (passports, identity cards) right after the word that names them.

A document number as printed carries no check digit to test (a German ID card's "L01X00T47", a
French passport's "18AB12345", a US passport's nine digits), and outside that context such a
token is a product code or a booking reference. So a number counts only where it follows the
document's word, at most a "no." / "Nr." / "numéro" and punctuation apart: "Reisepass-Nr.:
C01X00T47", "passport number 123456789", "carta d'identità CA00000AA". Numbers with a checksum
of their own (the national IDs in _numbers) are found without this, and win where both match.

Whose document it is the word does not say (a passport's "passport", an Austrian's
"Personalausweis"): the finding has no jurisdiction, so policy takes the tenant's home, as for
a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit

CUE = "doc"  # the keyword pass's kind of the document words (_cuewords.DOCUMENT_CUES)
# After the word: punctuation, an optional number word, then the number itself: capital letters
# and digits, at least one digit, in groups joined by hyphens ("123-456-789"), not running on into
# a longer word.
_NUMBER = re.compile(
    r"[ \t:.#°º-]{0,4}"
    r"(?i:(?:(?:nr|no|num|number|nummer|numéro|numero|número|numer)\b\.?|n[°º.])[ \t:.#-]{0,3})?"
    r"(?P<value>(?=[A-Z-]*[0-9])[A-Z0-9]+(?:-[A-Z0-9]+){0,3})(?![A-Za-z0-9-])"
)


def document_hits(text: str, cues: Cues) -> Iterator[Hit]:
    for cue in cues.all(CUE):
        m = _NUMBER.match(text, cue.end)
        if m is None:
            continue
        s, e = m.span("value")
        if 6 <= e - s - text.count("-", s, e) <= 12:  # 6-12 letters and digits
            yield Hit("NATIONAL_ID", s, e, 0.8, None, "document")
