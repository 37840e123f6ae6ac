"""Security classification and protective markings (DE, FR, UK, US, EU, NATO and others).

Patterns follow shared/reference/sovereign-landscape.md section B.6. Multi-word markings
match anywhere (they do not occur in ordinary prose); a bare single word such as
GEHEIM or SECRET only counts in upper case and in marking position: alone on its line,
in a "Classification:"-style field, or as a US banner (SECRET//NOFORN).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sovgate.classify._hits import Hit

_I = re.IGNORECASE
_S = r"[\s\-]+"  # OCR / typing variants: spaces, hyphens, line breaks

# (pattern, flags, detail, jurisdiction). Order matters: longer markings first.
_MULTI: tuple[tuple[re.Pattern[str], str, str | None], ...] = tuple(
    (re.compile(p, f), d, j)
    for p, f, d, j in (
        # EU institutions (jurisdiction None: not a country)
        (rf"\bTR[ÈE]S{_S}SECRET{_S}UE\b", 0, "EU:TRÈS SECRET UE", None),
        (rf"\bEU{_S}TOP{_S}SECRET\b", 0, "EU:EU TOP SECRET", None),
        (rf"\bSECRET{_S}UE\b", 0, "EU:SECRET UE", None),
        (rf"\bEU{_S}SECRET\b", 0, "EU:EU SECRET", None),
        (rf"\bCONFIDENTIEL{_S}UE\b", 0, "EU:CONFIDENTIEL UE", None),
        (rf"\bEU{_S}CONFIDENTIAL\b", 0, "EU:EU CONFIDENTIAL", None),
        (rf"\bRESTREINT{_S}UE\b", _I, "EU:RESTREINT UE", None),
        (rf"\bEU{_S}RESTRICTED\b", 0, "EU:EU RESTRICTED", None),
        # NATO
        (rf"\bCOSMIC{_S}TOP{_S}SECRET\b", _I, "NATO:COSMIC TOP SECRET", None),
        (rf"\bNATO{_S}SECRET\b", 0, "NATO:NATO SECRET", None),
        (rf"\bNATO{_S}CONFIDENTIAL\b", 0, "NATO:NATO CONFIDENTIAL", None),
        (rf"\bNATO{_S}RESTRICTED\b", _I, "NATO:NATO RESTRICTED", None),
        (r"\bATOMAL\b", 0, "NATO:ATOMAL", None),
        # Germany (VSA 2023)
        (rf"\bSTRENG{_S}GEHEIM\b", 0, "STRENG GEHEIM", "DE"),
        (r"\bStr\.\s?Geh\.", 0, "STRENG GEHEIM", "DE"),
        (rf"\bVS{_S}?(?:NUR{_S}F(?:Ü|UE)R{_S}DEN{_S}DIENSTGEBRAUCH)\b", _I, "VS-NfD", "DE"),
        (r"\bVS[\s\-]*NfD\b", _I, "VS-NfD", "DE"),
        (
            rf"\bVerschlusssache{_S}nur{_S}f(?:ü|ue)r{_S}den{_S}Dienstgebrauch\b",
            _I,
            "VS-NfD",
            "DE",
        ),
        (rf"\bVS{_S}?VERTRAULICH\b", _I, "VS-VERTRAULICH", "DE"),
        (r"\bVS-Vertr\.", 0, "VS-VERTRAULICH", "DE"),
        (rf"\bVerschlusssache{_S}vertraulich\b", _I, "VS-VERTRAULICH", "DE"),
        (rf"\bamtlich{_S}geheim{_S}gehalten\b", _I, "GEHEIM", "DE"),
        # France (IGI 1300)
        (rf"\bTR[ÈE]S{_S}SECRET{_S}D[ÉE]FENSE\b", _I, "TRÈS SECRET DÉFENSE", "FR"),
        (rf"\bSECRET{_S}D[ÉE]FENSE\b", _I, "SECRET DÉFENSE", "FR"),
        (rf"\bCONFIDENTIEL{_S}D[ÉE]FENSE\b", _I, "CONFIDENTIEL DÉFENSE", "FR"),
        (rf"\bTR[ÈE]S{_S}SECRET\b", 0, "TRÈS SECRET", "FR"),
        (rf"\bDIFFUSION{_S}RESTREINTE\b", 0, "DIFFUSION RESTREINTE", "FR"),
        (rf"\bDiffusion{_S}[Rr]estreinte\b", 0, "DIFFUSION RESTREINTE", "FR"),
        (rf"\bSP[ÉE]CIAL{_S}FRANCE\b", 0, "SPÉCIAL FRANCE", "FR"),
        # United Kingdom
        (rf"\bOFFICIAL{_S}SENSITIVE\b", 0, "OFFICIAL-SENSITIVE", "GB"),
        (rf"\bOfficial{_S}Sensitive\b", 0, "OFFICIAL-SENSITIVE", "GB"),
        (rf"\bUK{_S}TOP{_S}SECRET\b", 0, "UK TOP SECRET", "GB"),
        (rf"\bUK{_S}SECRET\b", 0, "UK SECRET", "GB"),
        (rf"\bUK{_S}EYES{_S}ONLY\b", 0, "UK EYES ONLY", "GB"),
        # United States
        (r"\bTOP\s?SECRET//[A-Z][A-Z0-9/ ,-]*", 0, "TOP SECRET", "US"),
        (r"(?<![\w/])SECRET//[A-Z][A-Z0-9/ ,-]*", 0, "SECRET", "US"),
        (r"(?<![\w/])CONFIDENTIAL//[A-Z][A-Z0-9/ ,-]*", 0, "CONFIDENTIAL", "US"),
        (r"\bCUI//[A-Z0-9/\-]+", 0, "CUI", "US"),
        (rf"\bCONTROLLED{_S}UNCLASSIFIED{_S}INFORMATION\b", _I, "CUI", "US"),
        (r"\bNOFORN\b", 0, "NOFORN", "US"),
        (r"\bFOUO\b", 0, "FOUO", "US"),
        (rf"\bFOR{_S}OFFICIAL{_S}USE{_S}ONLY\b", 0, "FOUO", "US"),
        (rf"\bLAW{_S}ENFORCEMENT{_S}SENSITIVE\b", 0, "LES", "US"),
        # Others: Italy, Spain, Netherlands, Poland, Austria, Switzerland
        (r"\bSEGRETISSIMO\b", 0, "SEGRETISSIMO", "IT"),
        (r"\bRISERVATISSIMO\b", 0, "RISERVATISSIMO", "IT"),
        (rf"\bSTG\.?{_S}(?:ZEER{_S})?GEHEIM\b", 0, "STG. GEHEIM", "NL"),
        (rf"\bSTG\.?{_S}CONFIDENTIEEL\b", 0, "STG. CONFIDENTIEEL", "NL"),
        (rf"\bDepartementaal{_S}vertrouwelijk\b", _I, "DEPARTEMENTAAL VERTROUWELIJK", "NL"),
        (rf"\bŚCIŚLE{_S}TAJNE\b", 0, "ŚCIŚLE TAJNE", "PL"),
        (rf"\bDIFUSI[ÓO]N{_S}LIMITADA\b", 0, "DIFUSIÓN LIMITADA", "ES"),
    )
)

# Single-word grades: only in upper case and in marking position.
_SINGLE: dict[str, tuple[str, str | None]] = {
    "GEHEIM": ("GEHEIM", "DE"),
    "SECRET": ("SECRET", None),
    "TOP SECRET": ("TOP SECRET", None),
    "CONFIDENTIAL": ("CONFIDENTIAL", None),
    "RESTRICTED": ("RESTRICTED", "GB"),
    "CONFIDENTIEL": ("CONFIDENTIEL", "FR"),
    "SECRETO": ("SECRETO", "ES"),
    "RESERVADO": ("RESERVADO", "ES"),
    "CONFIDENCIAL": ("CONFIDENCIAL", "ES"),
    "RISERVATO": ("RISERVATO", "IT"),
    "SEGRETO": ("SEGRETO", "IT"),
    "TAJNE": ("TAJNE", "PL"),
    "POUFNE": ("POUFNE", "PL"),
    "ZASTRZEŻONE": ("ZASTRZEŻONE", "PL"),
    "CUI": ("CUI", "US"),
    "UNCLASSIFIED//FOUO": ("FOUO", "US"),
}
_FIELD = r"(?:classification|classified|einstufung|geheimhaltungsgrad|classification\s+level|niveau\s+de\s+classification|clasificaci[óo]n|classifica(?:zione)?|rubricering|klauzula|marking|kennzeichnung)"  # noqa: E501
_SINGLE_RX = re.compile(
    r"(?m)(?:^[ \t*#\[(]*|(?i:" + _FIELD + r")\s*[:=-]\s*)"
    r"(" + "|".join(re.escape(k) for k in sorted(_SINGLE, key=len, reverse=True)) + r")"
    r"(?=[ \t*\])]*$|\s*[-–:/(]|\s*\n)"
)


def marking_hits(text: str) -> Iterator[Hit]:
    taken: list[tuple[int, int]] = []
    for rx, detail, juris in _MULTI:
        for m in rx.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            yield Hit("CLASSIFIED", s, e, 0.95, juris, detail)
    for m in _SINGLE_RX.finditer(text):
        s, e = m.span(1)
        if any(s < te and ts < e for ts, te in taken):
            continue
        # a lone upper-case word at line start must be followed by end of line (a banner),
        # not by more prose on the same line
        line_end = text.find("\n", e)
        rest = text[e : len(text) if line_end < 0 else line_end].strip(" \t*])")
        if rest and len(rest) > 40:
            continue
        detail, juris = _SINGLE[m.group(1)]
        taken.append((s, e))
        yield Hit("CLASSIFIED", s, e, 0.85, juris, detail)
