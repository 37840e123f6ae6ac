"""Generate the benchmark's own labelled corpus (run with the bench venv: it needs Faker).

Templates (templates.json) are the project's own, written for this benchmark; Faker only
supplies VALUES (names, addresses, phones...), and every checksummed value is validated
with python-stdnum before use. Detection never uses Faker or its word lists.

    bench/pii/.venv-presidio/bin/python bench/pii/generate.py --out bench/pii/corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
from pathlib import Path

from faker import Faker
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.de import idnr
from stdnum.es import dni
from stdnum.fr import nir
from stdnum.iso7064 import mod_11_10
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.us import ssn

HERE = Path(__file__).parent
LOCALES = {
    "en": "en_US",
    "de": "de_DE",
    "fr": "fr_FR",
    "es": "es_ES",
    "it": "it_IT",
    "nl": "nl_NL",
    "pl": "pl_PL",
}
TYPES = {
    "PERSON": "PERSON",
    "LAST": "PERSON",
    "EMAIL": "EMAIL",
    "PHONE": "PHONE",
    "IBAN": "IBAN",
    "CARD": "CREDIT_CARD",
    "ID": "NATIONAL_ID",
    "DOC": "NATIONAL_ID",  # a passport's number: no checksum, found after its word
    "ADDRESS": "ADDRESS",
    "DOB": "DATE_OF_BIRTH",
    "IP": "IP_ADDRESS",
}
_SLOT = re.compile(r"\{([A-Z]+)\}")


def _de_idnr(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(9)]
        body = "".join(map(str, digits))
        counts = sorted(body.count(d) for d in set(body))
        if counts[-1] not in (2, 3) or counts.count(counts[-1]) != 1:
            continue
        num = body + mod_11_10.calc_check_digit(body)
        if idnr.is_valid(num):
            return f"{num[:2]} {num[2:5]} {num[5:8]} {num[8:]}" if rng.random() < 0.5 else num


def _es_dni(rng: random.Random) -> str:
    n = rng.randint(10000000, 99999999)
    return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"


def national_id(lang: str, fake: Faker, rng: random.Random) -> str:
    for _ in range(100):
        if lang == "de":
            return _de_idnr(rng)
        if lang == "es":
            v = _es_dni(rng)
            check = dni.is_valid
        elif lang == "pl":
            v, check = fake.pesel(), pesel.is_valid
        else:
            v = fake.ssn()
            check = {
                "en": ssn.is_valid,
                "fr": nir.is_valid,
                "it": codicefiscale.is_valid,
                "nl": bsn.is_valid,
            }[lang]
        if check(v):
            return v
    raise RuntimeError(f"no valid ID for {lang}")


def dob(lang: str, fake: Faker, rng: random.Random) -> str:
    d = fake.date_of_birth(minimum_age=18, maximum_age=90)
    fmt = {
        "en": rng.choice(["%m/%d/%Y", "%B %d, %Y", "%Y-%m-%d"]),
        "de": rng.choice(["%d.%m.%Y", "%Y-%m-%d"]),
        "fr": "%d/%m/%Y",
        "es": "%d/%m/%Y",
        "it": "%d/%m/%Y",
        "nl": "%d-%m-%Y",
        "pl": "%d.%m.%Y",
    }[lang]
    return d.strftime(fmt)


def passport_number(lang: str, rng: random.Random) -> str:
    """A passport number in the printed format of the language's main country."""
    upper, digits = string.ascii_uppercase, string.digits

    def pick(chars: str, n: int) -> str:
        return "".join(rng.choice(chars) for _ in range(n))

    if lang == "de":  # a serial letter, then letters without vowels and digits, at least one
        while True:
            v = rng.choice("CFGHJK") + pick("CFGHJKLMNPRTVWXYZ0123456789", 8)
            if any(c.isdigit() for c in v):
                return v
    return {
        "en": lambda: pick(digits, 9),  # US and UK: nine digits
        "fr": lambda: pick(digits, 2) + pick(upper, 2) + pick(digits, 5),  # 18AB12345
        "es": lambda: pick(upper, 3) + pick(digits, 6),  # PAA123456
        "it": lambda: pick(upper, 2) + pick(digits, 7),  # YA1234567
        "nl": lambda: (
            pick(upper.replace("O", ""), 2) + pick(upper.replace("O", "") + digits, 6) + pick(digits, 1)
        ),
        "pl": lambda: pick(upper, 2) + pick(digits, 7),  # EA1234567
    }[lang]()


def value(slot: str, lang: str, fake: Faker, rng: random.Random) -> str:
    if slot == "PERSON":
        return f"{fake.first_name()} {fake.last_name()}"
    if slot == "LAST":
        return fake.last_name()
    if slot == "EMAIL":
        return fake.email()
    if slot == "PHONE":
        return fake.phone_number()
    if slot == "IBAN":
        v = fake.iban()
        assert std_iban.is_valid(v), v
        return " ".join(v[i : i + 4] for i in range(0, len(v), 4)) if rng.random() < 0.5 else v
    if slot == "CARD":
        while True:
            v = fake.credit_card_number()
            if luhn.is_valid(v) and len(v) >= 13:
                return " ".join(v[i : i + 4] for i in range(0, len(v), 4)) if rng.random() < 0.4 else v
    if slot == "ID":
        return national_id(lang, fake, rng)
    if slot == "DOC":
        return passport_number(lang, rng)
    if slot == "ADDRESS":
        return fake.address().replace("\n", ", ")
    if slot == "DOB":
        return dob(lang, fake, rng)
    if slot == "IP":
        return fake.ipv4_public()
    raise KeyError(slot)


def fill(template: str, lang: str, fake: Faker, rng: random.Random) -> tuple[str, list[dict]]:
    out, ents, pos = [], [], 0
    length = 0
    for m in _SLOT.finditer(template):
        lit = template[pos : m.start()]
        out.append(lit)
        length += len(lit)
        v = value(m.group(1), lang, fake, rng)
        ents.append({"type": TYPES[m.group(1)], "start": length, "end": length + len(v)})
        out.append(v)
        length += len(v)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), ents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(HERE / "corpus.jsonl"))
    ap.add_argument("--per-template", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    templates = json.loads((HERE / "templates.json").read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    n = 0
    with open(args.out, "w", encoding="utf-8") as fh:
        for lang, tpls in templates.items():
            fake = Faker(LOCALES[lang])
            fake.seed_instance(args.seed)
            for ti, tpl in enumerate(tpls):
                reps = args.per_template if "{" in tpl else max(3, args.per_template // 3)
                for _ in range(reps):
                    text, ents = fill(tpl, lang, fake, rng)
                    n += 1
                    rec = {
                        "id": f"gen-{n:05d}",
                        "lang": lang,
                        "text": text,
                        "entities": ents,
                        "other": [],
                        "source": "sovgate-templates",
                        "template": f"{lang}:t{ti:02d}",
                        "locale": LOCALES[lang],
                    }
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {n} records to {args.out}")


if __name__ == "__main__":
    main()
