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


def _country(addr: str) -> str | None:
    a = addr
    if re.search(r"\b\d{2}-\d{3}\b", a) or re.search(r"(?i)\b(?:ul\.|ulica|aleja|osiedle)\s", a):
        return "PL"
    if re.search(r"\b\d{4}\s?[A-Z]{2}\b", a) and re.search(
        r"(?i)(?:straat|laan|weg|plein|gracht|kade|dijk|steeg|pad|singel)\b", a
    ):
        return "NL"
    if re.search(r"(?i)(?:stra(?:ß|ss)e|str\.|gasse|allee|platz|weg)\b", a) and re.search(r"\b\d{5}\b", a):
        return "DE"
    if re.search(r"(?i)\b(?:rue|boulevard|avenue|chemin|allée|impasse|quai)\b", a) and re.search(
        r"\b\d{5}\b", a
    ):
        return "FR"
    if re.search(r"(?i)\b(?:calle|camino|avenida|paseo|plaza|ronda|pasaje|travesía|carretera)\b", a):
        return "ES"
    if re.search(r"(?i)\b(?:via|viale|piazza|corso|largo|vicolo|strada|contrada)\b", a) or re.search(
        r"\([A-Z]{2}\)", a
    ):
        return "IT"
    if re.search(r",\s?[A-Z]{2}\s\d{5}(?:-\d{4})?\b", a) or re.search(r"\b(?:APO|FPO|DPO)\b", a):
        return "US"
    if re.search(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", a):
        return "GB"
    return None


def address_hits(text: str, lang: str | None, cues: Cues) -> Iterator[Hit]:
    taken: list[tuple[int, int]] = []
    for cue in cues.all("addr_label"):
        m = _AFTER_LABEL.match(text, cue.end)
        if m is None:
            continue
        s, e = m.span(1)
        val = m.group(1)
        stop = _STOP_TAIL.search(val, 6)
        if stop is not None:
            e = s + stop.start()
        g0 = _ADDRESS.search(text, s, e)
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
    for m in (m for lo, hi in windows for m in _ADDRESS.finditer(text, lo, hi)):
        s, e = m.span()
        while e > s and text[e - 1] in " ,.":
            if text[e - 1] == "." and re.search(r"(?:\b[A-Z][a-z]{0,3}|str)\.$", text[s:e]):
                break
            e -= 1
        if any(s < te and ts < e for ts, te in taken):
            continue
        e = _extend_lines(text, e)
        yield Hit("ADDRESS", s, e, 0.75, _country(text[s:e]), "postal_address")
