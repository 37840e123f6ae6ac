"""Checksummed numbers: IBAN, payment cards, national IDs and tax numbers.

Every candidate is validated: python-stdnum for IBANs and national numbers, Luhn plus
issuer ranges for cards. A number that fails its checksum is not reported. Numbers
without a self-identifying format (plain digit runs that a random number passes
often) need an ID keyword nearby or must validate for the text language's country
with no "order / case / invoice number" cue in front of them.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from stdnum import luhn as _luhn
from stdnum.at import tin as at_tin
from stdnum.at import vnr as at_vnr
from stdnum.be import nn as be_nn
from stdnum.bg import egn as bg_egn
from stdnum.br import cpf as br_cpf
from stdnum.ch import ssn as ch_ssn
from stdnum.cn import ric as cn_ric
from stdnum.cz import rc as cz_rc
from stdnum.de import idnr as de_idnr
from stdnum.de import stnr as de_stnr
from stdnum.dk import cpr as dk_cpr
from stdnum.ee import ik as ee_ik
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.fi import hetu as fi_hetu
from stdnum.fr import nif as fr_nif
from stdnum.fr import nir as fr_nir
from stdnum.gb import nhs as gb_nhs
from stdnum.gr import amka as gr_amka
from stdnum.hr import oib as hr_oib
from stdnum.ie import pps as ie_pps
from stdnum.in_ import aadhaar as in_aadhaar
from stdnum.in_ import pan as in_pan
from stdnum.it import codicefiscale as it_cf
from stdnum.jp import in_ as jp_in
from stdnum.kr import rrn as kr_rrn
from stdnum.lt import asmens as lt_asmens
from stdnum.nl import bsn as nl_bsn
from stdnum.no import fodselsnummer as no_fnr
from stdnum.pl import nip as pl_nip
from stdnum.pl import pesel as pl_pesel
from stdnum.pt import cc as pt_cc
from stdnum.pt import nif as pt_nif
from stdnum.ro import cnp as ro_cnp
from stdnum.ru import inn as ru_inn
from stdnum.se import personnummer as se_pnr
from stdnum.si import emso as si_emso
from stdnum.sk import rc as sk_rc
from stdnum.us import ssn as us_ssn

from sovgate.classify import _latin1
from sovgate.classify._cues import Cues
from sovgate.classify._hits import LANG_COUNTRY, Hit
from sovgate.classify._keywords import KeywordHit
from sovgate.classify.iban import is_valid_iban


def _safe(fn: Callable[[str], bool]) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            return bool(fn(value))
        except Exception:  # stdnum raises on odd input in a few validators
            return False

    return check


def _emirates_id(v: str) -> bool:
    return len(v) == 15 and v.startswith("784") and _luhn.is_valid(v)


def _saudi_id(v: str) -> bool:
    # National ID (1...) / Iqama (2...): 10 digits, Luhn-style check digit.
    return len(v) == 10 and v[0] in "12" and _luhn.is_valid(v)


_cn_ric_valid = _safe(cn_ric.is_valid)


def _cn_ric(v: str) -> bool:
    # every German IBAN holds an 18-digit run: most fail on the birth month (digits 11-12)
    # much sooner than in stdnum (which reads fullwidth digits, hence only ASCII here)
    if len(v) == 18 and v.isascii() and not "01" <= v[10:12] <= "12":
        return False
    return _cn_ric_valid(v)


def _ru_snils(v: str) -> bool:
    """Russian SNILS (СНИЛС), "112-233-445 95": 9 digits and a check number, which python-stdnum
    does not validate. Weights 9..1; the sum is the check below 100, 0 at 100 and 101, else the sum
    mod 101 (0 again for 100). Numbers up to 001-001-998 were issued without a check."""
    if len(v) != 11 or not v.isascii() or not v.isdigit() or int(v[:9]) <= 1001998:
        return False
    total = sum(int(d) * w for d, w in zip(v[:9], range(9, 0, -1), strict=True))
    check = total if total < 100 else 0 if total in (100, 101) else total % 101 % 100
    return check == int(v[9:])


_NINO = re.compile(r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")


def _gb_nino(v: str) -> bool:
    return _NINO.fullmatch(v) is not None


@dataclass(frozen=True, slots=True)
class IdSpec:
    detail: str
    country: str
    lengths: tuple[int, ...]
    check: Callable[[str], bool]
    strong: bool = False  # format + checksum are distinctive enough without a keyword
    keyword_only: tuple[str, ...] = ()  # weak checks (tax office numbers): only after one of these words


# Digit-only national numbers, by compact length.
_DIGIT_SPECS: tuple[IdSpec, ...] = (
    IdSpec("de.idnr", "DE", (11,), _safe(de_idnr.is_valid)),
    IdSpec(
        "de.stnr", "DE", (10, 11, 13), _safe(de_stnr.is_valid), keyword_only=("steuernummer", "steuer-nr")
    ),
    IdSpec("at.tin", "AT", (9,), _safe(at_tin.is_valid), keyword_only=("abgabenkonto", "steuernummer")),
    IdSpec("pl.pesel", "PL", (11,), _safe(pl_pesel.is_valid)),
    IdSpec("pl.nip", "PL", (10,), _safe(pl_nip.is_valid)),
    IdSpec("nl.bsn", "NL", (8, 9), _safe(nl_bsn.is_valid)),
    IdSpec("fr.nir", "FR", (15,), _safe(fr_nir.is_valid), strong=True),
    IdSpec("fr.nif", "FR", (13,), _safe(fr_nif.is_valid)),
    IdSpec("us.ssn", "US", (9,), _safe(us_ssn.is_valid)),
    IdSpec("gb.nhs", "GB", (10,), _safe(gb_nhs.is_valid)),
    IdSpec("ch.ssn", "CH", (13,), _safe(ch_ssn.is_valid), strong=True),
    IdSpec("at.vnr", "AT", (10,), _safe(at_vnr.is_valid)),
    IdSpec("be.nn", "BE", (11,), _safe(be_nn.is_valid)),
    IdSpec("bg.egn", "BG", (10,), _safe(bg_egn.is_valid)),
    IdSpec("hr.oib", "HR", (11,), _safe(hr_oib.is_valid)),
    IdSpec("cz.rc", "CZ", (9, 10), _safe(cz_rc.is_valid)),
    IdSpec("sk.rc", "SK", (9, 10), _safe(sk_rc.is_valid)),
    IdSpec("dk.cpr", "DK", (10,), _safe(dk_cpr.is_valid)),
    IdSpec("ee.ik", "EE", (11,), _safe(ee_ik.is_valid)),
    IdSpec("gr.amka", "GR", (11,), _safe(gr_amka.is_valid)),
    IdSpec("lt.asmens", "LT", (11,), _safe(lt_asmens.is_valid)),
    IdSpec("pt.nif", "PT", (9,), _safe(pt_nif.is_valid)),
    IdSpec("ro.cnp", "RO", (13,), _safe(ro_cnp.is_valid)),
    IdSpec("si.emso", "SI", (13,), _safe(si_emso.is_valid)),
    IdSpec("se.personnummer", "SE", (10, 12), _safe(se_pnr.is_valid)),
    IdSpec("no.fodselsnummer", "NO", (11,), _safe(no_fnr.is_valid)),
    IdSpec("br.cpf", "BR", (11,), _safe(br_cpf.is_valid)),
    IdSpec("in.aadhaar", "IN", (12,), _safe(in_aadhaar.is_valid)),
    IdSpec("jp.mynumber", "JP", (12,), _safe(jp_in.is_valid)),
    IdSpec("kr.rrn", "KR", (13,), _safe(kr_rrn.is_valid)),
    IdSpec("cn.ric", "CN", (18,), _cn_ric, strong=True),
    IdSpec("ae.eid", "AE", (15,), _emirates_id, strong=True),
    IdSpec("sa.nid", "SA", (10,), _saudi_id),
    IdSpec("ru.inn", "RU", (10, 12), _safe(ru_inn.is_valid), keyword_only=("инн", "inn")),
    IdSpec("ru.snils", "RU", (11,), _ru_snils, keyword_only=("снилс", "snils")),
)
_BY_LEN: dict[int, tuple[IdSpec, ...]] = {}
for _s in _DIGIT_SPECS:
    for _n in _s.lengths:
        _BY_LEN[_n] = (*_BY_LEN.get(_n, ()), _s)
_STRONG_BY_LEN = {n: tuple(sp for sp in specs if sp.strong) for n, specs in _BY_LEN.items()}

# IDs with letters: (regex, spec). The regex finds the candidate, the spec validates it.
_ALNUM_SPECS: tuple[tuple[re.Pattern[str], IdSpec], ...] = (
    (
        re.compile(
            r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b", re.I
        ),
        IdSpec("it.codicefiscale", "IT", (16,), _safe(it_cf.is_valid), strong=True),
    ),
    (
        re.compile(r"\b(?:\d{8}|\d{2}\.\d{3}\.\d{3})[ -]?[A-Z]\b"),
        IdSpec("es.dni", "ES", (9,), _safe(es_dni.is_valid), strong=True),
    ),
    (
        re.compile(r"\b[XYZ][ -]?\d{7}[ -]?[A-Z]\b"),
        IdSpec("es.nie", "ES", (9,), _safe(es_nie.is_valid), strong=True),
    ),
    (
        re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
        IdSpec("gb.nino", "GB", (9,), lambda v: _gb_nino(v.replace(" ", "")), strong=True),
    ),
    (
        re.compile(r"\b\d{7}[A-W][A-IW]?\b"),
        IdSpec("ie.pps", "IE", (8, 9), _safe(ie_pps.is_valid)),
    ),
    (
        re.compile(r"\b\d{6}[-+A]\d{3}[0-9A-Y]\b"),
        IdSpec("fi.hetu", "FI", (11,), _safe(fi_hetu.is_valid), strong=True),
    ),
    (
        re.compile(r"\b\d{8} ?\d ?[A-Z]{2}\d ?\d\b"),
        IdSpec("pt.cc", "PT", (12,), _safe(pt_cc.is_valid), strong=True),
    ),
    (
        re.compile(r"\b\d{17}[\dXx]\b"),
        IdSpec("cn.ric", "CN", (18,), _cn_ric, strong=True),
    ),
    (  # India's PAN: no check digit, its fourth letter the holder's type (P: a person)
        re.compile(r"\b[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]\b"),
        IdSpec("in.pan", "IN", (10,), _safe(in_pan.is_valid)),
    ),
)

# Strongly formatted digit IDs: the separators themselves identify the format.
_FORMATTED = (
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "us.ssn"),
    (re.compile(r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b"), "br.cpf"),
    (re.compile(r"\b\d{6}-\d{7}\b"), "kr.rrn"),
    (re.compile(r"\b784-?\d{4}-?\d{7}-?\d\b"), "ae.eid"),
    (re.compile(r"\b756\.\d{4}\.\d{4}\.\d{2}\b"), "ch.ssn"),
)
_SPEC_BY_DETAIL = {s.detail: s for s in _DIGIT_SPECS}

# Digit runs, shared by every number detector. A regex scan over prose tests each character
# against `\d` (slow); for Latin-1 text (no digits outside ASCII), map the digits to "0" and
# everything else to " " with bytes.translate, and the scan becomes a literal search.
_DIGIT_MAP = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))
_ZEROS = re.compile(rb"00*")
# other scripts: ASCII digit runs, and every other decimal digit as a run of its own
_DIGIT_RUNS = re.compile(r"[0-9]+|\d")
_ANY_DIGIT = re.compile(r"\d")
_DIGITS = re.compile(r"\d+")
_span = re.Match.span
_UPPER = frozenset(string.ascii_uppercase)
_LETTERS = frozenset(string.ascii_letters)
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)


@lru_cache(maxsize=1)  # the detectors of one text ask in turn
def digit_runs(text: str) -> tuple[tuple[int, int], ...]:
    r"""[start, end) of the digit runs of `text`, in order.

    Every `\d` character not preceded by an ASCII digit starts a run, so a regex that starts
    with `\d` after a lookbehind excluding ASCII digits can only match at a run start.
    """
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        if _ANY_DIGIT.search("".join(_latin1.BEYOND.findall(text))) is not None:
            return tuple(map(_span, _DIGIT_RUNS.finditer(text)))  # digits of other scripts
        # quotes, dashes, other scripts' letters: each one byte "?", so offsets stay
        raw = text.encode("latin-1", "replace")
    return tuple(map(_span, _ZEROS.finditer(raw.translate(_DIGIT_MAP))))


_SEP = r"(?:[ \t]?[-./][ \t]?|[ \t]{1,2}|\r?\n)"
_DIGIT_RUN = re.compile(rf"(?<![A-Za-z0-9_.,@/+-])\d+(?:{_SEP}\d+)*(?![A-Za-z0-9_@])")
_IPV4_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_DATE_LIKE = re.compile(r"\d{1,2}([-./])\d{1,2}\1(?:19|20)\d\d|(?:19|20)\d\d([-./])\d{1,2}\2\d{1,2}")
_VERSION_LIKE = re.compile(r"\d{1,4}(?:\.\d{1,5}){2,4}")
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:[A-Z]{2}\d{2}(?:[ \n]?[A-Z0-9]){11,30}|[a-z]{2}\d{2}(?:[ \n]?[a-z0-9]){11,30})"  # one case
    r"(?![A-Za-z0-9])"
)
_IBAN_GROUPS = re.compile(r"[A-Za-z0-9]+")  # groups may be split by a space or a line break


_SPACE = re.compile(r"\s")


def _iban_candidates(text: str) -> Iterator[re.Match[str]]:
    """The matches of `_IBAN.finditer(text)`: an IBAN's check digits start a digit run right
    after two ASCII letters, so only those places are tried."""
    last = 0
    for a, _ in digit_runs(text):
        if (
            a - 2 >= last
            and text[a - 1] in _LETTERS
            and text[a - 2] in _LETTERS
            and (m := _IBAN.match(text, a - 2)) is not None
        ):
            last = m.end()
            yield m


def iban_hits(text: str) -> Iterator[Hit]:
    for m in _iban_candidates(text):
        # greedy match may run into the next word: drop trailing groups until valid
        groups = [g for g in _IBAN_GROUPS.finditer(text, m.start(), m.end())]
        while groups:
            s, e = m.start(), groups[-1].end()
            if is_valid_iban(_SPACE.sub("", text[s:e]).upper()):
                yield Hit("IBAN", s, e, 0.99, text[s : s + 2].upper(), "iban")
                break
            groups.pop()
    if _spaced_start(text):
        yield from _spaced_iban_hits(text)


# An IBAN typed one character at a time ("D E 8 9 3 7 0 4 …"), the usual way past a filter that
# looks for IBANs: only tried where two characters and two digits stand apart ("x x 0 0 ").
_IBAN_SPACED = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z] [A-Z] \d \d(?: [A-Z0-9]){11,30}|[a-z] [a-z] \d \d(?: [a-z0-9]){11,30})"
    r"(?![A-Za-z0-9])"
)
_SPACED_MAP = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 if i == 0x20 else 0x78 for i in range(256))


def _spaced_start(text: str) -> bool:
    """Whether `text` may hold a spaced IBAN: two lone characters, then two lone digits."""
    # other characters than Latin-1 become "?" (mapped like letters): a superset, never a miss
    return b"x x 0 0 " in text.encode("latin-1", "replace").translate(_SPACED_MAP)


def _spaced_iban_hits(text: str) -> Iterator[Hit]:
    for m in _IBAN_SPACED.finditer(text):
        chars = m.group().split(" ")
        # the greedy match may take single letters or digits after the IBAN: drop them until valid
        for n in range(len(chars), 14, -1):
            if is_valid_iban("".join(chars[:n]).upper()):
                s = m.start()
                yield Hit("IBAN", s, s + 2 * n - 1, 0.99, chars[0].upper() + chars[1].upper(), "iban")
                break


# The details a card finding carries: its network (by `_card_issuer`), or "card" when the number
# has no known issuer range but came with a card word.
CARD_DETAILS = ("visa", "mastercard", "amex", "discover", "jcb", "diners", "unionpay", "maestro", "card")


# Issuer identification ranges of the major card networks.
def _card_issuer(d: str) -> str | None:
    n = len(d)
    p2, p4 = int(d[:2]), int(d[:4])
    if d[0] == "4" and n in (13, 16, 19):
        return "visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "mastercard"
    if p2 in (34, 37) and n == 15:
        return "amex"
    if (d.startswith("6011") or p2 == 65 or 644 <= int(d[:3]) <= 649) and n in (16, 19):
        return "discover"
    if (3528 <= p4 <= 3589 and n in (16, 19)) or (d[:4] in ("1800", "2131") and n == 15):
        return "jcb"
    if (p2 in (36, 38, 39) or 300 <= int(d[:3]) <= 305) and n in (14, 16):
        return "diners"
    if p2 == 62 and 16 <= n <= 19:
        return "unionpay"
    if (p2 == 50 or 56 <= p2 <= 69) and 12 <= n <= 19:
        return "maestro"
    return None


def _groups(text: str, m: re.Match[str]) -> list[tuple[int, int]]:
    s = m.start()
    return [(g.start() - s, g.end() - s) for g in _DIGITS.finditer(text, s, m.end())]


def _windows(text: str, start: int, groups: list[tuple[int, int]]) -> Iterator[tuple[int, int, str]]:
    """Contiguous sub-sequences of digit groups that could be an ID or a card, longest first."""
    pieces = [text[start + a : start + b] for a, b in groups]
    g = len(groups)
    spans = []
    for i in range(g):
        s = start + groups[i][0]
        digits = ""
        for j in range(i, min(g, i + 8)):
            digits += pieces[j]
            n = len(digits)
            if n > 19:
                break
            if n >= 8:
                spans.append((s, start + groups[j][1], digits))
    spans.sort(key=lambda x: -len(x[2]))
    return iter(spans)


_INTL_PREFIX = re.compile(r"\+\d{1,3}[ ]?$")
_MAX_GROUPS = 24  # long number tables are looked at in overlapping slices


_RUN_LOOKBEHIND = _ASCII_ALNUM | frozenset("_.,@/+-")  # the class in _DIGIT_RUN's lookbehind


def _digit_run_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of `_DIGIT_RUN.finditer(text)`: one can only start where a digit run does."""
    last = 0
    for a, _ in digit_runs(text):
        if a < last or (a and text[a - 1] in _RUN_LOOKBEHIND):
            continue  # inside the previous match, or the lookbehind fails
        if (m := _DIGIT_RUN.match(text, a)) is not None:
            last = m.end()
            yield m


