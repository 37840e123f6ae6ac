"""Person names from name lists, honorifics and context cues (no statistical model).

The lists (data/first_names.tsv.gz, data/last_names.tsv.gz; source in their header)
are held as sorted arrays of 32-bit CRCs of the lower-cased name: about 4 bytes per
name instead of ~70 for a Python set of str, at the price of a negligible collision
rate. Names that are also frequent words ("Will", "Rose", "Mai") are only taken
next to another name token or a cue.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from importlib import resources

from sovgate.classify import _latin1
from sovgate.classify._address import USPS_SUFFIXES
from sovgate.classify._cues import Cues
from sovgate.classify._hits import Hit

# Honorifics and titles directly before a name (lower case, without trailing dot).
HONORIFICS = _HONORIFICS = frozenset(
    """
    mr mrs ms miss mx dr prof sir madam mister lady lord rev herr frau fräulein m mme mlle monsieur
    madame mademoiselle sr sra srta señor señora señorita don doña dña sig sigra signor signora
    panem panu pana panią panie panowie
    signorina dott dottssa dottoressa avv ing dhr mevr mw mevrouw meneer heer pan pani panna
    господин госпожа господина госпожи г-н г-жа гражданин гражданка
    """.split()  # noqa: SIM905
)
# Words that may sit inside a name (lower case).
_PARTICLES = frozenset(
    """
    van von der den de del della di da dos das du le la ten ter zu zum bin ben al el y e van't d'
    mac
    """.split()  # noqa: SIM905
)

# Greetings and prepositions: enough together with name-list evidence.
_WEAK_WORDS = frozenset(
    """
    dear hello hi hey thanks for from by with to of and liebe lieber liebes hallo geehrte geehrter
    für von mit an und bonjour cher chère pour par avec et hola estimado estimada para por con y
    ciao gentile caro cara per di da e beste geachte hoi voor van met en witam szanowny szanowna dla
    od z i pan pani panie
    """.split()  # noqa: SIM905
)
_UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper()) + "".join(
    c for c in map(chr, range(0x391, 0x430)) if c.isupper()
)
# The capital comes first and the "not inside a word" check after it (a two-character lookbehind):
# a pattern that opens with a character class lets the regex engine skip to candidates at C speed.
_CAP_TOKEN = re.compile(rf"[{_UPPER}](?<![\w'’].)[^\W\d_]*(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*\.?", re.S)
# The same tokens in Latin-1 text, scanned as bytes: every character mapped to its role in
# _CAP_TOKEN (U a capital of _UPPER, l another [^\W\d_] character, w another \w character, the
# apostrophe, hyphen and dot themselves, a blank for the rest). The pattern then opens with the
# literal "U", which the regex engine finds at C speed; a class of ~300 capitals it tries at every
# character (the text scan was ~25 % of the name detector's instructions on the bench ticket).
_CAP_BYTES = re.compile(rb"U(?<![Ulw'].)[Ul]*(?:'[Ul]+)*(?:-[Ul]+)*\.?", re.S)


def _cap_role(c: str) -> int:
    if re.fullmatch(f"[{_UPPER}]", c):
        return ord("U")
    if re.fullmatch(r"[^\W\d_]", c):
        return ord("l")
    if re.fullmatch(r"\w", c):
        return ord("w")
    return ord(c) if c in "'-." else ord(" ")


_CAP_ROLES = bytes(_cap_role(chr(i)) for i in range(256))
_span = re.Match.span


def cap_tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) of every match of _CAP_TOKEN in `text`, in order."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        # typographic apostrophes become ASCII ones (same length); other characters beyond
        # Latin-1 are fine as "?" (a blank's role) unless one is a word character
        if any(c.isalnum() for c in set(_latin1.BEYOND.findall(text)) - {"’"}):
            return [(m.start(), m.end(), m.group()) for m in _CAP_TOKEN.finditer(text)]
        raw = text.replace("’", "'").encode("latin-1", "replace")
    return [(s, e, text[s:e]) for s, e in map(_span, _CAP_BYTES.finditer(raw.translate(_CAP_ROLES)))]


_PARTICLE_GAP = re.compile(
    r" (?:(?:van|von|der|den|de|del|della|di|da|dos|das|du|le|la|ten|ter|zu|zum|bin|ben|al|el|y|e|mac|d'|van't) )+"  # noqa: E501
)
_NEXT_WORD = re.compile(r" ([^\W\d_]+)")
_HONOR_GAP = re.compile(r"\.?[ \t]+")
_LABEL_GAP = re.compile(r"[ \t]*[:=][ \t]*\n?[ \t]*")
_BARE_LABEL_GAP = re.compile(r" (?=[A-ZÀ-ÞĀ-Ž])")  # "Vorname Felix, Nachname Wagner"
_BARE_LABELS = frozenset(
    # labels and roles that may stand right before a name without a colon:
    # "Vorname Felix", "Il dipendente Ricciotti Grassi", "the tenant Jane Roe"
    """
        vorname nachname familienname surname prénom apellido apellidos cognome voornaam
        achternaam nazwisko imię patient patientin patiente paciente paziente pacjent pacjentka
        patiënt employee mitarbeiter mitarbeiterin salarié salariée employé employée empleado
        empleada dipendente werknemer medewerker pracownik pracownica customer cliente klant
        klient klientka kunde kundin tenant locataire inquilino inquilina huurder najemca mieter
        mieterin assicurato assicurata asegurado asegurada assuré assurée ubezpieczony
        ubezpieczona alumno alumna studente studentessa student studentin étudiant étudiante
        leerling uczeń uczennica applicant antragsteller antragstellerin titular titulaire
        titolare intestatario intestataria клиент клиентка пациент пациентка сотрудник сотрудница
        фио заявитель абонент
        """.split()  # noqa: SIM905
)
_PHRASE_GAP = re.compile(r"[ \t]*\n?[ \t]*")
# The word before trailing blanks ("...Dear " -> "Dear"): `([^\W\d_]+)[ \t]+$` matched on the reversed
# text, where it is anchored instead of tried at every position
_PREV_WORD_REVERSED = re.compile(r"\n?[ \t]+([^\W\d_]+)")


_PLACE_WORDS = frozenset(
    """
    santa san santo são saint sainte st ste villa bad port fort mount mont monte lake new north
    south east west nord sud ost west costa puerto porto rio río cabo isla isola villa val los las
    """.split()  # noqa: SIM905
)
# Street types that are not also common surnames: "Cielo Drive" is a street wherever it stands
_STREET_ONLY = frozenset(
    """
    street road avenue lane drive boulevard terrace parkway highway crescent plaza square strasse
    straße allee gasse platz straat laan weg
    """.split()  # noqa: SIM905
)
_STREET_WORDS = frozenset(w.lower() for w in USPS_SUFFIXES) | frozenset(
    """
    st street str road rd avenue ave lane ln drive dr boulevard blvd court ct way place pl square sq
    terrace crescent close parkway highway circle trail row hill gardens grove mews walk keys
    throughway falls heights park plaza point ridge locks glen springs course route straße strasse
    weg gasse allee platz u utca ul ulica al aleja rue via viale calle straat laan apt apartment
    suite unit flat
    """.split()  # noqa: SIM905
)
_STREET_ABBR = frozenset(
    ["st", "rd", "ave", "av", "blvd", "ln", "str", "apt", "ste", "pkwy", "hwy", "sq", "ter", "cres"]
)
_HOUSE_NUMBER_BEFORE = re.compile(r"\d[\w/-]*,? $")
_UNIT_AFTER = re.compile(r"(?i),? (?:apt|apartment|suite|ste|unit|flat)\b|,? \d")
_HONOR_PARTICLES = re.compile(
    r"(?i)\b(?:mevrouw|mevr|meneer|dhr|heer|herr|frau|mr|mrs|ms|dr|prof|madame|monsieur|mme|señora|señor|sra|sr|"
    r"signora|signor|sig|pan|pani)\.? ((?:(?:van|de|der|den|die|ter|ten|von|zu|di|da|del|della|la|le|du) )+)$"
)
# what _HONOR_PARTICLES must end with, checked on the last characters before searching it all
_ENDS_WITH_PARTICLE = re.compile(r"(?i)(?:van|de|der|den|die|ter|ten|von|zu|di|da|del|della|la|le|du) \n?\Z")
_COMPANY_WORDS = frozenset(
    """
    incorporated holdings group bank fund trust partners associates international technologies
    systems solutions services industries capital ventures labs media foundation university
    institute hospital clinic school college company corporation enterprises gmbh ag kg ohg ug ltd
    limited inc llc plc corp corporation co sa sas sarl spa srl bv nv sp zoo group
    """.split()  # noqa: SIM905
)
_WEEKDAYS_MONTHS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december montag dienstag mittwoch donnerstag freitag
    samstag sonntag januar februar märz juni juli oktober dezember lundi mardi mercredi jeudi
    vendredi samedi dimanche janvier février avril mai juin juillet août septembre octobre novembre
    décembre lunes martes miércoles jueves viernes sábado domingo enero febrero marzo mayo junio
    julio agosto septiembre octubre noviembre diciembre lunedì martedì mercoledì giovedì venerdì
    sabato domenica gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre maandag
    dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart mei augustus
    poniedziałek wtorek środa czwartek piątek sobota niedziela
    """.split()  # noqa: SIM905
)
# "Bayes' theorem", "Satz von Bayes", "algoritmo di Dijkstra": surnames used as concept names
_EPONYM_NOUNS = frozenset(
    """
    theorem law rule principle transform transformation distance algorithm test equation method
    estimator disease syndrome effect constant number series conjecture paradox distribution
    inequality formula model satz gesetz regel verteilung
    """.split()  # noqa: SIM905
)
_EPONYM_PREP = re.compile(r"(?i)\b[a-zà-ÿ]\w+\s+(?:von|de|di|van|of|du|del|della|d')\s*$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*)$")
_ENUM = re.compile(
    r"(?<![\w-])([^\W\d_][\w'’-]+(?:,\s[^\W\d_][\w'’-]+)*,?\s(?:and|und|et|y|e|en|i|or|oder|ou|o|of|lub)\s"
    r"[^\W\d_][\w'’-]+)"
)
_NAMING = re.compile(r"(?i)nam|nom|heiß|heis|appel|llam|chiam|heet|nazyw|imię|calls|call me")
_LOWER_WORDS = re.compile(r"[a-zß-öø-ÿą-ž]+(?: [a-zß-öø-ÿą-ž]+){0,2}")
_ENUM_JOIN = re.compile(r" (?:and|und|e[tn]?|y|i|o(?:r|der|u|f)?|lub) (?=[^\W\d_a-zß-ÿ])")  # grouped: faster
_ENUM_ITEM = re.compile(r"[^\W\d_][\w'’-]+")
_ENUM_JOINERS = frozenset(["and", "und", "et", "y", "e", "en", "i", "or", "oder", "ou", "o", "of", "lub"])


