"""Tiny language identification for the languages we route (function-word voting).

Good enough to pick cue lists and the default phone/ID country; every detector
also runs language-independent rules, so a wrong guess costs little.
"""

from __future__ import annotations

import re
from collections import Counter

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


def detect_language(text: str, default: str = "en") -> str:
    sample = text[:SAMPLE_CHARS].lower()
    ascii_only = sample.isascii()
    if not ascii_only and _ANY_SCRIPT.search(sample) is not None:
        for lang, rx in _SCRIPTS:
            if len(rx.findall(sample)) >= 3:
                return lang
    # Scores in units of 1/_UNIT: a function word shared by k languages gives each _UNIT // k.
    # Integers add up the same in any order, so the words are counted first (in C), then scored.
    scores: dict[str, int] = {}
    latin1 = ascii_only or _BEYOND_LATIN1.search(sample) is None
    tokens = (_TOKEN_LATIN1 if latin1 else _TOKEN).findall(sample)
    for tok, count in Counter(filter(_INDEX.__contains__, tokens)).items():
        langs = _INDEX[tok]
        w = count * (_UNIT // len(langs))
        for lang in langs:
            scores[lang] = scores.get(lang, 0) + w
    if not ascii_only:
        found = _ANY_LETTER.findall(sample)
        if found:
            per_lang: dict[str, int] = {}
            for c, count in Counter(found).items():
                for lang in _LETTER_LANGS[c]:
                    per_lang[lang] = per_lang.get(lang, 0) + count
            for lang, _ in _LETTERS:  # in _LETTERS order, as the ties were always broken
                if lang in per_lang:
                    scores[lang] = scores.get(lang, 0) + min(per_lang[lang], 5) * _UNIT // 2
    if "ij" in sample:  # the Dutch pattern backtracks through every word: only where it can match
        n = len(_NL.findall(sample))
        if n:
            scores["nl"] = scores.get("nl", 0) + min(n, 5) * _UNIT // 2
    if not scores:
        return default
    return max(scores.items(), key=lambda kv: kv[1])[0]
