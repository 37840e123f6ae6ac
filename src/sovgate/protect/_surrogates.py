"""Realistic fake values of the same kind, shape and locale as the value they replace.

Names, streets and cities come from `data/surrogates.json` (locale from the finding's
jurisdiction, else from the value's script and letters); IBANs keep their country and
length with valid check digits (python-stdnum); cards keep their issuer prefix and
pass the Luhn check; phone numbers are valid numbers of the same country and type
(phonenumbers); IPs come from the documentation ranges (RFC 5737, RFC 3849); e-mails
use the reserved example domains (RFC 2606); dates of birth move by a few months in
the same format. Anything else keeps its shape: every letter and digit (any script)
replaced by a random ASCII one, separators and punctuation kept.
`None` means no convincing surrogate: the caller uses a placeholder.
"""

from __future__ import annotations

import ipaddress
import json
import random
import re
import string
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import phonenumbers
from stdnum import iban, luhn

from sovgate.classify.iban import is_valid_iban

_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%y", "%Y/%m/%d")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}")
_DIGITS = re.compile(r"\d+")
_SEPARATORS = re.compile(r"[\s-]")
_CARD = re.compile(r"[0-9][0-9 -]*[0-9]")
_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
_DOC_V4 = ("192.0.2", "198.51.100", "203.0.113")


@cache
def _data() -> dict[str, Any]:
    return json.loads(resources.files("sovgate.protect").joinpath("data/surrogates.json").read_text("utf-8"))


def surrogate(kind: str, value: str, jurisdiction: str | None, rng: random.Random) -> str | None:
    """A fake `kind` value shaped like `value`, or None when there is no good one."""
    make = _MAKERS.get(kind, _shape_of)
    out = make(value, jurisdiction, rng)
    return out if out and out != value else None


def locale_of(value: str, jurisdiction: str | None) -> str:
    """Locale for names: the jurisdiction's, else guessed from script and letters."""
    data = _data()
    if jurisdiction and jurisdiction.upper() in data["country_locale"]:
        return str(data["country_locale"][jurisdiction.upper()])
    low = value.lower()
    if any("\u3040" <= c <= "\u30ff" for c in low):
        return "ja"
    if any("\uac00" <= c <= "\ud7af" for c in low):
        return "ko"
    if any("\u4e00" <= c <= "\u9fff" for c in low):
        return "zh"
    if any("\u0400" <= c <= "\u04ff" for c in low):
        return "ru"
    if any("\u0370" <= c <= "\u03ff" for c in low):
        return "el"
    for letters, loc in (
        ("äöüß", "de"),
        ("łżźśąęćń", "pl"),
        ("ñ¿¡", "es"),
        ("ãõ", "pt"),
        ("éèêëçœàâî", "fr"),
    ):
        if any(c in letters for c in low):
            return loc
    if any(c in "ìòù" for c in low):
        return "it"
    return "en"


def _names(loc: str) -> dict[str, Any]:
    return dict(_data()["locales"][loc])


def _unlike(options: list[str], value: str, fold: Callable[[str], str] = str.casefold) -> list[str]:
    """The options that do not appear in the real value (all of them if every one does)."""
    real = fold(value)
    return [o for o in options if fold(o) not in real] or options


def _person(value: str, juris: str | None, rng: random.Random) -> str:
    loc = locale_of(value, juris)
    d = _names(loc)
    # never a part of the real name: "Andrea Rossi" for "Maria Rossi" would still say "Rossi"
    given, family = _unlike(d["given"], value), _unlike(d["family"], value)
    if loc in ("zh", "ja", "ko") and " " not in value.strip():
        return str(rng.choice(family) + rng.choice(given))
    parts = value.split()
    name = rng.choice(given) if len(parts) == 1 else f"{rng.choice(given)} {rng.choice(family)}"
    if value.isupper():
        return str(name.upper())
    if value.islower():
        return str(name.lower())
    return str(name)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ł", "l"))
    return "".join(c for c in folded if c.isascii() and (c.isalnum() or c in ".-")).lower()


def _email(value: str, juris: str | None, rng: random.Random) -> str:
    real = value.split("@")[0]
    d = _names(locale_of(real, juris))
    given, family = _unlike(d["given"], real, _ascii), _unlike(d["family"], real, _ascii)
    local = f"{_ascii(rng.choice(given))}.{_ascii(rng.choice(family))}".strip(".")
    if len(local) < 3:  # names in scripts without an ASCII spelling
        local = f"user{rng.randrange(1000, 9999)}"
    return f"{local}@{rng.choice(_EXAMPLE_DOMAINS)}"