def _crc(word: str) -> int:
    return zlib.crc32(word.lower().encode("utf-8"))


class _NameTable:
    """Sorted CRC array with, per name, its word frequency (10 x zipf) and best popularity rank.

    A 4-Mbit bitmap of the hashes answers most "not a name" lookups (German prose asks for every
    noun) without the binary search.
    """

    __slots__ = ("_bits", "_cache", "_hash", "_rank", "_zipf")

    def __init__(self, hashes: array, zipf: array, rank: array) -> None:
        self._hash, self._zipf, self._rank = hashes, zipf, rank
        bits = bytearray(1 << (_BITS - 3))
        for h in hashes:
            b = h & _BIT_MASK
            bits[b >> 3] |= 1 << (b & 7)
        self._bits = bytes(bits)
        # the table never changes and texts reuse their words: answers by word, bounded
        self._cache: dict[str, tuple[int, int] | None] = {}

    def get(self, word: str) -> tuple[int, int] | None:
        """(10 x zipf, rank) of a name, or None."""
        got = self._cache.get(word, _MISSING)
        if got is _MISSING:
            cache = self._cache
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            got = cache[word] = self._lookup(word)
        return got  # type: ignore[return-value]

    def _lookup(self, word: str) -> tuple[int, int] | None:
        h = _crc(word)
        b = h & _BIT_MASK
        if not self._bits[b >> 3] & (1 << (b & 7)):
            return None
        i = bisect_left(self._hash, h)
        if i < len(self._hash) and self._hash[i] == h:
            return self._zipf[i], self._rank[i]
        return None

    def __len__(self) -> int:
        return len(self._hash)


