"""E-mail addresses, phone numbers (validated with phonenumbers) and IP addresses."""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Iterator, Sequence

import phonenumbers

from sovgate.classify._cues import Cues
from sovgate.classify._hits import LANG_COUNTRY, Hit
from sovgate.classify._numbers import digit_runs

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9À-ÖØ-öø-ÿ.+%'_-])[A-Za-z0-9À-ÖØ-öø-ÿ.+%'_-]{1,64}@(?:[A-Za-z0-9\u00c0-\u024f](?:[A-Za-z0-9\u00c0-\u024f-]{0,61}[A-Za-z0-9\u00c0-\u024f])?\.)+"
    r"[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)

# A phone-like run: optional +/00 country prefix, digit groups with the usual separators,
# optional parenthesised area code, optional extension.
_PHONE = re.compile(
    r"(?<![A-Za-z0-9_+/.-])(?:\+|00)?(?:\(\d{1,5}\)|\d{1,5})(?:[ .\-/]{0,2}(?:\(\d{1,5}\)|\d{1,6})){1,6}"
    r"(?:\s?(?:x|ext\.?|#|Durchwahl|poste)\s?\d{1,6})?(?![A-Za-z0-9_])"
)
# _PHONE with its repeated digit groups possessive (`{m,n}+`, Python 3.11), for texts whose digits
# are all ASCII. With separators optional, _PHONE can split a run of digits into groups in
# thousands of ways, and tries them all when the run ends in a letter ("11010519491231002X", a
# Chinese ID: 9 ms; 30 digits and a letter: 44 ms). Giving back ASCII digits can only end the match
# before a digit, where the final lookahead fails, so the matches are the same
# (tests/classify/test_number_prefilters.py); the first group may still give digits back ("12"
# needs one repetition after it). A non-ASCII digit passes that lookahead, hence the condition.
_PHONE_ASCII = re.compile(_PHONE.pattern.replace(r"|\d{1,6})){1,6}", r"|\d{1,6}+)){1,6}", 1))
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\x7f](?<=\d)")
# countries whose national numbers are written without a leading 0
_NO_TRUNK_PREFIX = frozenset({"ES", "IT", "PL", "US", "CA", "DK", "NO", "PT", "GR", "LU"})
_OTHER_REGIONS = ("DE", "FR", "ES", "IT", "NL", "PL", "GB", "AT", "CH", "BE", "US")
_DOTTED4 = re.compile(r"\d+(?:\.\d+){3,}")
_DIGIT_GROUP = re.compile(r"\d+")
_EXT = re.compile(r"\s?(?:x|ext\.?|#|Durchwahl|poste)\s?\d{1,6}$")
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{4}|\d{1,3}(?:\.\d{1,3}){3}")

_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]\d)"
)
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?:::?[0-9A-Fa-f]{1,4})*(?![\w:])"
)
_IPV6_FULL = re.compile(r"(?<![\w:])[0-9A-Fa-f:]*::[0-9A-Fa-f:]*[0-9A-Fa-f](?![\w:])")


# "anna [at] example [dot] de", "anna(at)example.de": the usual spam-proofing
_OBFUSCATED = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}\s*[\[({]\s*(?i:at|@)\s*[\])}]\s*[A-Za-z0-9-]{1,63}"
    r"(?:\s*(?:[\[({]\s*(?i:dot|punkt|point|punto|kropka)\s*[\])}]|\.)\s*[A-Za-z0-9-]{1,63})*"
    r"\s*(?:[\[({]\s*(?i:dot|punkt|point|punto|kropka)\s*[\])}]|\.)\s*[A-Za-z]{2,4}(?![\w-])"
)


# Both e-mail patterns start with a character class behind a lookbehind, which the regex engine
# tries at every position of the text; they run only near what every match must contain.
_OBFUSCATED_AT = re.compile(r"[\[({]\s*(?:[Aa][Tt]|@)\s*[\])}]")
_LOCAL_MAX = 64  # RFC 5321 local part
# the characters of _EMAIL's local part (and of its lookbehind)
_LOCAL_CHARS = frozenset(
    string.ascii_letters
    + string.digits
    + ".+%'_-"
    + "".join(map(chr, [*range(0xC0, 0xD7), *range(0xD8, 0xF7), *range(0xF8, 0x100)]))
)
_DOMAIN_MAX = 255


