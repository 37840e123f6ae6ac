"""Both ways `Literals` searches (str.find for a few literals, an automaton for many) agree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.protect import _literals
from sovgate.protect._literals import Literals

ALPHABET = "ab1. -éß王"
words = st.text(alphabet=ALPHABET, min_size=1, max_size=4)


@settings(max_examples=400, deadline=None)
@given(lits=st.lists(words, min_size=1, max_size=6), text=st.text(alphabet=ALPHABET, max_size=40))
def test_find_and_automaton_agree(lits: list[str], text: str) -> None:
    few = Literals(lits)
    saved = _literals._FIND_MAX
    _literals._FIND_MAX = 0  # force the automaton
    try:
        many = Literals(lits)
    finally:
        _literals._FIND_MAX = saved
    assert few._auto is None and many._auto is not None
    for pos in (0, len(text) // 2):
        assert few.all(text, pos) == many.all(text, pos)
        assert few.matches(text, pos) == many.matches(text, pos)


def test_whole_words_and_overlaps() -> None:
    lits = Literals(["192.0.2.1", "Anna", "Anna Schmidt"])
    text = "Anna Schmidt at 192.0.2.15 and 192.0.2.1; Annabel"
    assert lits.matches(text) == [(0, 12, "Anna Schmidt"), (31, 40, "192.0.2.1")]
    assert [m[2] for m in lits.all(text)] == ["Anna Schmidt", "Anna", "192.0.2.1"]


def test_empty_set_is_false() -> None:
    assert not Literals(["", ""])
    assert Literals(["x"])
    assert Literals([]).matches("anything") == []