_BITS = 22
_CACHE_SIZE = 20_000  # words per table (about 2 MB at most)
_MISSING = object()
_BIT_MASK = (1 << _BITS) - 1


def _load_tables() -> tuple[dict, _NameTable, _NameTable]:
    """data/names.bin: header line (source, counts) + raw arrays; see data/_build_names.py."""
    ref = resources.files("sovgate.classify").joinpath("data", "names.bin")
    with ref.open("rb") as raw, gzip.open(raw) as fh:
        blob = fh.read()
    nl = blob.index(b"\n")
    header = json.loads(blob[:nl])
    pos = nl + 1
    tables = []
    for kind in ("first", "last"):
        n = header["counts"][kind]
        parts = []
        for code, size in (("I", 4), ("B", 1), ("H", 2)):
            arr = array(code)
            arr.frombytes(blob[pos : pos + n * size])
            pos += n * size
            parts.append(arr)
        tables.append(_NameTable(*parts))
    return header, tables[0], tables[1]


# Frequent words that are also in the name lists (greetings, pronouns, template words)
_ROLE_WORDS = frozenset(
    # roles that precede names: "Pracownik Ada Rembisz", "Mitarbeiterin Anna Bauer"
    """
        applicant chef chefin client cliente colleague collega collègue compañera compañero
        customer dipendente directeur director directora directrice direktor direktorin
        direttore direttrice dyrektor empleada empleado employee employé employée kierownik
        klant klient klientka kollege kollegin kunde kundin landlord manager medewerker
        medewerkster mitarbeiter mitarbeiterin paciente pacjent pacjentka patiente patientin
        patiënt paziente pracownica pracownik salarié salariée tenant werknemer
        """.split()  # noqa: SIM905
)
# Imperatives that open prompts ("Bel Fatima terug", "Schreib Anna", "Call Daniel")
_IMPERATIVES = frozenset(
    """
    call send write email mail text ask tell contact invite remind thank forward reply answer draft
    ruf rufe schreib schreibe sende schick schicke frag frage erinnere antworte kontaktiere appelle
    écris envoie demande rappelle réponds contacte remercie llama escribe envía envia pregunta
    recuerda responde contacta chiama scrivi invia manda chiedi ricorda rispondi contatta bel stuur
    schrijf mail vraag herinner antwoord zadzwoń napisz wyślij zapytaj przypomnij odpowiedz
    """.split()  # noqa: SIM905
)
# a few Russian function words that the name lists also contain
_RU_WORDS = frozenset(
    [
        "его",
        "её",
        "ее",
        "она",
        "он",
        "они",
        "мы",
        "вы",
        "это",
        "этот",
        "эта",
        "как",
        "что",
        "где",
        "когда",
        "клиент",
        "пациент",
    ]
)
_GREETINGS = frozenset(
    """
    hoi hey moin servus salut cześć czesc dag goedemorgen buongiorno buenos bonsoir witaj guten
    morgen tag
    """.split()  # noqa: SIM905
)
_NOT_NAMES = (
    _ROLE_WORDS
    | _IMPERATIVES
    | _GREETINGS
    | _RU_WORDS
    | frozenset(
        """
            hi hello dear thanks thank please hallo liebe lieber bonjour salut cher chère
            hola estimado estimada ciao gentile caro cara beste geachte witam dzień szanowny
            szanowna server admin support team bank card account customer patient user name
            date address email phone number street city country mail order invoice service
            ticket note the this that these those there then they their our your my his her
            its we you it he she project projekt projet proyecto progetto programme program
            programm operation
            """.split()  # noqa: SIM905
    )
)