def _overlaps(s: int, e: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s < b and a < e for a, b in spans)


def number_hits(
    text: str, lang: str | None, cues: Cues, ibans: Sequence[tuple[int, int]] = ()
) -> Iterator[Hit]:
    """Cards and national IDs among the digit runs of `text`.

    No number may overlap an IBAN (`ibans`, its spans): it would lose to it, so the digit
    groups of an IBAN are not tried as cards and IDs at all."""
    home = LANG_COUNTRY.get(lang or "", None)
    for m in _digit_run_matches(text):
        if m.end() - m.start() < 8:
            continue
        if ibans and any(a <= m.start() and m.end() <= b for a, b in ibans):
            continue  # every window of the run overlaps the IBAN
        run = m.group()
        if _IPV4_LIKE.fullmatch(run) or _DATE_LIKE.fullmatch(run):
            continue
        if _VERSION_LIKE.fullmatch(run) and cues.before("id", m.start(), 60) is None:
            continue
        if _INTL_PREFIX.search(text, max(0, m.start() - 6), m.start()):
            continue  # "+34 699 123 456": the rest of a phone number
        groups = _groups(text, m)
        taken: list[tuple[int, int]] = []
        context: dict[int, tuple[KeywordHit | None, KeywordHit | None]] = {}  # windows share starts
        for lo in range(0, max(1, len(groups) - 8), _MAX_GROUPS - 8):
            for s, e, digits in _windows(text, m.start(), groups[lo : lo + _MAX_GROUPS]):
                if taken and any(s < te and ts < e for ts, te in taken[-16:]):
                    continue
                if ibans and _overlaps(s, e, ibans):
                    continue
                if s not in context:
                    context[s] = _id_context(cues, s)
                hit = _classify_digits(cues, s, e, digits, home, *context[s])
                if hit is not None:
                    taken.append((s, e))
                    yield hit


