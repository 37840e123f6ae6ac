"""Person names from name lists, honorifics and context cues (no statistical model).

The lists (data/first_names.tsv.gz, data/last_names.tsv.gz; source in their header)
are held as sorted arrays of 32-bit CRCs of the lower-cased name: about 4 bytes per
name instead of ~70 for a Python set of str, at the price of a negligible collision
rate. Names that are also frequent words ("Will", "Rose", "Mai") are only taken
next to another name token or a cue.
"""

from __future__ import annotations

import gzip
import re
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from importlib import resources

from sovgate.classify._hits import Hit

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*\.?")

# Honorifics and titles directly before a name (lower case, without trailing dot).
_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "mister",
        "lady",
        "lord",
        "rev",
        "herr",
        "frau",
        "fräulein",
        "m",
        "mme",
        "mlle",
        "monsieur",
        "madame",
        "mademoiselle",
        "sr",
        "sra",
        "srta",
        "señor",
        "señora",
        "señorita",
        "don",
        "doña",
        "dña",
        "sig",
        "sigra",
        "signor",
        "signora",
        "signorina",
        "dott",
        "dottssa",
        "dottoressa",
        "avv",
        "ing",
        "dhr",
        "mevr",
        "mw",
        "mevrouw",
        "meneer",
        "heer",
        "pan",
        "pani",
        "panna",
    ]
)
# Words that may sit inside a name (lower case).
_PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "le",
        "la",
        "ten",
        "ter",
        "zu",
        "zum",
        "bin",
        "ben",
        "al",
        "el",
        "y",
        "e",
        "van't",
        "d'",
        "mac",
    ]
)

