"""The request bodies the benchmark sends.

Two prompts: `ticket`, a ~2 KB support ticket carrying personal data (a name, an
e-mail address, a German IBAN with valid check digits, a phone number and a
street address), so a gateway's detectors do real work; and `short`, a one-line
question without personal data. Both come in `VARIANTS` different texts (ticket:
other person, IBAN, phone; short: other question and wording), used in turn, so
nothing can be answered from a cache keyed on the user's text: sovgate memoizes
detection of up to 1,024 repeated texts, and a cycle longer than that never hits.
The system message is the same in every request, as in real traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec

DATA = Path(__file__).resolve().parent / "data"
SYSTEM = "You are a helpful customer support assistant of Example Shop GmbH, an online retailer in Berlin."
VARIANTS = 2048
PROMPTS = ("short", "ticket")


def iban_de(bank_code: str, account: str) -> str:
    """A German IBAN with correct ISO 7064 mod 97-10 check digits."""
    bban = bank_code + account.zfill(10)
    # Letters D=13, E=14 moved to the end with "00" as placeholder check digits.
    check = 98 - int(bban + "131400") % 97
    return f"DE{check:02d}{bban}"


def _spaced(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


@dataclass(frozen=True)
class Ticket:
    text: str
    pii: tuple[str, ...]  # the raw personal values inside `text`


def tickets(n: int = VARIANTS) -> list[Ticket]:
    template = (DATA / "ticket_2kb.txt").read_text()
    people = msgspec.json.decode((DATA / "people.json").read_bytes())
    out = []
    for i in range(n):
        person = people[i % len(people)]
        iban = _spaced(iban_de("10070000", str(532013000 + 7919 * i)))
        phone = f"+49 30 {20145870 + 131 * i}"
        email = person["name"].lower().replace(" ", ".") + f"{i}@example.org"
        text = template.format(
            ticket=f"{482113 + i}",
            name=person["name"],
            email=email,
            phone=phone,
            street=person["street"],
            iban=iban,
        )
        out.append(Ticket(text=text, pii=(person["name"], email, phone, iban)))
    return out


_OPENERS = ("In one sentence:", "Briefly:", "In plain words:", "Quick question:")
_CLOSERS = (
    "",
    " Thanks!",
    " Keep it simple.",
    " No jargon, please.",
    " One example helps.",
    " Answer for a beginner.",
    " Be concise.",
    " Thank you in advance.",
)


def shorts(n: int = VARIANTS) -> list[str]:
    """`n` different one-line questions (about 90 bytes), none with personal data."""
    questions = (DATA / "short.txt").read_text().split("\n")
    combos = [f"{o} {q}{c}" for c in _CLOSERS for o in _OPENERS for q in questions if q]
    m = len(combos)  # beyond the combinations, repeats are numbered
    return [combos[i % m] + (f" ({i // m})" if i >= m else "") for i in range(n)]


def chat_body(model: str, user_text: str, stream: bool) -> bytes:
    body: dict[str, object] = {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user_text}],
        "max_tokens": 256,
    }
    if stream:
        body["stream"] = True
    return msgspec.json.encode(body)


def bodies(prompt: str, model: str, stream: bool) -> list[str]:
    """Request bodies (JSON text) for one prompt kind; the load generator cycles through them."""
    if prompt == "short":
        texts = shorts()
    elif prompt == "ticket":
        texts = [t.text for t in tickets()]
    else:
        raise ValueError(f"unknown prompt {prompt!r}; expected one of {PROMPTS}")
    return [chat_body(model, text, stream).decode() for text in texts]