def _is_model(text: str, toks: list[tuple[int, int, str]], i: int, j: int) -> bool:
    """Whether the capitalised run toks[i:j] names an AI model or its maker, not a person: all its
    words are model words, one of them a family ("Gemini Pro", "Aleph Alpha Luminous"), and a
    family that is also a first name stands next to another model word or a version."""
    low = [toks[k][2].rstrip(".").lower() for k in range(i, j)]
    if _MODEL_FAMILIES.isdisjoint(low) or not all(w in _MODEL_WORDS for w in low):
        return False
    return j - i > 1 or low[0] not in _FIRST_NAME_MODELS or _VERSION_AFTER.match(text, toks[i][1]) is not None


def _place_words() -> frozenset[str]:
    """Country names in our languages (data/place_words.txt): never a lone name."""
    ref = resources.files("sovgate.classify").joinpath("data", "place_words.txt")
    lines = ref.read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


# AI models and their makers. Prompts sent through an AI gateway name them all the time ("ask Gemini",
# "Claude Sonnet", "Mistral Large", "Falcon 180B"), and the name lists hold several as people.
_MODEL_FAMILIES = frozenset(
    """
    claude gemini gemma mistral mixtral codestral ministral magistral devstral pixtral llama qwen
    ernie hunyuan falcon jais teuken luminous pharia grok copilot deepseek baichuan doubao chatglm
    """.split()  # noqa: SIM905
)
# the words that follow or precede a family in a model's or maker's name
_MODEL_WORDS = _MODEL_FAMILIES | frozenset(
    """
    sonnet opus haiku instant pro ultra flash nano large medium small mini turbo instruct chat coder
    vision bot max plus lite aleph alpha command nemo saba guard code thinking reasoner
    """.split()  # noqa: SIM905
)
# families that are also common first names: a model only next to another model word or before a
# version ("Claude Sonnet", "Gemma 2", "Claude-3"); alone, a person ("Claude a appelé")
_FIRST_NAME_MODELS = frozenset({"claude", "gemma", "ernie"})
_VERSION_AFTER = re.compile(r"[ -]?v?\d")