def _obfuscated_at(text: str) -> bool:
    """Whether `_OBFUSCATED_AT` matches somewhere: tried only at the opening brackets (where every
    match starts) when there are a few; one search over the text when there are many (code)."""
    tries = 0
    for ch in "([{":
        i = text.find(ch)
        while i != -1:
            tries += 1
            if tries > _BRACKET_TRIES:
                return _OBFUSCATED_AT.search(text) is not None
            if _OBFUSCATED_AT.match(text, i) is not None:
                return True
            i = text.find(ch, i + 1)
    return False


_BRACKET_TRIES = 16


def email_hits(text: str) -> Iterator[Hit]:
    if _obfuscated_at(text):
        for ob in _OBFUSCATED.finditer(text):
            yield Hit("EMAIL", ob.start(), ob.end(), 0.85, None, "obfuscated_email")
    at = text.find("@")
    last = 0
    while at != -1:
        # a match holding this "@" starts where the run of local-part characters before it does:
        # the lookbehind fails at every later start, and at this one if the run is longer than 64
        # or reaches `last`. The domain and the lookahead after it fit in the window (endpos
        # would otherwise pose as the text's end).
        floor, hi = max(last, at - _LOCAL_MAX), min(len(text), at + _DOMAIN_MAX + 2)
        r = at
        while r > floor and text[r - 1] in _LOCAL_CHARS:
            r -= 1
        m = _EMAIL.match(text, r, hi) if r < at else None
        if m is not None:
            s, e = m.start(), m.end()
            while text[s] in ".'-":
                s += 1
            yield Hit("EMAIL", s, e, 0.99, None, "email")
            last = e
            at = text.find("@", e)
        else:
            at = text.find("@", at + 1)


# Scanning with _IPV4 tries its alternation at every character; a dotted-digit literal finds
# the few places worth trying in a fraction of the time.
_IPV4_HINT = re.compile(r"\.\d{1,3}\.\d")


def _ipv4_candidates(text: str) -> Iterator[re.Match[str]]:
    last = 0
    for h in _IPV4_HINT.finditer(text):
        # an address starts at most 3 characters before the hint and is at most 15 long; the
        # lookahead after it reads 2 more (endpos would otherwise pose as the end of the string)
        lo, hi = max(last, h.start() - 3), min(len(text), h.start() + 14)
        for m in _IPV4.finditer(text, lo, hi):
            if m.start() >= last:
                last = m.end()
                yield m


# Every IPv6 match has a colon between hex digits or colons ("From: Anna" has none); prose with
# many label colons skips both full scans. Looking at each colon beats a regex scan of the text.
_HEX_OR_COLON = frozenset("0123456789abcdefABCDEF:")


def _ipv6_possible(text: str) -> bool:
    last = len(text) - 1
    i = text.find(":", 1)
    while i != -1 and i < last:
        if text[i - 1] in _HEX_OR_COLON and text[i + 1] in _HEX_OR_COLON:
            return True
        i = text.find(":", i + 1)
    return False


def ip_hits(text: str, cues: Cues) -> Iterator[Hit]:
    for m in _ipv4_candidates(text):
        ver = cues.before("version", m.start(), 40)
        if ver is not None and cues.before("ip", m.start(), m.start() - ver.end) is None:
            continue
        yield Hit("IP_ADDRESS", m.start(), m.end(), 0.95, None, "ipv4")
    if ("::" in text or text.count(":") >= 5) and _ipv6_possible(text):
        for rx in (_IPV6, _IPV6_FULL):
            for m in rx.finditer(text):
                try:
                    ipaddress.IPv6Address(m.group())
                except ValueError:
                    continue
                yield Hit("IP_ADDRESS", m.start(), m.end(), 0.95, None, "ipv6")


# _PHONE starts with a lookbehind, so finditer would try it at every character. A match starts
# at a digit that begins a digit run, or at the "+" / "(" / "+(" right before one.
_PHONE_LOOKBEHIND = frozenset(string.ascii_letters + string.digits + "_+/.-")  # its lookbehind class


