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
_ANY_LETTER = re.compile("[" + "".join(letters for _, letters in _LETTERS) + "]")
_NL = re.compile(r"\b(?:ij|ij\w+)\b|\w+ij\w*")
_TOKEN = re.compile(r"[^\W\d_]+")
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


def detect_language(text: str, default: str = "en") -> str:
    sample = text[:SAMPLE_CHARS].lower()
    ascii_only = sample.isascii()
    if not ascii_only and _ANY_SCRIPT.search(sample) is not None:
        for lang, rx in _SCRIPTS:
            if len(rx.findall(sample)) >= 3:
                return lang
    scores: dict[str, float] = {}
    for tok in _TOKEN.findall(sample):
        langs = _INDEX.get(tok)
        if langs:
            w = 1.0 / len(langs)
            for lang in langs:
                scores[lang] = scores.get(lang, 0.0) + w
    if not ascii_only:
        found = _ANY_LETTER.findall(sample)
        if found:
            counts = Counter(found)
            for lang, letters in _LETTERS:
                n = sum(counts[c] for c in letters)
                if n:
                    scores[lang] = scores.get(lang, 0.0) + min(n, 5) * 0.5
    if "ij" in sample:  # the Dutch pattern backtracks through every word: only where it can match
        n = len(_NL.findall(sample))
        if n:
            scores["nl"] = scores.get("nl", 0.0) + min(n, 5) * 0.5
    if not scores:
        return default
    return max(scores.items(), key=lambda kv: kv[1])[0]
