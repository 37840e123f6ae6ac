"""Postal addresses from a per-country street grammar, postcodes and address cues.

Street types are the ordinary vocabulary of each country (German -straße/-weg/-gasse,
French rue/avenue, Spanish calle/camino, Italian via/piazza, Dutch -straat/-laan,
Polish ul./aleja, English Street/Road/Ave... as in USPS Publication 28).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit

_UP = r"[A-ZÀ-ÖØ-ÞĀ-ſΑ-Ω]"  # an upper-case initial (Latin, Latin-extended, Greek)
_W = r"[^\W\d_]"
_NAMEW = rf"(?:{_UP}[\w'’.-]*|(?:d[eiu]|de[lrn]?|la|le|les|del|della|dei|van|von|der|den|y|e|of|the|du|des|st\.?|am|an|im|zum|zur)(?![\w'’]))"  # noqa: E501
_NUM = r"\d{1,5}(?:\s?[a-zA-Z](?![\w]))?(?:\s?[/-]\s?\d{1,5}[a-zA-Z]?)?"

# German / Dutch / Scandinavian compound street names: Löchelweg, Helga-Heser-Allee, Korte Noordsstraat
_COMPOUND_SUFFIX = (
    r"(?:stra(?:ß|ss)e|str\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad|markt|graben|wall|kamp"
    r"|stieg|twiete|zeile|promenade|straat|laan|plein|gracht|kade|dijk|steeg|pad|singel|dreef|baan|plantsoen"
    r"|hof|park|gata|gatan|vej|veien|vegen|katu|tie|utca|ulice)"
)
_COMPOUND = rf"(?:{_UP}{_W}*(?:[- ]{_UP}{_W}*)*-?{_COMPOUND_SUFFIX}|(?:{_UP}{_W}+\s)?{_UP}{_W}+[- ](?:Stra(?:ß|ss)e|Str\.|Weg|Gasse|Allee|Platz|Ring|Damm))"  # noqa: E501

# Street types written before the name: rue de X, Calle Mayor, via Roma, ul. Tęczowa, aleja Pszenna
_PREFIX_TYPE = (
    r"(?i:rue|avenue|av\.|boulevard|bd\.?|place|chemin|allée|impasse|quai|route|cours|square|passage|faubourg|"
    r"calle|c/|avenida|avda\.?|paseo|plaza|camino|carretera|ronda|pasaje|travesía|glorieta|callejón|rambla|cuesta|"
    r"urbanización|vía|via|viale|piazza|piazzale|corso|largo|vicolo|strada|contrada|borgo|lungomare|salita|"
    r"ul\.|ulica|al\.|aleja|pl\.|plac|os\.|osiedle|rondo|rua|travessa|praça|largo)"
)
# English street types written after the name: the USPS Publication 28 (Appendix C1) primary street
# suffixes, with their plural forms and common abbreviations.
USPS_SUFFIXES = [
    "Alley",
    "Alleys",
    "Aly",
    "Annex",
    "Arcade",
    "Avenue",
    "Avenues",
    "Ave",
    "Av",
    "Bayou",
    "Beach",
    "Bend",
    "Bluff",
    "Bluffs",
    "Bottom",
    "Boulevard",
    "Blvd",
    "Branch",
    "Bridge",
    "Brook",
    "Brooks",
    "Burg",
    "Burgs",
    "Bypass",
    "Camp",
    "Canyon",
    "Cape",
    "Causeway",
    "Center",
    "Centers",
    "Circle",
    "Circles",
    "Cir",
    "Cliff",
    "Cliffs",
    "Club",
    "Common",
    "Commons",
    "Corner",
    "Corners",
    "Course",
    "Court",
    "Courts",
    "Ct",
    "Cove",
    "Coves",
    "Creek",
    "Crescent",
    "Cres",
    "Crest",
    "Crossing",
    "Xing",
    "Crossroad",
    "Curve",
    "Dale",
    "Dam",
    "Divide",
    "Drive",
    "Drives",
    "Dr",
    "Estate",
    "Estates",
    "Expressway",
    "Extension",
    "Extensions",
    "Fall",
    "Falls",
    "Ferry",
    "Field",
    "Fields",
    "Flat",
    "Flats",
    "Ford",
    "Fords",
    "Forest",
    "Forge",
    "Forges",
    "Fork",
    "Forks",
    "Fort",
    "Freeway",
    "Garden",
    "Gardens",
    "Gdns",
    "Gateway",
    "Glen",
    "Glens",
    "Green",
    "Greens",
    "Grove",
    "Groves",
    "Harbor",
    "Harbors",
    "Haven",
    "Heights",
    "Hts",
    "Highway",
    "Hwy",
    "Hill",
    "Hills",
    "Hollow",
    "Inlet",
    "Island",
    "Islands",
    "Isle",
    "Junction",
    "Junctions",
    "Key",
    "Keys",
    "Knoll",
    "Knolls",
    "Lake",
    "Lakes",
    "Land",
    "Landing",
    "Lane",
    "Ln",
    "Light",
    "Lights",
    "Loaf",
    "Lock",
    "Locks",
    "Lodge",
    "Loop",
    "Mall",
    "Manor",
    "Manors",
    "Meadow",
    "Meadows",
    "Mews",
    "Mill",
    "Mills",
    "Mission",
    "Motorway",
    "Mount",
    "Mountain",
    "Mountains",
    "Neck",
    "Orchard",
    "Oval",
    "Overpass",
    "Park",
    "Parks",
    "Parkway",
    "Parkways",
    "Pkwy",
    "Pass",
    "Passage",
    "Path",
    "Pike",
    "Pine",
    "Pines",
    "Place",
    "Pl",
    "Plain",
    "Plains",
    "Plaza",
    "Point",
    "Points",
    "Port",
    "Ports",
    "Prairie",
    "Radial",
    "Ramp",
    "Ranch",
    "Rapid",
    "Rapids",
    "Rest",
    "Ridge",
    "Ridges",
    "River",
    "Road",
    "Roads",
    "Rd",
    "Route",
    "Row",
    "Run",
    "Shoal",
    "Shoals",
    "Shore",
    "Shores",
    "Skyway",
    "Spring",
    "Springs",
    "Spur",
    "Spurs",
    "Square",
    "Squares",
    "Sq",
    "Station",
    "Stravenue",
    "Stream",
    "Street",
    "Streets",
    "St",
    "Summit",
    "Terrace",
    "Ter",
    "Throughway",
    "Trace",
    "Track",
    "Trafficway",
    "Trail",
    "Trl",
    "Trailer",
    "Tunnel",
    "Turnpike",
    "Underpass",
    "Union",
    "Unions",
    "Valley",
    "Valleys",
    "Viaduct",
    "View",
    "Views",
    "Village",
    "Villages",
    "Ville",
    "Vista",
    "Walk",
    "Walks",
    "Wall",
    "Way",
    "Ways",
    "Well",
    "Wells",
    "Close",
    "Parade",
    "Esplanade",
    "Broadway",
    "Mews",
    "Wynd",
    "Gate",
    "Rise",
    "Row",
]
_EN_SUFFIX = "(?:" + "|".join(sorted(set(USPS_SUFFIXES), key=len, reverse=True)) + ")"
_UNIT = (
    r"(?:,?\s(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.?|Room|Rm\.?|Piso|Puerta|Escalera|Esc\.?|Bajo|"
    r"Appartamento|Interno|Int\.?|Scala|Piano|Etage|Stock|Whg\.?|bus|app\.?|appt\.?|bte|lok\.?|m\.)\s?[\w/-]{1,6})"
)
_POSTCODE = r"(?:\d{2}-\d{3}|\d{4}\s?[A-Z]{2}(?![a-z])|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{4,5}(?:-\d{4})?|[A-Z]-?\d{4,5})"  # noqa: E501
_CITY = (
    rf"(?:{_UP}[\w'’.-]*(?:[ -](?:{_UP}[\w'’.-]*|sur|sous|le|la|les|de|di|am|an|der|im|upon|en|aan|del|y))*)"
)
_REGION = r"(?:\s\(\s?[A-Z]{2}\s?\))"

_TAIL = (
    rf"(?:{_UNIT}{{0,3}}"
    rf"(?:(?:,\s?|\s)(?:{_POSTCODE},?\s{_CITY}{_REGION}?|{_CITY}{_REGION}?,?\s(?:[A-Z]{{2}}\s)?{_POSTCODE}(?!\d)"
    rf"|{_CITY}{_REGION}?(?=\s*(?:$|\n|\.|;)))(?:,\s?{_CITY})?)?)"
)

_LEAD = r"(?:\d{1,6}\s)?"  # some address formats put a building or postcode number first
_STREET_FORMS = (
    # Löchelweg 74 / Bayreuther Strasse 27 / 2443 Magrethevej 298
    rf"{_LEAD}{_COMPOUND}\s{_NUM}",
    # aleja Pszenna 99 / Via Roma 12 / Camino de Adoración Gracia 51 / rue de Meyer 12
    rf"{_PREFIX_TYPE}\s(?:{_NAMEW}\s){{0,5}}?{_NAMEW}(?:,)?\s{_NUM}",
    # 41, rue de Meyer / 12 Rue Hubert de Lisle / 16561 Rue des Ecoles 119
    rf"{_LEAD}{_NUM},?\s{_PREFIX_TYPE}\s(?:{_NAMEW}\s){{0,5}}{_NAMEW}(?:\s{_NUM}(?![\d/-]))?",
    # 131 Brandon Throughway / 887 59 Guild Street
    rf"{_LEAD}{_NUM}\s(?:{_UP}[\w'’.-]*\s){{1,4}}{_EN_SUFFIX}\.?(?![\w])",
    # P.O. Box 50, PSC 5272, Box 4016, APO AE 96172 / Unit 2370 Box 3452 DPO AP 31399 /
    # USNS Dawson FPO AE 18757
    r"(?:P\.?\s?O\.?\s?Box|PSC|Unit|Postfach|Boîte\s+postale|BP|Apartado(?:\sde\sCorreos)?|Casella\s+postale|"
    r"Skrytka\s+pocztowa)\s\d{1,6}(?:,?\s?Box\s\d{1,6})?(?:,?\s?(?:APO|FPO|DPO)\s[A-Z]{2}\s\d{5})?",
    r"(?:USNS|USNV|USS|USCGC)\s[A-Z][a-z]+,?\s?(?:APO|FPO|DPO)\s[A-Z]{2}\s\d{5}",
)
_ADDRESS = re.compile(rf"(?<![\w])(?:{'|'.join(_STREET_FORMS)}){_TAIL}")

# After an address label the rest of the line is the address.
_AFTER_LABEL = re.compile(
    r"[ \t]*(?:\([^)\n]{1,20}\))?(?:[ \t]+[a-z]+){0,4}?[ \t]*(?:[:=]|\bis\b|\bwith\b|\bto\b|\bat\b)?[ \t]*"
    r"(?=[\dA-ZÀ-ÞΑ-Ω]|" + _PREFIX_TYPE + r"\s)([^\n]{6,140})"
)
# The street types of _PREFIX_TYPE in ASCII letters ("rue", "ul" of "ul."; not "vía"), and those
# that a blank may follow ("rue", "bd" of "bd\.?"; not "ul")
_PREFIX_ALTS = _PREFIX_TYPE.removeprefix("(?i:").removesuffix(")").split("|")
_ASCII_PREFIX_SET = frozenset(
    a.removesuffix(r"\.?").removesuffix(r"\.") for a in _PREFIX_ALTS if re.fullmatch(r"[a-z]+(?:\\\.\??)?", a)
) | {"c"}  # "c/"
_BLANK_PREFIXES = tuple(
    sorted(a.removesuffix(r"\.?") for a in _PREFIX_ALTS if re.fullmatch(r"[a-z]+(?:\\\.\?)?", a))
)
_LABEL_RUN = re.compile(r"[ \t]*(?:\([^)\n]{1,20}\))?([ \ta-z:=]*)")
_RUN_WORD = re.compile(r"[a-z]+(?=[ \t])")


def _after_label(text: str, pos: int) -> re.Match[str] | None:
    """_AFTER_LABEL.match(text, pos), skipping the regex where it cannot match.

    Before its value the pattern only crosses blanks, a "(...)" and lower-case ASCII words; the
    value starts at the first other character, or at a street type inside that run. Failing, the
    regex tries every split of those words against every street type (~12 µs a label).
    """
    run = _LABEL_RUN.match(text, pos)
    assert run is not None  # every part of _LABEL_RUN is optional
    lo, q = run.span(1)
    if q < len(text):
        c = text[q]
        if not c.isascii() or c.isalnum() or c.isspace():
            return _AFTER_LABEL.match(text, pos)  # the value may start here, or a street type end here
        if (c == "." and text.endswith(("av", "avda", "bd", "ul", "al", "pl", "os"), lo, q)) or (
            c == "/" and text.endswith("c", lo, q)
        ):
            return _AFTER_LABEL.match(text, pos)  # "av.", "ul.", "c/" ending the run
    # a street type followed by a blank inside the run: "rue ", "via " (also "true " holds "rue ")
    if any(w.endswith(_BLANK_PREFIXES) for w in _RUN_WORD.findall(text, lo, q)):
        return _AFTER_LABEL.match(text, pos)
    return None


# Where a street form can start (see _street_matches): a number that a letter soon follows
# ("12 Rue", "12, rue", "12a", "887 59 Guild", "4/6 Main"; not "+49 30 2014")
_DIGIT_START = re.compile(r"\d(?<!\w\d)(?=\d{0,5}(?:\s\d{1,5})?(?:\s?[/-]\s?\d{1,5})?,?\s?[^\W\d_])")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"\S+")
_LETTER = re.compile(rf"[^\W\d_]|{_UP}")
_LETTERS_ONLY = re.compile(rf"(?:[^\W\d_]|{_UP}|-)+")
_WORD = re.compile(r"\w+")
_UP_CHARS = frozenset(c for c in map(chr, range(0x400)) if re.match(_UP, c))
# first words of the street types and of the post-box and ship forms, lower case
_FIRST_WORDS = _ASCII_PREFIX_SET | frozenset(
    "p po pobox psc unit postfach bp apartado casella skrytka usns usnv uss uscgc".split()  # noqa: SIM905
)


def _street_matches(text: str, lo: int, hi: int) -> Iterator[re.Match[str]]:
    """_ADDRESS.finditer(text, lo, hi), with the pattern tried only where a match can start.

    Scanning a window with the pattern costs ~40 µs per 250 characters. Every street form holds
    a number: it starts with it ("12 Rue X"), or the number follows a blank after a token with a
    letter ("Via Roma 12", "Löchelweg 74", "Box 50"). Then the match starts within the 7 tokens
    before it with a street type, "P.O.", "Box"... or a non-ASCII word, or, for compounds
    ("Helga Heser Allee 5"), with a capital in the letter-only words before it.
    """
    # one scan for runs of digits gives both kinds of places: a run not after a word character
    # (where _DIGIT_START can match) and a run after a blank `q`
    starts: set[int] = set()
    blanks: list[int] = []
    for d in _DIGITS.finditer(text, lo, hi):
        p = d.start()
        c = text[p - 1] if p else " "
        if c.isalnum() or c == "_":  # \w
            continue
        if _DIGIT_START.match(text, p, hi) is not None:
            starts.add(p)
        if p > lo and c.isspace():
            blanks.append(p - 1)
    for q in blanks:
        t0 = q  # start of the token before the blank
        while t0 > lo and not text[t0 - 1].isspace():
            t0 -= 1
        if t0 == q or _LETTER.search(text, t0, q) is None:
            continue  # "+49 30": no street form has digits only before the number
        # the tokens before, from far enough back (from `lo` if they do not suffice)
        for tlo in (max(lo, q - 160), lo):
            toks = [m.span() for m in _TOKEN.finditer(text, tlo, q)]
            k = len(toks) - 1
            r = k  # walk back over letter-only tokens separated by one blank
            while (
                r > 0
                and toks[r - 1][1] + 1 == toks[r][0]
                and (r == k or _LETTERS_ONLY.fullmatch(text, *toks[r]))
            ):
                r -= 1
            first = max(0, k - 7)
            if tlo == lo or min(r, first) > 0:
                break
        for w in _WORD.finditer(text, toks[min(r, first)][0], q):
            word = w.group()
            p = w.start()
            # a street type, box or ship word within 7 tokens; a capital in the letter-only run
            kind_ok = p >= toks[first][0] and (not word.isascii() or word.lower() in _FIRST_WORDS)
            if kind_ok or (p >= toks[r][0] and word[0] in _UP_CHARS):
                starts.add(p)
    pos = lo
    for p in sorted(starts):
        if p >= pos:
            m = _ADDRESS.match(text, p, hi)
            if m is not None:
                yield m
                pos = m.end()


# A following line that continues an address: unit, place, ", NC", "South Africa 66162"
_CONT_LINE = re.compile(
    r"\n[ \t]?(,[ \t]?)?(?:[A-ZÀ-ÞΑ-Ω0-9](?:[^\n:@?!.]|\.(?=\S|\s\d)){0,40}|[A-Z]{2})(?=\n|$|[.?!]|\s+for\s)"
)
_STOP_TAIL = re.compile(
    r"(?:\s+(?:for|para|pour|per|für|voor|dla)\s|\s+(?i:i\s+am|i'm|but|and\s+i|where)\s|[;!?](?:\s|$)|\.(?:\s+[A-Z]|$)|$"
    r"|,?\s+(?i:and|und|et|y|e|en|i)\s+(?i:phone|tel|telefon|téléphone|teléfono|telefono|telefoon|e-?mail)\b"
    r"|,\s*(?i:tel|tel\.|telefon|phone|t[ée]l[ée]phone|tel[ée]fono|telefoon|e-?mail|iban|mobile|handy|cell|fax)\b)"
)


_PROSE_WORD = re.compile(
    r"(?<![\w'])(?!(?:de|di|du|da|del|della|der|den|la|le|les|van|von|am|an|im|sur|sous)\b)[a-zà-ÿ]{3,}\b"
)


_COPULA_END = re.compile(r"(?i)\b(?:is|ist|est|es|è|is|jest|to)\s*:?\s*$")


def _extend_lines(text: str, e: int) -> int:
    """Take following short lines that continue the address (multi-line address blocks)."""
    for _ in range(4):
        m = _CONT_LINE.match(text, e)
        if m is None:
            break
        line = m.group().strip(" \n,")
        if len(line.split()) > 6 or _LABEL_LINE.match(line):
            break
        e = m.end()
    return e


_LABEL_LINE = re.compile(
    r"(?i)^(?:iban|bic|ssn|nino|tax|dob|date|phone|tel|tél|t[ée]l[ée]fono?|telefon|telefoon|mobil\w*|handy|fax|"
    r"e-?mail|mail|name|nom|nombre|nome|naam|steuer|pesel|bsn|codice|dni|nie|nif|geb|geboren|born|n[ée]e?|"
    r"nat[oa]|nacid[oa]|ur\.|data|fecha|datum|cf|nir)\b"
)


_C = re.compile  # the country tests, compiled once
_PL_CODE, _PL_STREET = _C(r"\b\d{2}-\d{3}\b"), _C(r"(?i)\b(?:ul\.|ulica|aleja|osiedle)\s")
_NL_CODE = _C(r"\b\d{4}\s?[A-Z]{2}\b")
_NL_STREET = _C(r"(?i)(?:straat|laan|weg|plein|gracht|kade|dijk|steeg|pad|singel)\b")
_DE_STREET, _FIVE_DIGITS = _C(r"(?i)(?:stra(?:ß|ss)e|str\.|gasse|allee|platz|weg)\b"), _C(r"\b\d{5}\b")
_FR_STREET = _C(r"(?i)\b(?:rue|boulevard|avenue|chemin|allée|impasse|quai)\b")
_ES_STREET = _C(r"(?i)\b(?:calle|camino|avenida|paseo|plaza|ronda|pasaje|travesía|carretera)\b")
_IT_STREET, _IT_PROVINCE = (
    _C(r"(?i)\b(?:via|viale|piazza|corso|largo|vicolo|strada|contrada)\b"),
    _C(r"\([A-Z]{2}\)"),
)
_US_STATE_ZIP, _US_MILITARY = _C(r",\s?[A-Z]{2}\s\d{5}(?:-\d{4})?\b"), _C(r"\b(?:APO|FPO|DPO)\b")
_GB_CODE = _C(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b")


def _country(addr: str) -> str | None:
    a = addr
    if _PL_CODE.search(a) or _PL_STREET.search(a):
        return "PL"
    if _NL_CODE.search(a) and _NL_STREET.search(a):
        return "NL"
    if _DE_STREET.search(a) and _FIVE_DIGITS.search(a):
        return "DE"
    if _FR_STREET.search(a) and _FIVE_DIGITS.search(a):
        return "FR"
    if _ES_STREET.search(a):
        return "ES"
    if _IT_STREET.search(a) or _IT_PROVINCE.search(a):
        return "IT"
    if _US_STATE_ZIP.search(a) or _US_MILITARY.search(a):
        return "US"
    if _GB_CODE.search(a):
        return "GB"
    return None


def _window_matches(text: str, lo: int, hi: int, probes: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    """_street_matches(text, lo, hi), tried first at the probes (c, p): a character `c` that no
    street form can hold (":", "="), then blanks, then `p` (where a label's value starts).

    No match crosses `c`, so the matches before it are those of the window cut after it (the
    pattern cannot look past `c` without taking it), and the scan resumes fresh after it. Blanks
    start no match: the next one is tried at `p`, and a match there skips the search inside it.
    """
    pos = lo
    for c, p in probes:
        if c < pos or p >= hi:
            continue
        yield from _street_matches(text, pos, c + 1)
        m = _ADDRESS.match(text, p, hi)
        if m is None:
            pos = p + 1
            continue
        yield m
        pos = m.end()
    yield from _street_matches(text, pos, hi)


def address_hits(text: str, lang: str | None, cues: Cues) -> Iterator[Hit]:
    taken: list[tuple[int, int]] = []
    probes: list[tuple[int, int]] = []
    after: dict[int, re.Match[str] | None] = {}  # "delivery address" and "address" end alike
    for cue in cues.all("addr_label"):
        if cue.end in after:
            m = after[cue.end]
        else:
            m = after[cue.end] = _after_label(text, cue.end)
        if m is None:
            continue
        s, e = m.span(1)
        c = s - 1
        while text[c] in " \t":
            c -= 1
        if text[c] in ":=" and (c, s) not in probes:
            probes.append((c, s))
        val = m.group(1)
        stop = _STOP_TAIL.search(val, 6)
        if stop is not None:
            e = s + stop.start()
        # the value usually starts with the street: then that is the first match
        g0 = _ADDRESS.match(text, s, e) or next(_street_matches(text, s, e), None)
        if (
            g0 is not None
            and g0.start() > s
            and not any(c.isdigit() for c in text[s : g0.start()])
            and _COPULA_END.search(text, s, g0.start()) is not None
        ):
            # "the address of Globex Corporation is 742 Evergreen Terrace, ...": start at the street
            s = g0.start()
        g = _ADDRESS.match(text, s)
        if g is not None and s + 8 <= g.end() < e and _PROSE_WORD.search(text, g.end(), e):
            # the line goes on with prose ("..., 80121 Napoli, chiede un rimborso"): the street
            # grammar knows where the address ends
            e = g.end()
        while e > s and text[e - 1] in " ,":
            e -= 1
        if e - s < 6 or not any(c.isdigit() for c in text[s:e]):
            continue
        if e == m.end(1):
            e = _extend_lines(text, e)
        taken.append((s, e))
        yield Hit("ADDRESS", s, e, 0.85, _country(text[s:e]), "postal_address")
    # run the street grammar only around street vocabulary: a window per trigger keyword
    windows: list[tuple[int, int]] = []
    for h in cues.all("street"):
        lo, hi = max(0, h.start - 90), min(len(text), h.end + 160)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    probes.sort()
    for m in (m for lo, hi in windows for m in _window_matches(text, lo, hi, probes)):
        s, e = m.span()
        while e > s and text[e - 1] in " ,.":
            if text[e - 1] == "." and re.search(r"(?:\b[A-Z][a-z]{0,3}|str)\.$", text[s:e]):
                break
            e -= 1
        if any(s < te and ts < e for ts, te in taken):
            continue
        e = _extend_lines(text, e)
        yield Hit("ADDRESS", s, e, 0.75, _country(text[s:e]), "postal_address")
