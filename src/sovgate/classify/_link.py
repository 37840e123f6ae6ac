"""Which categories a request really carries.

A special category (GDPR Art. 9/10) term is only personal data when the request also
identifies a person: "what are the symptoms of diabetes?" is not health data,
"Patient Anna Schmidt, born 1980-03-01, diagnosed with type 2 diabetes" is.
SECRET and CLASSIFIED always count. FINANCIAL needs an account or card number together
with a person or a financial-data term.
"""

from __future__ import annotations

from collections.abc import Sequence

from sovgate.types import SPECIAL_CATEGORIES, Finding

# Entities that make a person identifiable on their own or together.
_IDENTIFYING = frozenset(
    {"PERSON", "EMAIL", "PHONE", "NATIONAL_ID", "DATE_OF_BIRTH", "ADDRESS", "IBAN", "CREDIT_CARD"}
)


def summarize_categories(findings: Sequence[Finding]) -> frozenset[str]:
    kinds = {f.kind for f in findings}
    cats: set[str] = set()
    cats.update(kinds & {"SECRET", "CLASSIFIED"})
    identified = bool(kinds & _IDENTIFYING)
    if identified:
        cats.update(kinds & set(SPECIAL_CATEGORIES))
    money = bool(kinds & {"IBAN", "CREDIT_CARD"})
    if (money and ("PERSON" in kinds or "FINANCIAL" in kinds or "NATIONAL_ID" in kinds)) or (
        "FINANCIAL" in kinds and ("PERSON" in kinds or "NATIONAL_ID" in kinds)
    ):
        cats.add("FINANCIAL")
    return frozenset(cats)