def _id_context(cues: Cues, s: int) -> tuple[KeywordHit | None, KeywordHit | None]:
    """The ID keyword and the "not an ID" word (order no., phone) that apply at `s`."""
    id_cue = cues.before("id", s, 60)
    not_id = cues.before("not_id", s, 40)
    if id_cue is not None and not_id is not None and not_id.start > id_cue.start:
        id_cue = None
    phone_cue = cues.before("phone", s, 40)
    if phone_cue is not None and (id_cue is None or phone_cue.start > id_cue.start):
        id_cue = None  # "DNI en regla, teléfono 699 123 456": the nearer word wins
        not_id = not_id or phone_cue
    return id_cue, not_id


_LUHN_DOUBLE = bytes.maketrans(b"0123456789", b"0246813579")  # digit -> digit sum of its double


def _luhn_valid(digits: str) -> bool:
    r"""`stdnum.luhn.is_valid` for a run of `\d` characters, summing bytes instead of ints."""
    if not digits.isascii():
        return False  # stdnum's alphabet is 0-9: other digits fail its lookup
    rev = digits[::-1].encode()
    return (sum(rev[::2]) + sum(rev[1::2].translate(_LUHN_DOUBLE)) - 48 * len(rev)) % 10 == 0


def _classify_digits(
    cues: Cues,
    s: int,
    e: int,
    digits: str,
    home: str | None,
    id_cue: KeywordHit | None,
    not_id: KeywordHit | None,
) -> Hit | None:
    n = len(digits)
    fallback: Hit | None = None  # what the number is if it is no national ID
    if 12 <= n <= 19 and _luhn_valid(digits):
        card = cues.before("card", s, 60)
        # the nearer word wins: "SSN 536-90-4399 and card 4111 …" is a card after an ID's keyword
        if id_cue is None or (card is not None and card.start > id_cue.start):
            # one random number in ten passes Luhn: a card needs an issuer range and either a
            # card word nearby or card-style grouping ("4111 1111 1111 1111")
            issuer = _card_issuer(digits) if n >= 13 else None
            grouped = e - s > n
            if issuer is not None and (card is not None or grouped):
                return Hit("CREDIT_CARD", s, e, 0.95 if card is not None else 0.85, None, issuer)
            if card is not None:
                return Hit("CREDIT_CARD", s, e, 0.8, None, issuer or "card")
        elif e - s > n and n >= 13:
            # an ID's keyword is nearer, but a card-grouped number that is no such ID is a card
            issuer = _card_issuer(digits)
            if issuer is not None:
                fallback = Hit("CREDIT_CARD", s, e, 0.85, None, issuer)
    return _id_hit(cues, s, e, digits, home, id_cue, not_id) or fallback