def _phone_candidates(text: str, claimed: Sequence[tuple[int, int]] = ()) -> Iterator[re.Match[str]]:
    """The matches of `_PHONE.finditer(text)`, but none starting at a digit run inside a `claimed`
    span (a stronger finding's: a phone overlapping it would be dropped anyway)."""
    rx = _PHONE if not text.isascii() and _NON_ASCII_DIGIT.search(text) else _PHONE_ASCII
    last = 0
    for a, _ in digit_runs(text):
        if a < last or (claimed and any(cs <= a < ce for cs, ce in claimed)):
            continue
        c1 = text[a - 1] if a else ""
        if c1 == "+":
            starts: tuple[int, ...] = (a - 1,)
        elif c1 == "(":
            starts = (a - 2, a - 1, a) if a >= 2 and text[a - 2] == "+" else (a - 1, a)
        elif c1 in _PHONE_LOOKBEHIND:
            continue  # the lookbehind fails, and a start before c1 would hold no digit
        else:
            starts = (a,)
        for p in starts:
            if p >= last and (m := rx.match(text, p)) is not None:
                last = m.end()
                yield m
                break


def _phone_number(core: str, region: str | None, possible_ok: bool) -> tuple[bool, str | None] | None:
    """Whether `core` read in `region` is a valid number (or a possible one, if `possible_ok`),
    and the number's region if so; None if it does not parse."""
    try:
        num = phonenumbers.parse(core, region)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_valid_number(num) or (possible_ok and phonenumbers.is_possible_number(num))
    return ok, phonenumbers.region_code_for_number(num) if ok else None


def phone_hits(
    text: str, lang: str | None, cues: Cues, claimed: Sequence[tuple[int, int]] = ()
) -> Iterator[Hit]:
    region = LANG_COUNTRY.get(lang or "", "US")
    # a text often repeats its number ("Phone: …", "call me at …"): parse each once
    parsed: dict[tuple[str, str | None, bool], tuple[bool, str | None] | None] = {}

    def number(core: str, region: str | None, possible_ok: bool) -> tuple[bool, str | None] | None:
        key = (core, region, possible_ok)
        if key not in parsed:
            parsed[key] = _phone_number(core, region, possible_ok)
        return parsed[key]

    for m in _phone_candidates(text, claimed):
        raw = m.group()
        s, e = m.start(), m.end()
        if e - s < 7 or (claimed and any(s < ce and cs < e for cs, ce in claimed)):
            continue  # (fewer than 7 characters hold fewer than 7 digits)
        # trim unbalanced parenthesis at either end
        core = _EXT.sub("", raw)
        # the digits of core are its \d characters, the rest are separators
        group_lengths = list(map(len, _DIGIT_GROUP.findall(core)))
        digits = sum(group_lengths)
        if digits < 7 or digits > 15:
            continue
        if _DATE_LIKE.fullmatch(core) or _DOTTED4.fullmatch(core):
            continue  # dates, IPs and versions ("32.0.3817.91")
        if group_lengths.count(1) >= 3:
            continue  # "1 2 3 4 5 6 7": counting, not dialling
        intl = core.startswith(("+", "00"))
        cue = cues.before("phone", s, 50) is not None
        if (
            not cue
            and not intl
            and (cues.before("not_id", s, 30) is not None or cues.before("id", s, 30) is not None)
        ):
            continue  # right after "order / invoice / case no." or an ID word: not a phone
        # plain digit runs need a cue, unless they look like a national number ("0612345678")
        plain_long = core.isdigit() and len(core) > 8
        if core.isdigit() and not cue and not intl and not (core.startswith("0") and 9 <= len(core) <= 11):
            continue
        if not cue and not intl and not core.startswith(("0", "(")) and region not in _NO_TRUNK_PREFIX:
            continue  # without a phone word, a national number shows its trunk prefix ("030 …")
        # (an international number only needs to be possible)
        got = number(core, None if intl and core.startswith("+") else region, intl)
        if got is None:
            continue
        valid, juris = got
        if not valid and not intl and cue and digits >= 9 and core.startswith(("0", "(")):
            # a national number next to a phone word: which of our countries' plans accepts it?
            for other in _OTHER_REGIONS:
                if other == region:
                    continue
                alt = number(core, other, False)
                if alt is not None and alt[0]:
                    valid, juris = alt
                    break
        if not (valid or (cue and digits >= 7)) or (plain_long and not cue and not valid):
            continue
        if juris in ("001", "ZZ"):
            juris = None
        score = 0.9 if valid and cue else 0.75 if valid else 0.6
        yield Hit("PHONE", s, e, score, juris, "phone")
