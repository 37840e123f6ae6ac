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
    ["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mister", "lady", "lord", "rev", "herr", "frau", "fräulein", "m", "mme", "mlle", "monsieur", "madame", "mademoiselle", "sr", "sra", "srta", "señor", "señora", "señorita", "don", "doña", "dña", "sig", "sigra", "signor", "signora", "signorina", "dott", "dottssa", "dottoressa", "avv", "ing", "dhr", "mevr", "mw", "mevrouw", "meneer", "heer", "pan", "pani", "panna"]
)
# Words that may sit inside a name (lower case).
_PARTICLES = frozenset(
    ["van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "le", "la", "ten", "ter", "zu", "zum", "bin", "ben", "al", "el", "y", "e", "van't", "d'", "mac"]
)

# Phrases after which the next capitalised words are a name.
_CUE = re.compile(
    r"(?i:(?:my|his|her|their|your)\s+name\s+is|name\s*[:=]|full\s+name\s*[:=]|i\s+am|i'm|this\s+is|"
    r"(?:card)?holder\s*[:=]|account\s+holder|patient\s*[:=]?|employee\s*[:=]|customer\s*[:=]|signed|"
    r"regards,?|sincerely,?|contact\s*[:=]|attn\.?\s*[:=]?|dear|hello|hi|"
    r"(?:mein|sein|ihr)\s+name\s+ist|ich\s+bin|ich\s+heiße|name\s*:|vorname\s*:|nachname\s*:|"
    r"karteninhaber(?:in)?\s*:|kontoinhaber(?:in)?\s*:|patient(?:in)?\s*:?|mitarbeiter(?:in)?\s*:|"
    r"(?:liebe|lieber|sehr\s+geehrte[rs]?|hallo|grüße|gruß),?|"
    r"je\s+m'appelle|je\s+suis|nom\s*:|prénom\s*:|titulaire\s*:|patient(?:e)?\s*:|salarié(?:e)?\s*:|"
    r"cher|chère|bonjour|cordialement,?|"
    r"me\s+llamo|mi\s+nombre\s+es|soy|nombre\s*:|titular\s*:|paciente\s*:|estimad[oa]|hola|saludos,?|"
    r"mi\s+chiamo|il\s+mio\s+nome\s+è|sono|nome\s*:|titolare\s*:|paziente\s*:|gentile|caro|cara|ciao|saluti,?|"
    r"ik\s+heet|mijn\s+naam\s+is|ik\s+ben|naam\s*:|rekeninghouder\s*:|patiënt\s*:|beste|geachte|groeten,?|"
    r"nazywam\s+się|mam\s+na\s+imię|jestem|imię\s+i\s+nazwisko\s*:|imię\s*:|nazwisko\s*:|posiadacz(?:ka)?\s+karty\s*:|"
    r"właściciel\s*:|pacjent(?:ka)?\s*:|szanown[ya]|pozdrawiam,?|"
    r"(?:results|befund|résultats|analítica|esami|uitslag|wyniki)\s+\w*\s*(?:for|für|pour|de|di|van|badań)|"
    r"for|für|pour|para|per|voor|dla|von|by|from|with|de|di|van|of)\s*$"
)
_STRONG_CUE_WORDS = frozenset(
    {
        "for",
        "für",
        "pour",
        "para",
        "per",
        "voor",
        "dla",
        "von",
        "by",
        "from",
        "with",
        "de",
        "di",
        "van",
        "of",
        "i am",
        "i'm",
        "this is",
        "soy",
        "sono",
        "jestem",
        "ik ben",
        "je suis",
        "ich bin",
        "hello",
        "hi",
        "hola",
        "ciao",
        "beste",
        "dear",
    }
)


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
    ["hi", "hello", "dear", "thanks", "thank", "please", "hallo", "liebe", "lieber", "bonjour", "salut", "cher", "chère", "hola", "estimado", "estimada", "ciao", "gentile", "caro", "cara", "beste", "geachte", "witam", "dzień", "szanowny", "szanowna", "server", "admin", "support", "team", "bank", "card", "account", "customer", "patient", "user", "name", "date", "address", "email", "phone", "number", "street", "city", "country", "mail", "order", "invoice", "service", "ticket", "note", "the", "this", "that", "these", "those", "there", "then", "they", "their", "our", "your", "my", "his", "her", "its", "we", "you", "it", "he", "she"]
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
        return (
            f is not None and (f[0] < 38 or (f[1] <= 150 and f[0] < 50)),
            f is not None and f[0] < 55,
            la is not None and (la[0] < 40 or (la[1] <= 100 and la[0] < 50)),
            la is not None and la[0] < 55,
            low in _PARTICLES,
        )

    def hits(self, text: str, lang: str | None) -> Iterator[Hit]:
        toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        i = 0
        n = len(toks)
        while i < n:
            s, e, w = toks[i]
            if not w[0].isupper():
                i += 1
                continue
            # collect a run of capitalised tokens (with particles) separated by single spaces
            run = [i]
            j = i + 1
            while j < n and len(run) < 5:
                ps, pe, pw = toks[j - 1]
                gap = text[pe : toks[j][0]]
                if gap not in (" ", "-") or (pw.endswith(".") and pw.rstrip(".").lower() not in _HONORIFICS):
                    break
                nw = toks[j][2]
                if nw[0].isupper() or (
                    nw.lower() in _PARTICLES and j + 1 < n and toks[j + 1][2][0].isupper()
                ):
                    run.append(j)
                    j += 1
                else:
                    break
            yield from self._judge(text, toks, run)
            i = j

    def _judge(self, text: str, toks: list[tuple[int, int, str]], run: list[int]) -> Iterator[Hit]:
        words = [toks[k][2] for k in run]
        honor = False
        while words and words[0].rstrip(".").lower() in _HONORIFICS and len(words[0]) <= 12:
            honor = True
            run, words = run[1:], words[1:]
        # trailing dots belong to sentences, possessive 's to grammar
        clean = [w.rstrip(".") for w in words]
        clean = [w[:-2] if w.endswith(("'s", "’s")) else w for w in clean]
        flags = [self._flags(w) for w in clean]
        # leading capitalised words that are not (unambiguous) names: "Hello", "Dear", "Mein"
        while len(clean) > 1 and not (
            flags[0][0] or flags[0][2] or (flags[0][1] and (flags[1][1] or flags[1][3]))
        ):
            run, words, clean, flags = run[1:], words[1:], clean[1:], flags[1:]
        if not run:
            return
        start = toks[run[0]][0]
        if not honor:
            before = text[max(0, start - 14) : start].rstrip(" ")
            honor = _HONOR_BEFORE.search(before) is not None
        cue = honor or _CUE.search(text, max(0, start - 60), start) is not None
        k = len(clean)
        f0 = flags[0]
        any0 = f0[1] or f0[2] or f0[3]
        take, score = 0, 0.0
        if k >= 2:
            f1 = flags[1]
            any1 = f1[1] or f1[2] or f1[3] or f1[4]
            if (f0[0] and (any1 or cue or not _is_common_shape(clean[1]))) or (f0[1] and (f1[2] or f1[3])):
                take, score = k, 0.85
            elif (cue and any0) or honor:
                take, score = k, 0.8
            elif f0[2] and f1[2]:
                take, score = k, 0.6
        elif f0[0] or (cue and any0) or honor:
            take, score = 1, 0.7 if (cue or honor) else 0.55
        if take == 0:
            return
        s = toks[run[0]][0]
        e = toks[run[take - 1]][0] + len(clean[take - 1])
        yield Hit("PERSON", s, e, score, None, "name")


_HONOR_BEFORE = re.compile(r"(?i)\b(?:" + "|".join(sorted(_HONORIFICS, key=len, reverse=True)) + r")\.?$")


def _is_common_shape(w: str) -> bool:
    """Upper-case acronyms and very short tokens are rarely surnames."""
    return (w.isupper() and len(w) > 1) or len(w) < 2