def _id_hit(
    cues: Cues,
    s: int,
    e: int,
    digits: str,
    home: str | None,
    id_cue: KeywordHit | None,
    not_id: KeywordHit | None,
) -> Hit | None:
    """The national ID that `digits` is, given the keywords before it, if any."""
    n = len(digits)
    specs = _BY_LEN.get(n, ())
    if not specs:
        return None
    if id_cue is None:
        # without a keyword only self-identifying formats or the text's own country can match
        if not_id is not None:
            return None
        # (weak checksums pass for one random number in ten: those need their keyword)
        specs = _STRONG_BY_LEN.get(n, ())
        if not specs:
            return None
        hinted: frozenset[str] = frozenset()
    else:
        # the countries the keyword names ("id|DE"; "id|NO,SE" for "personnummer"; "id|": any)
        detail = id_cue.kind.partition("|")[2]
        hinted = frozenset(detail.split(",")) if detail else frozenset()
    if id_cue is not None:
        # a keyword that names a country ("Steuer-ID", "PESEL") only accepts that country's number:
        # "Steuer-ID 12 345 678 903" failing the IdNr check is not a Croatian OIB
        cue_text = cues.text[id_cue.start : id_cue.end].lower()
        specs = tuple(
            sp
            for sp in specs
            if (not hinted or sp.country in hinted)
            and (not sp.keyword_only or any(w in cue_text for w in sp.keyword_only))
        )
    # keyword-specific or home-country validators first; weak tax-office formats last
    ordered = (
        specs
        if len(specs) == 1
        else sorted(
            specs,
            key=lambda sp: (
                sp.country not in hinted,
                bool(sp.keyword_only),
                sp.country != home,
                not sp.strong,
            ),
        )
    )
    for sp in ordered:
        if not sp.check(digits):
            continue
        if id_cue is not None:
            return Hit("NATIONAL_ID", s, e, 0.95, sp.country, sp.detail)
        if not_id is not None:
            return None
        if sp.strong or (sp.country == home and cues.before("phone", s, 40) is None):
            return Hit("NATIONAL_ID", s, e, 0.8 if sp.strong else 0.6, sp.country, sp.detail)
    return None