# Nationalities, languages and product names that name lists (built from social-network
# profiles) contain but that are not people when they stand alone.
_NOT_LONE_NAMES = frozenset(
    """
    american british english french german italian spanish dutch polish hungarian finnish swedish
    norwegian danish russian chinese japanese korean indian brazilian mexican canadian australian
    irish scottish welsh portuguese greek turkish austrian swiss belgian czech slovak slovenian
    croatian serbian romanian bulgarian ukrainian estonian latvian lithuanian icelandic egyptian
    israeli iranian iraqi saudi emirati nigerian kenyan african european asian arab arabic thai
    vietnamese indonesian filipino malaysian argentine argentinian chilean colombian peruvian
    venezuelan cuban scandinavian latin catalan basque flemish excel word outlook windows linux
    python java google microsoft apple amazon teams zoom slack github docker kubernetes oracle
    android iphone facebook instagram twitter linkedin youtube chatgpt openai azure christmas easter
    ramadan
    """.split()  # noqa: SIM905
) | (_MODEL_FAMILIES - _FIRST_NAME_MODELS)


class NameFinder:
    def __init__(self) -> None:
        self.source, self.first, self.last = _load_tables()
        self._not_lone = _NOT_LONE_NAMES | _place_words()
        # _flags and _word are pure functions of the word: memos across texts, bounded
        self._memo: dict[str, tuple[bool, ...]] = {}
        self._words: dict[str, tuple[str, bool]] = {}

    def _word(self, w: str) -> tuple[str, bool]:
        """(w without a trailing dot and possessive 's, lower case; whether it alone is no name)."""
        got = self._words.get(w)
        if got is None:
            if len(self._words) >= _CACHE_SIZE:
                self._words.clear()
            core = w.rstrip(".")
            key = core[:-2] if core.endswith(("'s", "’s")) else core
            f = self.first.get(key)
            got = self._words[w] = (key.lower(), f is None or f[0] >= 50 or core.lower() in self._not_lone)
        return got

    def _popular_first(self, w: str) -> bool:
        """Among the 200 most given first names somewhere ("Pierre", "Georgia", "Florence")."""
        f = self.first.get(w)
        return f is not None and f[1] <= 200

    def _lone_ok(self, w: str) -> bool:
        """A single capitalised word alone is a name only if it is clearly a first name."""
        if w.lower() in self._not_lone:
            return False
        f = self.first.get(w)
        return f is not None and (f[0] < 38 or (f[1] <= 150 and f[0] < 50))

    def _flags(self, w: str, memo: dict[str, tuple[bool, ...]] | None = None) -> tuple[bool, ...]:
        """(strong first, any first, strong last, any last, particle) for one token."""
        if memo is not None:
            got = memo.get(w)
            if got is None:
                got = memo[w] = self._flags(w)
            return got
        low = w.lower()
        if low in _NOT_NAMES:
            return (False, False, False, False, False)
        parts = w.split("-")
        f = self.first.get(w) or (self.first.get(parts[0]) if len(parts) > 1 else None)
        la = self.last.get(w) or (self.last.get(parts[-1]) if len(parts) > 1 else None)
        strong_first = _strong_first(f)
        strong_last = la is not None and (la[0] < 40 or (la[1] <= 100 and la[0] < 50))
        # mostly a first name: popular as one, and not clearly more popular as a surname
        mostly_first = strong_first and (la is None or f is None or f[1] <= la[1] * 3)
        return (
            strong_first,
            f is not None and (f[0] < 55 or (f[1] <= 50 and f[0] < 62)),  # "Jean": rank 4 in FR
            strong_last and not mostly_first,
            la is not None and la[0] < 55,
            low in _PARTICLES,
        )

    def hits(self, text: str, lang: str | None, cues: Cues) -> Iterator[Hit]:
        starts: set[int] = set()
        label_starts: set[int] = set()
        for h in cues.all("name_label"):
            g = _LABEL_GAP.match(text, h.end)
            if g is None and text[h.start : h.end].lower() in _BARE_LABELS:
                g = _BARE_LABEL_GAP.match(text, h.end)
            if g is not None:
                starts.add(g.end())
                label_starts.add(g.end())
        named: set[int] = set()  # starts after an explicit "name" cue: lower-case names count there
        for h in cues.all("name_phrase"):
            g = _PHRASE_GAP.match(text, h.end)
            if g is not None:
                starts.add(g.end())
                if _NAMING.search(text, h.start, h.end):
                    named.add(g.end())
        honored: set[int] = set()  # positions right after an honorific ("pan ", "Frau ", "Mr. ")
        for h in cues.all("honor"):
            g = _HONOR_GAP.match(text, h.end)
            if g is not None:
                honored.add(g.end())
        toks = cap_tokens(text)
        found: list[Hit] = []
        memo = self._memo
        if len(memo) >= _CACHE_SIZE:
            memo.clear()
        n = len(toks)
        first = self.first
        words = self._words
        i = 0
        while i < n:
            # a run of capitalised tokens separated by a space, a hyphen or name particles ("van der")
            j = i + 1
            while j < n and j - i < 6:
                _, pe, pw = toks[j - 1]
                ns = toks[j][0]
                if ns - pe != 1 or (text[pe] != " " and text[pe] != "-"):
                    # particles join only after a first name: "Liv van den Wittenboer", not "Kaution von X"
                    # (a particle gap starts and ends with a blank: most gaps fail that already)
                    if ns - pe > 16 or text[ns - 1] != " " or not _PARTICLE_GAP.fullmatch(text, pe, ns):
                        break
                    if not (_strong_first(first.get(pw)) or toks[i][0] in starts or toks[i][0] in honored):
                        break
                if pw[-1] == "." and not (_is_initial(pw) or pw[:-1].lower() in _HONORIFICS):
                    break
                j += 1
            s0, _, w0 = toks[i]
            low0, not_lone = words.get(w0) or self._word(w0)
            # fast path for lone capitalised words (most of them in German prose): only a
            # popular first name, an honorific in front or a cue can make them a name
            if j == i + 1 and s0 not in starts and not_lone and s0 not in honored:
                i = j
                continue
            if low0 in _MODEL_WORDS and _is_model(text, toks, i, j):
                i = j
                continue
            nxt = _NEXT_WORD.match(text, toks[j - 1][1])
            after = nxt.group(1) if nxt else ""
            for hit in self._judge(text, toks, list(range(i, j)), after, starts, memo):
                found.append(hit)
                yield hit
            i = j
        yield from self._enumerations(text, memo)
        yield from self._lowercase_after_cue(text, label_starts | named, memo)
        if found:
            yield from _repeats(text, toks, found, self._word, words, cues.low)

    def _lowercase_after_cue(
        self, text: str, starts: set[int], memo: dict[str, tuple[bool, ...]]
    ) -> Iterator[Hit]:
        """ "my name is anna schmidt": lower-case words right after a name cue, if the lists know them."""
        for pos in starts:
            m = _LOWER_WORDS.match(text, pos)
            if m is None:
                continue
            words = m.group().split()
            take = 0
            for i, w in enumerate(words[:3]):
                f = self._flags(w.capitalize(), memo)
                if w in _NOT_NAMES or not (f[1] or f[3]) or (i == 0 and not f[1]):
                    break
                take = i + 1
            if take >= 1:
                end = pos + len(" ".join(words[:take]))
                yield Hit("PERSON", pos, end, 0.6, None, "name")

    def _enumerations(self, text: str, memo: dict[str, tuple[bool, ...]]) -> Iterator[Hit]:
        """ "Koertig, Wright and Hudson": a list of capitalised words, most of them names."""
        last_end = -1
        for j in _ENUM_JOIN.finditer(text):
            # anchor on the joiner ("and", "und", ...) followed by a capitalised word, then look back
            if j.start() < last_end:
                continue
            left = text[max(0, j.start() - 40) : j.start()]
            words_left = left.rsplit(None, 2)
            prev = words_left[-1].rstrip(",") if words_left else ""
            if not prev[:1].isupper():
                continue
            if len(words_left) < 2 or not words_left[-2].endswith(","):
                # a pair "X and Y" (no list before it): both must clearly be names; cheap check first
                nxt = _NEXT_WORD.match(text, j.end() - 1)
                f1, f2 = self._flags(prev, memo), self._flags(nxt.group(1) if nxt else "", memo)
                if not ((f1[0] or f1[2]) and (f2[0] or f2[2])):
                    continue
            m = next(
                (
                    x
                    for x in _ENUM.finditer(text, max(0, j.start() - 200), j.end() + 40)
                    if x.end(1) > j.start()
                ),
                None,
            )
            if m is None or m.start(1) > j.start():
                continue
            last_end = m.end(1)
            items = [x for x in _ENUM_ITEM.finditer(m.group(1)) if x.group().lower() not in _ENUM_JOINERS]
            if any(not x.group()[0].isupper() for x in items):
                continue
            words = [x.group() for x in items]
            if any(w.lower() in _NOT_NAMES or w.lower() in self._not_lone or w.isupper() for w in words):
                continue
            flags = [self._flags(w, memo) for w in words]
            known = sum(1 for f in flags if any(f[:4]))
            strong = sum(1 for f in flags if f[0] or f[2])
            # "Koertig, Wright and Hudson": two thirds known; a pair "Lindholm and Okafor": both clearly names
            if (len(words) >= 3 and known * 3 >= len(words) * 2) or (len(words) == 2 and strong == 2):
                base = m.start(1)
                for x in items:
                    yield Hit("PERSON", base + x.start(), base + x.end(), 0.7, None, "name")

    def _judge(
        self,
        text: str,
        toks: list[tuple[int, int, str]],
        run: list[int],
        after: str,
        starts: set[int],
        memo: dict[str, tuple[bool, ...]],
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
        run_start = toks[run[0]][0]
        addressy = _HOUSE_NUMBER_BEFORE.search(text, max(0, run_start - 8), run_start) is not None or (
            _UNIT_AFTER.match(text, toks[run[-1]][1]) is not None
        )
        for idx, w in enumerate(clean):
            low = w.lower()
            street = low in _STREET_WORDS and idx > 0 and (addressy or low in _STREET_ABBR)
            month = low in _WEEKDAYS_MONTHS and not (
                # "Julio César Alegria", "April Jones": a month that opens a name
                idx == 0 and len(clean) > 1 and any(self._flags(clean[1], memo)[:4])
            )
            if month or low in _COMPANY_WORDS or street:
                if street or low in _COMPANY_WORDS:
                    return  # "12 Poppy Springs", "Poppy Springs St", "Hans Müller GmbH": not a person
                run, words, clean = run[:idx], words[:idx], clean[:idx]
                break
        nxt = after.rstrip(".").lower()
        if not run or nxt in _COMPANY_WORDS or nxt in _STREET_ABBR or (addressy and nxt in _STREET_WORDS):
            return
        flags = [self._flags(w, memo) for w in clean]
        start = toks[run[0]][0]
        before = text[max(0, start - 50) : start]
        strong = honor or start in starts or _honorific_before(before)
        lead = 0  # "Mevrouw de Grunt": particles between the honorific and the name belong to it
        hp = (
            _HONOR_PARTICLES.search(before)
            if _ENDS_WITH_PARTICLE.search(before, max(0, len(before) - 8))
            else None
        )
        if hp is not None:
            strong, lead = True, len(hp.group(1))
        if not strong and clean[0].lower() in _PLACE_WORDS:
            return  # "Los Angeles", "San Marino", "Port Talbot"
        if not strong and len(clean) > 1 and clean[-1].lower() in _STREET_ONLY:
            return  # "Cielo Drive"
        # leading capitalised words that are not (unambiguous) names: "Hello", "Dear", "Mein"
        while not strong and len(clean) > 1 and not _is_initial(clean[1]):
            low0 = clean[0].lower()
            if low0.rstrip(".") in _HONORIFICS:
                honor = True
            elif not (
                low0 in _NOT_NAMES
                or flags[0][4]
                or (not any(flags[0][:4]) and any(f[0] or f[2] for f in flags[1:]))
                or (
                    flags[0][1]
                    and not flags[0][0]
                    and not (flags[1][1] or flags[1][3])
                    and not _weak_before(before)  # "di Maria Filzi": the preposition vouches for it
                )
                or (clean[0].endswith(("'m", "’m")))
            ):
                break
            run, words, clean, flags = run[1:], words[1:], clean[1:], flags[1:]
            start = toks[run[0]][0]
            before = text[max(0, start - 50) : start]
            strong = honor or start in starts
        while len(clean) > 1 and clean[0].rstrip(".").lower() in _HONORIFICS:
            honor = strong = True  # "Kunde Herr Yilmaz": the label led to the honorific
            run, words, clean, flags = run[1:], words[1:], clean[1:], flags[1:]
            start = toks[run[0]][0]
            before = text[max(0, start - 50) : start]
        weak = _weak_before(before)
        if clean[0].lower() in _PLACE_WORDS and not strong:
            return
        if (
            not strong
            and not flags[0][0]
            and clean[0].lower() in self._not_lone
            and not self._popular_first(clean[0])
        ):
            return  # "America Incorporated", "Hungary Sales": a country or product first
        if not strong and any(w.isupper() and len(w) > 1 and not _is_initial(w) for w in clean):
            return  # acronyms and upper-case place names
        k = len(clean)
        f0 = flags[0]
        any0 = f0[1] or f0[2] or f0[3]
        take, score = 0, 0.0
        if strong and clean[0].lower() in _NOT_NAMES:
            return  # "User: ...", "Customer: ..." are roles, not names
        if strong:
            take, score = min(k, 5), 0.85 if any0 or k > 1 else 0.75
        elif k >= 2:
            f1 = flags[1]
            any1 = f1[1] or f1[2] or f1[3] or f1[4] or _is_initial(clean[1])
            if (f0[0] and (any1 or not _is_common_shape(clean[1]))) or (f0[1] and (f1[2] or f1[3])):
                take, score = k, 0.85
            elif weak and f0[1] and (any1 or not _is_common_shape(clean[1])):
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
            ) or (f0[2] and f1[2]):
                take, score = k, 0.6
        elif (
            f0[0]
            and self._lone_ok(clean[0])
            and "-" not in clean[0]
            and after.lower() not in _EPONYM_NOUNS
            and not _EPONYM_PREP.search(before)
            and not text.startswith("'", toks[run[0]][1])
        ):
            take, score = 1, 0.6 if weak else 0.55
        if take == 0:
            return
        s = toks[run[0]][0] - lead
        e = toks[run[take - 1]][0] + len(clean[take - 1])
        yield Hit("PERSON", s, e, score, None, "name")


