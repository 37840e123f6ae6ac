"""The keyword index: one automaton per script gives the hits one automaton for all would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.classify._keywords import (
    KeywordHit,
    KeywordIndex,
    _automaton,
    lower_same_length,
    scan_raw_matches,
)
from sovgate.classify.engine import Classifier

INDEX: KeywordIndex = Classifier.default()._keywords


class _OneAutomaton:
    """The same keywords in a single automaton (how the index worked before the split)."""

    def __init__(self, index: KeywordIndex) -> None:
        keys = dict(index._latin.items())
        for _, auto in index._scripts:
            keys.update(auto.items())
        self._one = _automaton({k: v[1] for k, v in keys.items()})

    def scan(self, low: str) -> list[KeywordHit]:
        # boundaries checked per raw match, as before the baked automaton
        return scan_raw_matches(self._one.iter(low), low)


REFERENCE = _OneAutomaton(INDEX)
KEYS = sorted(REFERENCE._one.keys())


def test_the_split_covers_several_scripts() -> None:
    scripts = {rx.pattern for rx, _ in INDEX._scripts}
    assert len(INDEX._scripts) >= 4 and any("电" in p or "患" in p for p in scripts), scripts
    assert len(REFERENCE._one) == len(KEYS) > 1500


def test_mixed_scripts_in_one_text() -> None:
    text = lower_same_length(
        "Patient Anna, телефон +7 912, 电话13912345678, IBAN: DE89, هاتف 0501234567 – diagnosis"
    )
    got = INDEX.scan(text)
    assert got == REFERENCE.scan(text)
    kinds = {h.kind for h in got}
    assert "phone" in kinds and len({text[h.start : h.end] for h in got if h.kind == "phone"}) >= 3


# texts built from keywords of every script, glued by spaces, punctuation and letters
_GLUE = [" ", "  ", ", ", ".", "\n", "-", "’", "“", "–", "€", "…", "\u0301", "、", "é", "x", "1"]
_GLUE += ["з", "中", "阳", "ا"]
_pieces = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(_GLUE),
    st.text(min_size=1, max_size=4),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_pieces, min_size=1, max_size=30))
def test_same_hits_in_the_same_order(pieces: list[str]) -> None:
    """Whatever the path: the baked automaton (Latin-1 text, also with quotes, dashes and other
    characters beyond Latin-1 that are no word characters) or the automata of raw matches."""
    text = lower_same_length("".join(pieces))
    assert INDEX.scan(text) == REFERENCE.scan(text)


LATIN1_KEYS = [k for k in KEYS if all(c <= "\xff" for c in k)]
# word characters, and the punctuation and spaces keys hold (which all bake to one NUL)
_latin1_pieces = st.one_of(
    st.sampled_from(LATIN1_KEYS),
    st.sampled_from([" ", "  ", ", ", ",", ".", ":", "\n", "-", "'", "/", "é", "ß", "x", "1", "_"]),
    st.sampled_from(["\x00", "\xa0", "ª", "²", "µ", "º", "¼", "×", "÷"]),
    st.text(alphabet=st.characters(max_codepoint=0xFF), min_size=1, max_size=4),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_latin1_pieces, min_size=1, max_size=30))
def test_latin1_text_same_hits_in_the_same_order(pieces: list[str]) -> None:
    """Latin-1 text goes through the automaton with boundaries baked in: the same hits."""
    text = lower_same_length("".join(pieces))
    assert INDEX.scan(text) == REFERENCE.scan(text)


def test_baked_keys_with_punctuation_are_checked_against_the_text() -> None:
    # "st." and "st," bake alike; only the key that is really in the text may hit
    for text in ("main st. 5", "main st, 5", "first street", "e-mail: x", "e mail: x", "delivery  address"):
        low = lower_same_length(text)
        assert INDEX.scan(low) == REFERENCE.scan(low), text
    # the key "st." (5-8) is in the first text only; "st" (5-7) is in both
    assert [(h.start, h.end) for h in INDEX.scan("main st. 5")] == [(5, 7), (5, 8)]
    assert [(h.start, h.end) for h in INDEX.scan("main st, 5")] == [(5, 7)]


def test_typographic_punctuation_runs_the_latin_automaton_only() -> None:
    """Quotes, dashes and currency signs in Latin text start no other script's keyword."""
    text = lower_same_length("I’m “Anna” – it costs 49,90 € … «vraiment» ‘ok’")
    assert INDEX._any_other.search(text) is None
    assert INDEX.scan(text) == REFERENCE.scan(text)
    assert "name_phrase" in {h.kind for h in INDEX.scan(text)}  # "i’m" is a key of its own


PUNCT_KEYS = [k for k in LATIN1_KEYS if not any(c.isalnum() or c == "_" for c in k)]


@settings(max_examples=500)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(PUNCT_KEYS),
            st.sampled_from(["https", "x", " ", ":", "/", "//", "---", ".\n\n", "1", "é", "_"]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_keys_without_word_characters_hit_as_the_reference(pieces: list[str]) -> None:
    """Keys with no word character ("://") are found with str.find next to the baked automaton."""
    text = lower_same_length("".join(pieces))
    assert INDEX.scan(text) == REFERENCE.scan(text)


def test_a_key_without_word_characters_is_found_apart() -> None:
    # every key without a word character is kept out of the baked automaton ("://" among them)
    assert "://" in PUNCT_KEYS
    assert set(PUNCT_KEYS) == {k for k, *_ in INDEX._unbaked}
    got = [(h.kind, h.start, h.end) for h in INDEX.scan("see https://example.org/x --- ok.\n\n")]
    assert ("secret", 9, 19) in got  # open at the end: the stem runs on to the end of its word
    assert [k for k, s, _ in got if k == "secret"] == ["secret"]  # not at "---" or ".\n\n"


_OWN = KeywordIndex({"arrow": ["->", "*=>", "<-*", "*::*"], "word": ["go", "stop*"]})
_OWN_REFERENCE = _OneAutomaton(_OWN)


@settings(max_examples=500)
@given(
    st.lists(
        st.sampled_from(["->", "=>", "<-", "::", "go", "stop", "x", " ", "-", ">", "é", "1"]), max_size=20
    )
)
def test_closed_keys_without_word_characters_keep_their_boundaries(pieces: list[str]) -> None:
    text = lower_same_length("".join(pieces))
    assert _OWN.scan(text) == _OWN_REFERENCE.scan(text)