# ASCII word boundaries: IDs sit directly next to CJK text ("身份证号11010519491231002X").
_B0, _B1 = r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])"


def _ascii_bounds(pattern: str) -> str:
    if pattern.startswith(r"\b"):
        pattern = _B0 + pattern[2:]
    if pattern.endswith(r"\b"):
        pattern = pattern[:-2] + _B1
    return pattern


def _combined(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    parts = []
    for i, rx in enumerate(patterns):
        src = _ascii_bounds(rx.pattern)
        body = f"(?i:{src})" if rx.flags & re.IGNORECASE else src
        parts.append(f"(?P<g{i}>{body})")
    return re.compile("|".join(parts))


# One pass over the text finds every letter-bearing or formatted ID candidate.
_ALNUM_ALL = _combined([rx for rx, _ in _ALNUM_SPECS] + [rx for rx, _ in _FORMATTED])
_ALNUM_KIND: list[tuple[IdSpec, bool]] = [(sp, False) for _, sp in _ALNUM_SPECS] + [
    (_SPEC_BY_DETAIL[d], True) for _, d in _FORMATTED
]


# Every letter-bearing or formatted ID holds digits within a few characters of its start,
# so the combined pattern only needs to run around digit runs, not at every character.
_WINDOW = 20


def _digit_windows(runs: tuple[tuple[int, int], ...], n: int) -> Iterator[tuple[int, int]]:
    """Merged [lo, hi) windows of _WINDOW characters around each digit run."""
    if not runs:
        return
    first = prev = runs[0][0]
    for a, b in runs:
        if a - prev > 2 * _WINDOW:  # the windows of neighbouring runs neither overlap nor touch
            yield max(0, first - _WINDOW), min(n, prev + _WINDOW)
            first = a
        prev = b
    yield max(0, first - _WINDOW), min(n, prev + _WINDOW)


# Within a window, _ALNUM_ALL.finditer would still try all its alternatives at every character.
# Its matches can only start in a few places, so only those are tried:
# - every alternative but the codice fiscale starts at most 3 characters before its first
#   digit, which starts a digit run: right at the run ("12345678Z"), or after the letters of an
#   NIE ("X1234567L", "X-1234567L") or a NINO ("AB123456C", "AB 12 34 56 C");
# - a codice fiscale is a word of 16 letters and digits. Unless the text holds one of the four
#   non-ASCII characters its pattern takes, those are ASCII, and bytes.find locates words that
#   long; otherwise _CF_HEAD finds its first 8 characters (the non-overlapping matches cannot
#   skip one: they never cross the character in front of it).
_ALNUM_MAP = bytes(0x61 if chr(i) in _ASCII_ALNUM else 0x20 for i in range(256))
_LONG_WORD = b"a" * 16
# (?i:[A-Z]) also matches U+0130 U+0131 U+017F U+212A, (?i:[LMNPQRSTUV]) also U+017F
_CF_HEAD = re.compile(r"[A-Za-z\u0130\u0131\u017f\u212a]{6}[0-9LMNPQRSTUVlmnpqrstuv\u017f]{2}")
_CF_NON_ASCII = "\u0130\u0131\u017f\u212a"  # beyond ASCII, what the codice fiscale pattern takes


def _id_starts(text: str, runs: tuple[tuple[int, int], ...]) -> list[int]:
    """Where an ID other than a codice fiscale may start, in order."""
    out: list[int] = []
    for a, _ in runs:
        if (
            a >= 5
            and text[a - 1] in _UPPER  # (most runs follow a space: one look, and on)
            and all(c in _UPPER for c in text[a - 5 : a - 1])
            and (a == 5 or text[a - 6] not in _ASCII_ALNUM)
        ):
            out.append(a - 5)  # "ABCPE1234F" (India's PAN)
        c1 = text[a - 1] if a else " "
        if a >= 3 and c1 == " " and text[a - 2] in _UPPER and text[a - 3] in _UPPER:
            out.append(a - 3)  # "AB 12 …"
        if a >= 2 and ((c1 in " -" and text[a - 2] in "XYZ") or (c1 in _UPPER and text[a - 2] in _UPPER)):
            out.append(a - 2)  # "X 123…", "AB12…"
        if c1 in "XYZ":
            out.append(a - 1)  # "X123…"
        if c1 not in _ASCII_ALNUM:
            out.append(a)
    return out


def _long_words(text: str) -> list[int] | None:
    """Starts of the ASCII words of 16 or more letters and digits; None if `text` holds a
    character beyond ASCII that the codice fiscale pattern takes ("ı", "ſ", "K", "İ")."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        if any(c in text for c in _CF_NON_ASCII):
            return None
        raw = text.encode("latin-1", "replace")  # "?" (not alphanumeric) for each other character
    classes = raw.translate(_ALNUM_MAP)
    out: list[int] = []
    at = classes.find(_LONG_WORD)
    while at >= 0:
        out.append(at)
        end = classes.find(b" ", at + 16)
        if end < 0:
            break
        at = classes.find(_LONG_WORD, end)
    return out


def _alnum_candidates(text: str, ibans: Sequence[tuple[int, int]] = ()) -> Iterator[re.Match[str]]:
    """The matches of _ALNUM_ALL.finditer over each window around the digit runs, except those
    starting inside an IBAN (`ibans`, its spans: anything overlapping one loses to it)."""
    runs = digit_runs(text)
    if not runs:
        return
    n = len(text)
    words = _long_words(text)
    starts = _id_starts(text, runs)
    if words:
        starts = sorted(starts + words)
    if ibans:
        starts = [p for p in starts if not any(a <= p < b for a, b in ibans)]
    last = 0
    for lo, hi in _digit_windows(runs, n):
        # endpos acts as the end of the string for lookaheads: end a window between words only
        while hi < n and text[hi].isalnum():
            hi += 1
        lo = max(lo, last)
        tries = starts[bisect_left(starts, lo) : bisect_left(starts, hi)]
        if words is None:
            tries = sorted(set(tries).union(m.start() for m in _CF_HEAD.finditer(text, lo, hi)))
        for p in tries:
            if p >= last and (m := _ALNUM_ALL.match(text, p, hi)) is not None:
                last = m.end()
                yield m


def alnum_id_hits(
    text: str, lang: str | None, cues: Cues, ibans: Sequence[tuple[int, int]] = ()
) -> Iterator[Hit]:
    """Letter-bearing and formatted national IDs; none is checked where it overlaps an IBAN."""
    home = LANG_COUNTRY.get(lang or "", None)
    for m in _alnum_candidates(text, ibans):
        sp, formatted = _ALNUM_KIND[int(m.lastgroup[1:])]  # type: ignore[index]
        s, e = m.start(), m.end()
        if ibans and _overlaps(s, e, ibans):
            continue
        value = re.sub(r"\D", "", m.group()) if formatted else m.group().replace(".", "")
        if not sp.check(value):
            continue
        id_cue = cues.before("id", s, 60)
        if id_cue is None and cues.before("not_id", s, 40) is not None:
            continue
        if formatted:
            yield Hit("NATIONAL_ID", s, e, 0.9, sp.country, sp.detail)
            continue
        if id_cue is None and not sp.strong and sp.country != home:
            continue
        yield Hit("NATIONAL_ID", s, e, 0.95 if id_cue else 0.85, sp.country, sp.detail)
