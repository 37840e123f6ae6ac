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
