"""The details the built-in detectors give their findings (`Finding.detail`), by kind.

A detail names the sub-kind of a finding without its value: which national ID scheme
("de.idnr", "document" for a passport or ID card number), classification marking ("VS-NfD",
"NATO:NATO RESTRICTED"), secret type ("aws_access_key"), card network, how a category was found
("lexicon", "ICD-10"). Policy rules name them (`when: {details: [...]}`), so a typo there must be
a config error rather than a rule that never fires: this is the list they are checked against,
read from the detectors' own tables where they have one. tests/classify/test_details.py checks
that every detail the detectors give, in the test corpora and in their source, is listed here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from sovgate.classify import _markings, _numbers, _secrets
from sovgate.classify._lexicon import LEXICON
from sovgate.types import CustomRule

# detectors whose details are fixed words in their code, not a table
_FIXED: dict[str, tuple[str, ...]] = {
    "ADDRESS": ("postal_address", "zh-address"),
    "DATE_OF_BIRTH": ("date_of_birth",),
    "EMAIL": ("email", "obfuscated_email"),
    "GENETIC": ("rsid",),
    "HEALTH": ("ICD-10",),
    "IBAN": ("iban",),
    "IP_ADDRESS": ("ipv4", "ipv6"),
    "NATIONAL_ID": ("document",),
    "PERSON": ("name", "zh-name", "ar-name", "ru-name", "ja-name", "ko-name"),
    "PHONE": ("phone",),
    "SECRET": ("password_assignment", "high_entropy_credential"),
}


@functools.cache
def builtin_details() -> Mapping[str, frozenset[str]]:
    """Every detail a built-in detector gives -> the kinds of finding that carry it ("lexicon" is
    given to every category found by its word lists)."""
    pairs: list[tuple[str, str]] = [(d, kind) for kind, ds in _FIXED.items() for d in ds]
    pairs += [(d, "CLASSIFIED") for _, d, _ in _markings._MULTI]
    pairs += [(d, "CLASSIFIED") for d, _ in _markings._SINGLE.values()]
    pairs += [(d, "SECRET") for d, _, _ in _secrets._TOKENS]
    pairs += [(spec.detail, "NATIONAL_ID") for spec in _numbers._DIGIT_SPECS]
    pairs += [(spec.detail, "NATIONAL_ID") for _, spec in _numbers._ALNUM_SPECS]
    pairs += [(d, "CREDIT_CARD") for d in _numbers.CARD_DETAILS]
    pairs += [("lexicon", kind) for kind in LEXICON]
    out: dict[str, set[str]] = {}
    for detail, kind in pairs:
        out.setdefault(detail, set()).add(kind)
    return {d: frozenset(k) for d, k in sorted(out.items())}


def known_details(custom: Iterable[CustomRule] = ()) -> dict[str, frozenset[str]]:
    """The built-in details plus the organization's own detectors' (`gateway.detection.custom`:
    a rule's `detail` is its name), each with the kinds that carry it."""
    out = dict(builtin_details())
    for rule in custom:
        out[rule.detail] = out.get(rule.detail, frozenset()) | {rule.kind}
    return out