def _repeats(
    text: str,
    toks: list[tuple[int, int, str]],
    found: list[Hit],
    word: Callable[[str], tuple[str, bool]],
    known: dict[str, tuple[str, bool]],
    low: str,
) -> Iterator[Hit]:
    """Once "Martino Padovesi" is a name, a lone "Martino" elsewhere in the text is too.

    `low` is the text lower-cased, same length."""
    parts: set[str] = set()
    for h in found:
        for w in text[h.start : h.end].split():
            w = w.rstrip(".,")
            if len(w) >= 3 and w.lower() not in _NOT_NAMES and not _is_initial(w):
                parts.add(w.lower())  # "Anna Becker" ... "ANNA BECKER"
    spans = sorted((h.start, h.end) for h in found)
    k = 0
    for s, _, w in _tokens_starting_with(toks, parts, low):  # in text order, as the spans
        if (known.get(w) or word(w))[0] not in parts:  # (w without dot and 's, lower case)
            continue
        while k < len(spans) and spans[k][1] <= s:
            k += 1
        if k < len(spans) and spans[k][0] <= s:
            continue  # already part of a name
        core = w.rstrip(".")
        core = core[:-2] if core.endswith(("'s", "’s")) else core
        if core[1:].islower() or core.isupper():
            yield Hit("PERSON", s, s + len(core), 0.7, None, "name")


