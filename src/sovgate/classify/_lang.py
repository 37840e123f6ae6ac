"""Tiny language identification for the languages we route (function-word voting).

Good enough to pick cue lists and the default phone/ID country; every detector
also runs language-independent rules, so a wrong guess costs little.
"""

from __future__ import annotations

import re

from sovgate.classify import _latin1

_WORDS: dict[str, str] = {
    "en": "the and is are was were of to in for on with my your you this that have has it be not please "
    "can could would what how who me i we our from at by an or do does did will",
    "de": "der die das und ist sind ein eine einen mit für nicht ich mein meine mich mir bitte sie wir "
    "auf dem den des zu von im bei ihr wurde seit nach wie auch noch kann hat",
    "fr": "le la les et est sont un une des du de pour avec pas je mon ma mes moi vous nous sur dans au aux "
    "ce cette qui que merci il elle ne",
    "es": "el la los las y es son un una del de para con no yo mi mis por favor en al que se su lo como "
    "está gracias muy",
    "it": "il lo la gli le e è sono un una del della di per con non io mio mia mi grazie nel al che si "
    "come sua suo ho",
    "nl": "de het een en is zijn van voor met niet ik mijn mij u jullie op in aan dat die bij wij ook "
    "naar kan heb",
    "pl": "i w z na do nie jest są się to że mój moja mnie proszę od dla po jak czy mam jestem przez "
    "ten ta dziękuję",
    "pt": "o a os as e é são um uma do da de para com não eu meu minha por favor em que se obrigado",
}
_INDEX: dict[str, tuple[str, ...]] = {}
for _lang, _ws in _WORDS.items():
    for _w in _ws.split():
        _INDEX[_w] = (*_INDEX.get(_w, ()), _lang)

# Letters that point to a language (counted together, one pass), then Dutch "ij" words.
_LETTERS: tuple[tuple[str, str], ...] = (
    ("de", "äöüß"),
    ("pl", "ąćęłńśźż"),
    ("fr", "éèêàçùœ"),
    ("es", "ñ¿¡áíóú"),
    ("it", "àèìòù"),
)
_LETTER_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _letters in _LETTERS:
    for _c in _letters:
        _LETTER_LANGS[_c] = (*_LETTER_LANGS.get(_c, ()), _lang)
_ANY_LETTER = re.compile("[" + "".join(letters for _, letters in _LETTERS) + "]")
_NL = re.compile(r"\b(?:ij|ij\w+)\b|\w+ij\w*")
_TOKEN = re.compile(r"[^\W\d_]+")
# The same tokens in Latin-1 text, as a positive class (about twice as fast as the negated one)
# beyond Latin-1, apart from punctuation and currency signs (no word characters: the same tokens)
_BEYOND_LATIN1 = re.compile("[^\x00-\xff\u2000-\u206f\u20a0-\u20c0]")
_TOKEN_LATIN1 = re.compile("[A-Za-z\xaa\xb2\xb3\xb5\xb9\xba\xbc-\xbe\xc0-\xd6\xd8-\xf6\xf8-\xff]+")
# Scripts that identify the language (or its family) on their own.
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile("[\u3040-\u30ff]")),  # kana
    ("ko", re.compile("[\uac00-\ud7af]")),  # hangul
    ("zh", re.compile("[\u4e00-\u9fff]")),  # CJK ideographs
    ("ar", re.compile("[\u0600-\u06ff]")),
    ("ru", re.compile("[\u0400-\u04ff]")),
    ("el", re.compile("[\u0370-\u03ff]")),
)

_ANY_SCRIPT = re.compile("[" + "".join(rx.pattern.strip("[]") for _, rx in _SCRIPTS) + "]")

SAMPLE_CHARS = 600  # the guess reads no further
_UNIT = 840  # divisible by every count of languages one word can belong to (1 to 8)

