"""Postal addresses from a per-country street grammar, postcodes and address cues.

Street types are the ordinary vocabulary of each country (German -straße/-weg/-gasse,
French rue/avenue, Spanish calle/camino, Italian via/piazza, Dutch -straat/-laan,
Polish ul./aleja, English Street/Road/Ave... as in USPS Publication 28).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sovgate.classify._hits import Hit

_UP = r"[A-ZÀ-ÖØ-ÞĀ-ſΑ-Ω]"  # an upper-case initial (Latin, Latin-extended, Greek)
_W = r"[^\W\d_]"
_NAMEW = rf"(?:{_UP}[\w'’.-]*|d[eiu]|de[lrn]?|la|le|les|del|della|dei|van|von|der|den|y|e|of|the|du|des|st\.?|am|an|im|zum|zur)"
_NUM = r"\d{1,5}(?:\s?[a-zA-Z](?![\w]))?(?:\s?[/-]\s?\d{1,5}[a-zA-Z]?)?"

# German / Dutch / Scandinavian compound street names: Löchelweg, Helga-Heser-Allee, Korte Noordsstraat
_COMPOUND_SUFFIX = (
    r"(?:stra(?:ß|ss)e|str\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad|markt|graben|wall|kamp"
    r"|stieg|twiete|zeile|promenade|straat|laan|plein|gracht|kade|dijk|steeg|pad|singel|dreef|baan|plantsoen"
    r"|hof|park|gata|gatan|vej|veien|vegen|katu|tie|utca|ulice)"
)
_COMPOUND = rf"(?:{_UP}{_W}*(?:[- ]{_UP}{_W}*)*-?{_COMPOUND_SUFFIX}|(?:{_UP}{_W}+\s)?{_UP}{_W}+[- ](?:Stra(?:ß|ss)e|Str\.|Weg|Gasse|Allee|Platz|Ring|Damm))"

# Street types written before the name: rue de X, Calle Mayor, via Roma, ul. Tęczowa, aleja Pszenna
_PREFIX_TYPE = (
    r"(?i:rue|avenue|av\.|boulevard|bd\.?|place|chemin|allée|impasse|quai|route|cours|square|passage|faubourg|"
    r"calle|c/|avenida|avda\.?|paseo|plaza|camino|carretera|ronda|pasaje|travesía|glorieta|callejón|rambla|cuesta|"
    r"urbanización|vía|via|viale|piazza|piazzale|corso|largo|vicolo|strada|contrada|borgo|lungomare|salita|"
    r"ul\.|ulica|al\.|aleja|pl\.|plac|os\.|osiedle|rondo|rua|travessa|praça|largo)"
)
# English street types written after the name (USPS Publication 28 primary suffixes, abbreviated too)
_EN_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Square|Sq|Terrace|"
    r"Ter|Crescent|Cres|Close|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Row|Hill|Hills|Gardens|Gdns|Grove|"
    r"Mews|Walk|Keys|Key|Throughway|Expressway|Freeway|Falls|Heights|Hts|Park|Plaza|Plz|Point|Pt|Ridge|Rdg|"
    r"Run|Path|Pike|Loop|Alley|Aly|Bend|Brook|Creek|Crossing|Xing|Estates|Field|Fields|Forest|Fork|Glen|Green|"
    r"Harbor|Haven|Island|Junction|Knoll|Lake|Lakes|Landing|Manor|Meadow|Meadows|Mill|Mills|Mount|Mountain|"
    r"Orchard|Pass|Pines|Port|Prairie|Ranch|Rapids|Ridge|Shore|Shores|Spring|Springs|Station|Summit|Valley|"
    r"View|Villa|Village|Ville|Vista|Wells|Woods|Course|Junction|Underpass|Viaduct|Parade|Esplanade|Broadway)"
)
_UNIT = (
    r"(?:,?\s(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Floor|Fl\.?|Room|Rm\.?|Piso|Puerta|Escalera|Esc\.?|Bajo|"
    r"Appartamento|Interno|Int\.?|Scala|Piano|Etage|Stock|Whg\.?|bus|app\.?|appt\.?|bte|lok\.?|m\.)\s?[\w/-]{1,6})"
)
_POSTCODE = r"(?:\d{2}-\d{3}|\d{4}\s?[A-Z]{2}(?![a-z])|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|\d{4,5}(?:-\d{4})?|[A-Z]-?\d{4,5})"
_CITY = (
    rf"(?:{_UP}[\w'’.-]*(?:[ -](?:{_UP}[\w'’.-]*|sur|sous|le|la|les|de|di|am|an|der|im|upon|en|aan|del|y))*)"
)
_REGION = r"(?:\s\(\s?[A-Z]{2}\s?\))"

_TAIL = (
    rf"(?:{_UNIT}{{0,3}}"
    rf"(?:(?:,\s?|\s)(?:{_POSTCODE},?\s{_CITY}{_REGION}?|{_CITY}{_REGION}?,?\s(?:[A-Z]{{2}}\s)?{_POSTCODE}(?!\d)"
    rf"|{_CITY}{_REGION}?(?=\s*(?:$|\n|\.|;)))(?:,\s?{_CITY})?)?)"
)

_STREET_FORMS = (
    # Löchelweg 74 / Bayreuther Strasse 27
    rf"{_COMPOUND}\s{_NUM}",
    # aleja Pszenna 99 / Via Roma 12 / Camino de Adoración Gracia 51 / rue de Meyer 12
    rf"{_PREFIX_TYPE}\s(?:{_NAMEW}\s){{0,5}}?{_NAMEW}(?:,)?\s{_NUM}",
    # 41, rue de Meyer / 12 Rue Hubert de Lisle
    rf"{_NUM},?\s{_PREFIX_TYPE}\s(?:{_NAMEW}\s){{0,5}}?{_NAMEW}",
    # 131 Brandon Throughway / 94 Heather Keys
    rf"{_NUM}\s(?:{_UP}[\w'’.-]*\s){{1,4}}{_EN_SUFFIX}\.?(?![\w])",
    # P.O. Box 50, PSC 5272, Box 4016
    r"(?:P\.?\s?O\.?\s?Box|PSC|Unit|Postfach|Boîte\s+postale|BP|Apartado(?:\sde\sCorreos)?|Casella\s+postale|Skrytka\s+pocztowa)\s\d{1,6}(?:,\s?Box\s\d{1,6})?(?:,\s?(?:APO|FPO|DPO)\s[A-Z]{2}\s\d{5})?",
)
_ADDRESS = re.compile(rf"(?<![\w])(?:{'|'.join(_STREET_FORMS)}){_TAIL}")

# After these cues the rest of the line is an address.
_CUE = re.compile(
    r"(?im)(?:(?:home|postal|mailing|billing|shipping|street|delivery)?\s?address|anschrift|adresse|wohnort|wohnhaft\s+in|"
    r"domicilio|dirección|direccion|indirizzo|residenza|residente\s+in|adres|woonadres|adres\s+zamieszkania|"
    r"miejsce\s+zamieszkania)\s*:\s*([^\n]{6,140})"
)
_STOP_TAIL = re.compile(r"(?:\s+(?:for|para|pour|per|für|voor|dla)\s|[.;!?](?:\s|$)|\s+\(|$)")


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


def address_hits(text: str, lang: str | None) -> Iterator[Hit]:
    taken: list[tuple[int, int]] = []
    for m in _CUE.finditer(text):
        s, e = m.span(1)
        val = m.group(1)
        stop = _STOP_TAIL.search(val, 6)
        if stop is not None:
            e = s + stop.start()
        while e > s and text[e - 1] in " ,":
            e -= 1
        if e - s < 6 or not any(c.isdigit() for c in text[s:e]):
            continue
        taken.append((s, e))
        yield Hit("ADDRESS", s, e, 0.85, _country(text[s:e]), "postal_address")
    for m in _ADDRESS.finditer(text):
        s, e = m.span()
        while e > s and text[e - 1] in " ,.":
            if text[e - 1] == "." and re.search(r"(?:\b[A-Z][a-z]{0,3}|str)\.$", text[s:e]):
                break
            e -= 1
        if any(s < te and ts < e for ts, te in taken):
            continue
        yield Hit("ADDRESS", s, e, 0.75, _country(text[s:e]), "postal_address")
