"""The language guess: its Latin-1 tokenizer splits exactly as the general one where it is used."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.classify import _lang
from sovgate.classify._lang import detect_language

ALPHABET = st.one_of(
    st.characters(max_codepoint=0xFF),
    st.sampled_from("’‘“”–—…•€‰′\u2009\u202f_0123456789"),
    st.sampled_from("жЖπ中ā"),  # beyond Latin-1: the general tokenizer takes over
)


@settings(max_examples=1000)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_latin1_tokens_equal_the_general_ones_wherever_they_are_used(text: str) -> None:
    if _lang._BEYOND_LATIN1.search(text) is None:
        assert _lang._TOKEN_LATIN1.findall(text) == _lang._TOKEN.findall(text)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Could you please check my order? I’m still waiting – thanks!", "en"),
        ("Können Sie bitte meine Bestellung prüfen? Ich warte noch – danke.", "de"),
        ("Pourriez-vous vérifier ma commande ? J’attends toujours « merci ».", "fr"),
        ("¿Podría revisar mi pedido, por favor? Sigo esperando – gracias.", "es"),
        ("Potrebbe controllare il mio ordine? Sto ancora aspettando, grazie.", "it"),
        ("Kunt u mijn bestelling controleren? Ik wacht nog steeds op een antwoord.", "nl"),
        ("Czy mogą Państwo sprawdzić moje zamówienie? Nadal czekam, dziękuję.", "pl"),
        ("Пожалуйста, проверьте мой заказ, я всё ещё жду.", "ru"),
    ],
)
def test_guesses(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def _reference_guess(text: str, default: str = "en") -> str:
    """The guess as first written: a dict of scores filled word by word (ties: first scored)."""
    from collections import Counter

    sample = text[: _lang.SAMPLE_CHARS].lower()
    if _lang._ANY_SCRIPT.search(sample) is not None:
        for lang, rx in _lang._SCRIPTS:
            if len(rx.findall(sample)) >= 3:
                return lang
    scores: dict[str, int] = {}
    for tok, count in Counter(t for t in _lang._TOKEN.findall(sample) if t in _lang._INDEX).items():
        langs = _lang._INDEX[tok]
        for lang in langs:
            scores[lang] = scores.get(lang, 0) + count * (_lang._UNIT // len(langs))
    per_lang: dict[str, int] = {}
    for c in _lang._ANY_LETTER.findall(sample):
        for lang in _lang._LETTER_LANGS[c]:
            per_lang[lang] = per_lang.get(lang, 0) + 1
    for lang, _ in _lang._LETTERS:
        if lang in per_lang:
            scores[lang] = scores.get(lang, 0) + min(per_lang[lang], 5) * _lang._UNIT // 2
    n = len(_lang._NL.findall(sample))
    if n:
        scores["nl"] = scores.get("nl", 0) + min(n, 5) * _lang._UNIT // 2
    if not scores:
        return default
    return max(scores.items(), key=lambda kv: kv[1])[0]


_PIECES = st.one_of(
    st.sampled_from(sorted(_lang._INDEX)),  # function words, many shared by several languages
    st.sampled_from(["Bestellung", "commande", "pedido", "ordine", "Rijksweg", "zamówienie", "order"]),
    st.text(alphabet=ALPHABET, max_size=4),
)


@settings(max_examples=2000)
@given(
    st.lists(_PIECES, max_size=40),
    st.lists(st.sampled_from([" ", " ", ", ", ". ", "\n", "–", "’", "-", ""]), min_size=40, max_size=40),
)
def test_packed_scores_guess_as_the_reference(pieces: list[str], seps: list[str]) -> None:
    # many ties: a few words shared by several languages ("de", "la", "in", "e")
    text = "".join(p + s for p, s in zip(pieces, seps, strict=False))
    for t in (text, text.upper(), text * 20):
        assert detect_language(t) == _reference_guess(t), t