# The scores of all languages add up as one integer: language i holds bits [32 i, 32 i + 32).
# A word adds its weight to each of its languages' fields, so the sum over a text's function
# words (in C: sum(map(...))) carries every language's score; no field can overflow into the
# next (600 characters hold at most 300 words of weight <= _UNIT).
_LANGS: tuple[str, ...] = tuple(_WORDS)
_SHIFTS = tuple(range(0, 32 * len(_LANGS), 32))
_MASK = (1 << 32) - 1
_AT = {lang: i for i, lang in enumerate(_LANGS)}
_PACKED: dict[str, int] = {
    w: sum((_UNIT // len(langs)) << (32 * _AT[lang]) for lang in langs) for w, langs in _INDEX.items()
}
# the same, keyed by the word's Latin-1 bytes (the tokens of the bytes path below)
_PACKED_B: dict[bytes, int] = {w.encode("latin-1"): v for w, v in _PACKED.items() if max(w) <= "\xff"}
# one count per letter language, packed alike
_LETTER_PACKED: dict[str, int] = {
    c: sum(1 << (32 * _AT[lang]) for lang in ls) for c, ls in _LETTER_LANGS.items()
}
# Latin-1 bytes of _TOKEN_LATIN1's class kept, every other byte a space: bytes.split() then
# gives the class's runs, i.e. the same tokens as its findall.
_TOKEN_BYTES = bytes(i if _TOKEN_LATIN1.fullmatch(chr(i)) else 0x20 for i in range(256))


# Latin-1 text goes through as bytes: lower-cased by a table (str.lower() looks up each non-ASCII
# character's case mapping, ~50 instructions a character), holding none of the script characters
# and nothing beyond Latin-1 by construction, its letter-language letters counted from the bytes
# that are left once every other byte is deleted.
_NOT_LETTER_BYTES = bytes(i for i in range(256) if chr(i) not in _LETTER_PACKED)
_LETTER_PACKED_B: dict[int, int] = {ord(c): v for c, v in _LETTER_PACKED.items() if c <= "\xff"}


def detect_language(text: str, default: str = "en") -> str:
    head = text[:SAMPLE_CHARS]
    if head.isascii():  # no letter-language letters
        low, letters = head.lower().encode("ascii"), 0
    else:
        try:
            low = head.encode("latin-1").translate(_latin1.LOWER)
        except UnicodeEncodeError:
            if _BEYOND_LATIN1.search(head) is not None:
                return _guess(head.lower(), default)
            # beyond Latin-1 only punctuation and currency signs, which have no case and are
            # neither tokens nor letters: as "?" they change nothing
            low = head.encode("latin-1", "replace").translate(_latin1.LOWER)
        letters = sum(map(_LETTER_PACKED_B.__getitem__, low.translate(None, _NOT_LETTER_BYTES)))
    words: list[bytes] = list(filter(_PACKED_B.__contains__, low.translate(_TOKEN_BYTES).split()))
    nl = _dutch_ij(low.decode("latin-1")) if b"ij" in low else 0
    return _decide(sum(map(_PACKED_B.__getitem__, words)), words, letters, nl, default)


def _guess(sample: str, default: str) -> str:
    """detect_language of a lower-cased sample with characters beyond Latin-1."""
    if _ANY_SCRIPT.search(sample) is not None:
        for lang, rx in _SCRIPTS:
            if len(rx.findall(sample)) >= 3:
                return lang
    # Scores in units of 1/_UNIT: a function word shared by k languages gives each _UNIT // k.
    if _BEYOND_LATIN1.search(sample) is None:
        # beyond Latin-1 only punctuation and currency signs: they become "?", no token changes
        tokens_b = sample.encode("latin-1", "replace").translate(_TOKEN_BYTES).split()
        words_b = list(filter(_PACKED_B.__contains__, tokens_b))
        packed = sum(map(_PACKED_B.__getitem__, words_b))
        words: list[str] | list[bytes] = words_b
    else:
        words_s: list[str] = list(filter(_PACKED.__contains__, _TOKEN.findall(sample)))
        packed = sum(map(_PACKED.__getitem__, words_s))
        words = words_s
    found = _ANY_LETTER.findall(sample)
    letters = sum(map(_LETTER_PACKED.__getitem__, found)) if found else 0
    return _decide(packed, words, letters, _dutch_ij(sample) if "ij" in sample else 0, default)


def _dutch_ij(sample: str) -> int:
    """Dutch "ij" words (the pattern backtracks through every word: called only where "ij" is)."""
    return len(_NL.findall(sample))


def _decide(packed: int, words: list[str] | list[bytes], letters: int, nl: int, default: str) -> str:
    """The language with the best score: function words (`packed`), letters, Dutch "ij" words."""
    scores = [(packed >> shift) & _MASK for shift in _SHIFTS]
    if letters:
        for lang, _ in _LETTERS:
            n = (letters >> (32 * _AT[lang])) & _MASK
            if n:
                scores[_AT[lang]] += min(n, 5) * _UNIT // 2
    if nl:
        scores[_AT["nl"]] += min(nl, 5) * _UNIT // 2
    best = max(scores)
    if best == 0:
        return default
    if scores.count(best) == 1:
        return _LANGS[scores.index(best)]
    return _first_scored({_LANGS[i] for i, v in enumerate(scores) if v == best}, words, letters, nl)


def _first_scored(tied: set[str], words: list[str] | list[bytes], letters: int, nl: int) -> str:
    """The tied language that got its first point earliest: function words in text order (a
    word's languages in _WORDS order), then letters in _LETTERS order, then the Dutch "ij"."""
    for w in words:
        for lang in _INDEX[w.decode("latin-1") if isinstance(w, bytes) else w]:
            if lang in tied:
                return lang
    for lang, _ in _LETTERS:
        if lang in tied and (letters >> (32 * _AT[lang])) & _MASK:
            return lang
    assert nl and "nl" in tied
    return "nl"
