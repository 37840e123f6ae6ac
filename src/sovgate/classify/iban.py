"""IBAN validity by python-stdnum's rules, with its per-country work done once.

`stdnum.iban.is_valid` looks the country up in its registry file and builds the BBAN pattern
on every call (about 30 µs); detection and surrogate generation call it on every request that
carries an IBAN. The answer is the same: the mod-97 check, the registry's BBAN structure for the
country, and the country's own module where stdnum has one (BE, ES, ME, NO).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Protocol

from stdnum import iban as _stdnum_iban


class _CountryModule(Protocol):
    """What is used of a stdnum country module (stdnum.be.iban, ...)."""

    def is_valid(self, number: str) -> bool: ...


_COMPACT = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+")
# letters as their ISO 7064 values: A=10 ... Z=35
_AS_DIGITS = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})


@cache
def _country_rules(cc: str) -> tuple[re.Pattern[str], _CountryModule | None] | None:
    """The BBAN pattern and the country module for a country code; None for no IBAN country."""
    props = _stdnum_iban._ibandb.info(cc)[0][1]
    if not props:
        return None
    pattern = _stdnum_iban._struct_to_re(props.get("bban", ""))
    return pattern, _stdnum_iban._get_cc_module(cc)


def is_valid_iban(number: str) -> bool:
    """`stdnum.iban.is_valid(number)` for an IBAN written without separators."""
    if not (number.isascii() and _COMPACT.fullmatch(number)):
        return _stdnum_iban.is_valid(number)
    if int((number[4:] + number[:4]).translate(_AS_DIGITS)) % 97 != 1:
        return False
    rules = _country_rules(number[:2])
    if rules is None or not rules[0].match(number[4:]):
        return False
    module = rules[1]
    return module is None or bool(module.is_valid(number))