def _tokens_starting_with(
    toks: list[tuple[int, int, str]], parts: set[str], low: str
) -> list[tuple[int, int, str]]:
    """The tokens whose lower-case text starts with one of `parts` (a superset of those whose key
    is one), found with str.find instead of a pass over every token. Every part comes from the
    text; one that `low` cannot show (its lower case is longer: "İ") sends back all tokens."""
    at = {t[0]: t for t in toks}
    hits: set[int] = set()
    for p in parts:
        i = low.find(p)
        if i == -1:
            return toks
        while i != -1:
            if i in at:
                hits.add(i)
            i = low.find(p, i + 1)
    return [at[i] for i in sorted(hits)]


def _strong_first(f: tuple[int, int] | None) -> bool:
    """Popular enough as a first name, and not mainly an ordinary word (f = (10 x zipf, rank))."""
    return f is not None and ((f[0] < 42 and f[1] <= _RARE_RANK) or (f[1] <= 500 and f[0] < 50))


_RARE_RANK = 5000


def _is_initial(w: str) -> bool:
    return (len(w) == 2 and w[1] == "." and w[0].isupper()) or (len(w) == 1 and w.isupper())


def _weak_before(before: str) -> bool:
    pw = _PREV_WORD_REVERSED.match(before[::-1])
    return pw is not None and pw.group(1)[::-1].lower() in _WEAK_WORDS


def _honorific_before(before: str) -> bool:
    tail = before.rstrip().rsplit(None, 1)
    return bool(tail) and tail[-1].rstrip(".").lower() in _HONORIFICS


def _is_common_shape(w: str) -> bool:
    """Upper-case acronyms and very short tokens are rarely surnames."""
    return (w.isupper() and len(w) > 1) or len(w) < 2