def _phone(value: str, juris: str | None, rng: random.Random) -> str | None:
    try:
        num = phonenumbers.parse(value, juris.upper() if juris else None)
    except phonenumbers.NumberParseException:
        return _shape_of(value, juris, rng)
    region = phonenumbers.region_code_for_number(num) or (juris or "").upper()
    example = phonenumbers.example_number_for_type(region, phonenumbers.number_type(num))
    example = example or phonenumbers.example_number(region)
    if example is None:
        return _shape_of(value, juris, rng)
    national = str(example.national_number)
    keep = max(len(national) - 4, 1)
    cand = example
    for _ in range(20):
        digits = national[:keep] + "".join(rng.choice(string.digits) for _ in national[keep:])
        cand = phonenumbers.PhoneNumber(country_code=example.country_code, national_number=int(digits))
        if phonenumbers.is_valid_number(cand):
            break
    intl = value.lstrip().startswith(("+", "00"))
    fmt = phonenumbers.PhoneNumberFormat.INTERNATIONAL if intl else phonenumbers.PhoneNumberFormat.NATIONAL
    return str(phonenumbers.format_number(cand, fmt))


def _iban(value: str, juris: str | None, rng: random.Random) -> str | None:
    compact = _SEPARATORS.sub("", value).upper()
    if not _IBAN.fullmatch(compact):
        return _shape_of(value, juris, rng)
    country, bban = compact[:2], compact[4:]
    cand = compact
    for _ in range(30):  # countries with national check digits need a few tries
        new_bban = _shape(bban, rng)
        cand = country + iban.calc_check_digits(country + "00" + new_bban) + new_bban
        if is_valid_iban(cand):
            break
    if " " in value.strip():
        return " ".join(cand[i : i + 4] for i in range(0, len(cand), 4))
    return cand


def _card(value: str, juris: str | None, rng: random.Random) -> str | None:
    digits = [c for c in value if c.isdigit()]
    if not _CARD.fullmatch(value) or not 12 <= len(digits) <= 19:
        return _shape_of(value, juris, rng)
    body = "".join(digits[:2]) + "".join(rng.choice(string.digits) for _ in digits[2:-1])
    new = iter(body + luhn.calc_check_digit(body))
    return "".join(next(new) if c.isdigit() else c for c in value)


def _ip(value: str, juris: str | None, rng: random.Random) -> str | None:
    try:
        ip = ipaddress.ip_address(value.strip())
    except ValueError:
        return _shape_of(value, juris, rng)
    if ip.version == 4:
        return f"{rng.choice(_DOC_V4)}.{rng.randint(1, 254)}"
    return f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(1, 65536):x}"


def _date(value: str, juris: str | None, rng: random.Random) -> str | None:
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        shift = timedelta(days=rng.randint(40, 400) * rng.choice((-1, 1)))
        return (day + shift).strftime(fmt)
    return _shape_of(value, juris, rng)


def _address(value: str, juris: str | None, rng: random.Random) -> str:
    d = _names(locale_of(value, juris))
    n = rng.randint(1, 120)
    street = rng.choice(_unlike(d["street"], value))
    line = f"{n} {street}" if d["number_first"] else f"{street} {n}"
    post = _DIGITS.search(value.split(",", 1)[1]) if "," in value else None
    if post is not None:
        code = "".join(rng.choice(string.digits) for _ in post.group())
        return f"{line}, {code} {rng.choice(_unlike(d['city'], value))}"
    return line


def _shape(text: str, rng: random.Random) -> str:
    """Every letter and digit replaced (any script); only separators and punctuation kept."""
    out = []
    for c in text:
        if c.isdigit():
            out.append(rng.choice(string.digits))
        elif c.isupper():
            out.append(rng.choice(string.ascii_uppercase))
        elif c.isalnum():
            out.append(rng.choice(string.ascii_lowercase))
        else:
            out.append(c)
    return "".join(out)


def _shape_of(value: str, juris: str | None, rng: random.Random) -> str | None:
    out = _shape(value, rng)
    return out if out != value else None


_MAKERS = {
    "PERSON": _person,
    "EMAIL": _email,
    "PHONE": _phone,
    "IBAN": _iban,
    "CREDIT_CARD": _card,
    "IP_ADDRESS": _ip,
    "DATE_OF_BIRTH": _date,
    "ADDRESS": _address,
}