# Labels and self-introductions right before a name: the capitalised words after them are a
# name even when no list knows them.
_STRONG_CUE = re.compile(
    r"(?i:(?:my|his|her|their|your)\s+name\s+is|(?:full\s+|first\s+|last\s+|sur)?name\s*[:=]|i\s+am|i'm|"
    r"(?:card|account|policy)\s*holder\s*[:=]?|patient\s*[:=]|employee\s*[:=]|customer\s*[:=]|"
    r"applicant\s*[:=]|signed\s*[:=]?|regards,|sincerely,|attn\.?\s*:?|contact\s+person\s*:|"
    r"(?:mein|sein|ihr)\s+name\s+ist|ich\s+heiße|ich\s+bin|(?:vor|nach|familien)?name\s*:|"
    r"karteninhaber(?:in)?\s*:|kontoinhaber(?:in)?\s*:|patient(?:in)?\s*:|mitarbeiter(?:in)?\s*:|"
    r"antragsteller(?:in)?\s*:|versicherte[rn]?\s*:|grüße,?|gruß,?|"
    r"je\s+m'appelle|je\s+suis|mon\s+nom\s+est|nom\s*:|prénom\s*:|nom\s+complet\s*:|titulaire\s*:|"
    r"patiente?\s*:|salariée?\s*:|employée?\s*:|cordialement,?|"
    r"me\s+llamo|mi\s+nombre\s+es|nombre(?:\s+completo)?\s*:|apellidos?\s*:|titular\s*:|paciente\s*:|"
    r"emplead[oa]\s*:|saludos,?|atentamente,?|"
    r"mi\s+chiamo|il\s+mio\s+nome\s+è|nome(?:\s+e\s+cognome)?\s*:|cognome\s*:|titolare\s*:|intestatari[oa]\s*:|"
    r"paziente\s*:|dipendente\s*:|cordiali\s+saluti,?|"
    r"ik\s+heet|mijn\s+naam\s+is|naam\s*:|voornaam\s*:|achternaam\s*:|(?:rekening|kaart)houder\s*:|patiënt\s*:|"
    r"werknemer\s*:|met\s+vriendelijke\s+groet,?|"
    r"nazywam\s+się|mam\s+na\s+imię|imię\s+i\s+nazwisko\s*:|imię\s*:|nazwisko\s*:|"
    r"posiadacz(?:ka)?\s+(?:karty|rachunku)\s*:|właściciel(?:ka)?\s*:|pacjent(?:ka)?\s*:|pracownik\s*:|"
    r"z\s+poważaniem,?|pozdrawiam,?)\s*$"
)
# Greetings and prepositions: enough together with name-list evidence.
_WEAK_CUE = re.compile(
    r"(?i:\b(?:dear|hello|hi|hey|thanks|for|from|by|with|to|of|and|"
    r"liebe[rs]?|hallo|geehrte[rs]?|für|von|mit|an|und|bonjour|cher|chère|pour|par|avec|et|"
    r"hola|estimad[oa]|para|por|con|y|ciao|gentile|car[oa]|per|di|da|con|e|"
    r"beste|geachte|hoi|voor|van|met|en|witam|szanown[ya]|dla|od|z|i|panie?|pani))\s+$"
)
_PLACE_WORDS = frozenset(
    """
    santa san santo são saint sainte st ste villa bad port fort mount mont monte lake new north south east
    west nord sud ost west costa puerto porto rio río cabo isla isola villa val
    """.split()
)
_STREET_WORDS = frozenset(
    """
    st street str road rd avenue ave lane ln drive dr boulevard blvd court ct way place pl square sq terrace
    crescent close parkway highway circle trail row hill gardens grove mews walk keys throughway falls
    heights park plaza point ridge locks glen springs course route straße strasse weg gasse allee platz
    u utca ul ulica al aleja rue via viale calle straat laan
    """.split()
)
_COMPANY_WORDS = frozenset(
    "gmbh ag kg ohg ug ltd limited inc llc plc corp corporation co sa sas sarl spa srl bv nv sp zoo group".split()
)
_WEEKDAYS_MONTHS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december montag dienstag mittwoch donnerstag freitag samstag sonntag
    januar februar märz juni juli oktober dezember lundi mardi mercredi jeudi vendredi samedi dimanche
    janvier février avril mai juin juillet août septembre octobre novembre décembre lunes martes miércoles
    jueves viernes sábado domingo enero febrero marzo mayo junio julio agosto septiembre octubre noviembre
    diciembre lunedì martedì mercoledì giovedì venerdì sabato domenica gennaio febbraio aprile maggio giugno
    luglio settembre ottobre dicembre maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari
    februari maart mei augustus poniedziałek wtorek środa czwartek piątek sobota niedziela
    """.split()
)
# "Bayes' theorem", "Satz von Bayes", "algoritmo di Dijkstra": surnames used as concept names
_EPONYM_NOUNS = frozenset(
    """
    theorem law rule principle transform transformation distance algorithm test equation method estimator
    disease syndrome effect constant number series conjecture paradox distribution inequality formula model
    satz gesetz regel verteilung
    """.split()
)
_EPONYM_PREP = re.compile(r"(?i)\b[a-zà-ÿ]\w+\s+(?:von|de|di|van|of|du|del|della|d')\s*$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*)$")
_ENUM = re.compile(
    r"(?<![\w-])([^\W\d_][\w'’-]+(?:,\s[^\W\d_][\w'’-]+)+,?\s(?:and|und|et|y|e|en|i|or|oder|ou|o|of|lub)\s"
    r"[^\W\d_][\w'’-]+)"
)
_ENUM_ITEM = re.compile(r"[^\W\d_][\w'’-]+")
_ENUM_JOINERS = frozenset("and und et y e en i or oder ou o of lub".split())


def _crc(word: str) -> int:
    return zlib.crc32(word.lower().encode("utf-8"))


class _NameTable:
    """Sorted CRC array with, per name, its word frequency (10 x zipf) and best popularity rank."""

    __slots__ = ("_hash", "_rank", "_zipf")

    def __init__(self, rows: list[tuple[int, int, int]]) -> None:
        rows.sort()
        self._hash = array("I", (r[0] for r in rows))
        self._zipf = array("B", (min(r[1], 255) for r in rows))
        self._rank = array("H", (min(r[2], 65535) for r in rows))

    def get(self, word: str) -> tuple[int, int] | None:
        """(10 x zipf, rank) of a name, or None."""
        h = _crc(word)
        i = bisect_left(self._hash, h)
        if i < len(self._hash) and self._hash[i] == h:
            return self._zipf[i], self._rank[i]
        return None

    def __len__(self) -> int:
        return len(self._hash)


def _load(name: str) -> _NameTable:
    rows: list[tuple[int, int, int]] = []
    ref = resources.files("sovgate.classify").joinpath("data", name)
    with ref.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            name_, zipf, rank = line.rstrip("\n").split("\t")
            rows.append((_crc(name_), int(zipf), int(rank)))
    return _NameTable(rows)


# Frequent words that are also in the name lists (greetings, pronouns, template words)
_NOT_NAMES = frozenset(
    [
        "hi",
        "hello",
        "dear",
        "thanks",
        "thank",
        "please",
        "hallo",
        "liebe",
        "lieber",
        "bonjour",
        "salut",
        "cher",
        "chère",
        "hola",
        "estimado",
        "estimada",
        "ciao",
        "gentile",
        "caro",
        "cara",
        "beste",
        "geachte",
        "witam",
        "dzień",
        "szanowny",
        "szanowna",
        "server",
        "admin",
        "support",
        "team",
        "bank",
        "card",
        "account",
        "customer",
        "patient",
        "user",
        "name",
        "date",
        "address",
        "email",
        "phone",
        "number",
        "street",
        "city",
        "country",
        "mail",
        "order",
        "invoice",
        "service",
        "ticket",
        "note",
        "the",
        "this",
        "that",
        "these",
        "those",
        "there",
        "then",
        "they",
        "their",
        "our",
        "your",
        "my",
        "his",
        "her",
        "its",
        "we",
        "you",
        "it",
        "he",
        "she",
    ]
)


class NameFinder:
    def __init__(self) -> None:
        self.first = _load("first_names.tsv.gz")
        self.last = _load("last_names.tsv.gz")

    def _flags(self, w: str) -> tuple[bool, bool, bool, bool, bool]:
        """(strong first, any first, strong last, any last, particle) for one token."""
        low = w.lower()
        if low in _NOT_NAMES:
            return (False, False, False, False, False)
        parts = w.split("-")
        f = self.first.get(w) or (self.first.get(parts[0]) if len(parts) > 1 else None)
        la = self.last.get(w) or (self.last.get(parts[-1]) if len(parts) > 1 else None)
        strong_first = f is not None and (f[0] < 38 or (f[1] <= 150 and f[0] < 50))
        strong_last = la is not None and (la[0] < 40 or (la[1] <= 100 and la[0] < 50))
        # mostly a first name: popular as one, and not clearly more popular as a surname
        mostly_first = strong_first and (la is None or f is None or f[1] <= la[1] * 3)
        return (
            strong_first,
            f is not None and f[0] < 55,
            strong_last and not mostly_first,
            la is not None and la[0] < 55,
            low in _PARTICLES,
        )

    def hits(self, text: str, lang: str | None) -> Iterator[Hit]:
        toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        i = 0
        n = len(toks)
        while i < n:
            w = toks[i][2]
            if not w[0].isupper():
                i += 1
                continue
            # a run of capitalised tokens separated by single spaces, with particles and initials inside
            run = [i]
            j = i + 1
            while j < n and len(run) < 6:
                pe, pw = toks[j - 1][1], toks[j - 1][2]
                if text[pe : toks[j][0]] not in (" ", "-"):
                    break
                if pw.endswith(".") and not (_is_initial(pw) or pw.rstrip(".").lower() in _HONORIFICS):
                    break
                nw = toks[j][2]
                if nw[0].isupper():
                    run.append(j)
                    j += 1
                    continue
                # particles ("van der", "de la") only inside a name
                k = j
                while k < n and toks[k][2].lower() in _PARTICLES and text[toks[k - 1][1] : toks[k][0]] == " ":
                    k += 1
                if k > j and k < n and toks[k][2][0].isupper() and text[toks[k - 1][1] : toks[k][0]] == " ":
                    run.extend(range(j, k + 1))
                    j = k + 1
                    continue
                break
            after = toks[j][2] if j < n and text[toks[j - 1][1] : toks[j][0]] == " " else ""
            yield from self._judge(text, toks, run, after)
            i = j
        yield from self._enumerations(text)

    def _enumerations(self, text: str) -> Iterator[Hit]:
        """ "Koertig, Wright and Hudson": a list of capitalised words, most of them names."""
        for m in _ENUM.finditer(text):
            items = [x for x in _ENUM_ITEM.finditer(m.group(1)) if x.group().lower() not in _ENUM_JOINERS]
            if len(items) < 3 or any(not x.group()[0].isupper() for x in items):
                continue
            words = [x.group() for x in items]
            if any(w.lower() in _NOT_NAMES or w.isupper() for w in words):
                continue
            known = sum(1 for w in words if any(self._flags(w)[:4]))
            if known * 3 >= len(words) * 2:
                base = m.start(1)
                for x in items:
                    yield Hit("PERSON", base + x.start(), base + x.end(), 0.7, None, "name")

    def _judge(
        self, text: str, toks: list[tuple[int, int, str]], run: list[int], after: str
    ) -> Iterator[Hit]:
        words = [toks[k][2] for k in run]
        honor = False
        while words and words[0].rstrip(".").lower() in _HONORIFICS and len(words[0]) <= 12:
            honor = True
            run, words = run[1:], words[1:]
        if not run:
            return
        # trailing dots belong to sentences, possessive 's to grammar
        clean = [w if _is_initial(w) else w.rstrip(".") for w in words]
        clean[-1] = clean[-1].rstrip(".")
        clean = [w[:-2] if w.endswith(("'s", "’s")) else w for w in clean]
        # cut at words that never belong to a name
        for idx, w in enumerate(clean):
            low = w.lower()
            if low in _WEEKDAYS_MONTHS or low in _COMPANY_WORDS or (low in _STREET_WORDS and idx > 0):
                if low in _STREET_WORDS or low in _COMPANY_WORDS:
                    return  # "Poppy Springs St", "Hans Müller GmbH": not a person
                run, words, clean = run[:idx], words[:idx], clean[:idx]
                break
        if not run or after.rstrip(".").lower() in _STREET_WORDS | _COMPANY_WORDS:
            return
        flags = [self._flags(w) for w in clean]
        start = toks[run[0]][0]
        before = text[max(0, start - 50) : start]
        strong = (
            honor
            or _STRONG_CUE.search(before) is not None
            or _HONOR_BEFORE.search(before.rstrip()) is not None
        )
        # leading capitalised words that are not (unambiguous) names: "Hello", "Dear", "Mein"
        while not strong and len(clean) > 1 and not _is_initial(clean[1]):
            low0 = clean[0].lower()
            if not (
                low0 in _NOT_NAMES
                or flags[0][4]
                or (not any(flags[0][:4]) and (flags[1][0] or flags[1][4]))
                or (flags[0][1] and not flags[0][0] and not (flags[1][1] or flags[1][3]))
                or (clean[0].endswith(("'m", "’m")))
            ):
                break
            run, words, clean, flags = run[1:], words[1:], clean[1:], flags[1:]
            start = toks[run[0]][0]
            before = text[max(0, start - 50) : start]
            strong = _STRONG_CUE.search(before) is not None
        weak = _WEAK_CUE.search(before) is not None
        if clean[0].lower() in _PLACE_WORDS and not strong:
            return
        if not strong and any(w.isupper() and len(w) > 1 and not _is_initial(w) for w in clean):
            return  # acronyms and upper-case place names
        k = len(clean)
        f0 = flags[0]
        any0 = f0[1] or f0[2] or f0[3]
        take, score = 0, 0.0
        if strong:
            take, score = min(k, 5), 0.85 if any0 or k > 1 else 0.75
        elif k >= 2:
            f1 = flags[1]
            any1 = f1[1] or f1[2] or f1[3] or f1[4] or _is_initial(clean[1])
            if (f0[0] and (any1 or not _is_common_shape(clean[1]))) or (f0[1] and (f1[2] or f1[3])):
                take, score = k, 0.85
            elif weak and any0 and (any1 or not _is_common_shape(clean[1])):
                take, score = k, 0.75
            elif k == 3 and _is_initial(clean[1]) and not _is_initial(clean[2]):
                take, score = k, 0.75  # "Coralie L. Ménard"
            elif (
                f1[2]
                and not _is_common_shape(clean[0])
                and "-" not in clean[0]
                and (
                    not _SENTENCE_START.search(before)
                    or words[-1].endswith(("'s", "’s"))
                    or text.startswith(",", toks[run[-1]][1])
                )
            ):
                take, score = k, 0.6
            elif f0[2] and f1[2]:
                take, score = k, 0.6
        elif (
            f0[0]
            and "-" not in clean[0]
            and after.lower() not in _EPONYM_NOUNS
            and not _EPONYM_PREP.search(before)
            and not text.startswith("'", toks[run[0]][1])
        ):
            take, score = 1, 0.6 if weak else 0.55
        if take == 0:
            return
        s = toks[run[0]][0]
        e = toks[run[take - 1]][0] + len(clean[take - 1])
        yield Hit("PERSON", s, e, score, None, "name")


def _is_initial(w: str) -> bool:
    return (len(w) == 2 and w[1] == "." and w[0].isupper()) or (len(w) == 1 and w.isupper())


_HONOR_BEFORE = re.compile(r"(?i)\b(?:" + "|".join(sorted(_HONORIFICS, key=len, reverse=True)) + r")\.?$")


def _is_common_shape(w: str) -> bool:
    """Upper-case acronyms and very short tokens are rarely surnames."""
    return (w.isupper() and len(w) > 1) or len(w) < 2
