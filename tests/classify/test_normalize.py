"""Normalization against evasion keeps an exact offset map back to the original text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.classify import _normalize
from sovgate.classify._normalize import _rewrite, normalize

_TRICKY = (
    "\u200b\u200c\u200d\u00ad\ufeff\u2060"
    + "０１２３４５６７８９ＡＢＣ"
    + "аеорсхАВЕКМНОРСТХ"
    + "ﬁﬂ"
    + "\u00a0\u2013"
    + "é"
    + "e\u0301"
)
text_st = st.text(alphabet=st.sampled_from(list("abc XYZ019@.-:\n") + list(_TRICKY)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text_st)
def test_every_normalized_char_maps_into_the_original(text: str) -> None:
    norm = normalize(text)
    if norm.starts is None:
        assert norm.text == text
        return
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    prev = 0
    for i, ch in enumerate(norm.text):
        s, e = norm.starts[i], norm.ends[i]
        assert 0 <= s < e <= len(text)
        assert s >= prev or norm.starts[i - 1] == s  # monotone
        prev = s
        # the original slice rewrites (NFKC + folding; folding depends on the word) to this char
        src = text[s:e]
        rewritten = unicodedata.normalize("NFC", "".join(_rewrite(c) for c in src))
        assert ch in normalize(src).text or ch in unicodedata.normalize("NFKC", src) or ch in rewritten


@settings(max_examples=200, deadline=None)
@given(text_st, text_st)
def test_span_of_a_clean_word_round_trips(left: str, right: str) -> None:
    text = f"{left} anna@example.com {right}"
    norm = normalize(text)
    i = norm.text.find("anna@example.com")
    assert i >= 0
    s, e = norm.span(i, i + len("anna@example.com"))
    assert text[s:e] == "anna@example.com"


def test_fullwidth_zero_width_and_homoglyphs() -> None:
    text = "ＩＢＡＮ\u200b: DE89 Сity"
    norm = normalize(text)
    assert norm.text == "IBAN: DE89 City"
    s, e = norm.span(0, 4)
    assert text[s:e] == "ＩＢＡＮ"
    s, e = norm.span(11, 15)
    assert text[s:e] == "Сity"


def test_ascii_is_identity_without_map() -> None:
    norm = normalize("plain ascii 123")
    assert norm.starts is None and norm.text == "plain ascii 123"


def test_decomposed_accents_are_composed() -> None:
    text = "Mu\u0308ller"
    norm = normalize(text)
    assert norm.text == "Müller"
    assert norm.span(0, 6) == (0, 7)


_FUZZ = st.text(
    alphabet=st.sampled_from(list("ab XY09+-./:@\n,()") + list("äöüßéñłżČ") + list(_TRICKY)), max_size=120
)


@settings(max_examples=150, deadline=None)
@given(_FUZZ)
def test_detect_never_crashes_and_spans_stay_in_bounds(text: str) -> None:
    from sovgate.classify import Classifier

    for f in Classifier.default().detect(text):
        assert 0 <= f.start < f.end <= len(text)


def test_genuine_cyrillic_words_are_not_folded() -> None:
    assert normalize("Иван Петров").text == "Иван Петров"
    assert normalize("Сity Bank").text == "City Bank"  # Cyrillic С inside a Latin word


@settings(max_examples=1000)
@given(st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=40))
def test_the_latin1_shortcut_only_skips_texts_that_need_nothing(text: str) -> None:
    """The shortcut says "unchanged" exactly when the full test does (Latin-1 texts)."""
    full = _normalize._SUSPECT.search(text) is None and unicodedata.is_normalized("NFKC", text)
    assert _normalize._latin1_unchanged(text) == full
    if full:
        assert normalize(text).text == text and normalize(text).starts is None


def test_latin1_characters_that_change_are_rewritten() -> None:
    for text, want in (("x\u00a0y", "x y"), ("m²", "m2"), ("a\u00adb", "ab"), ("½", "1⁄2")):
        assert normalize(text).text == want, text
