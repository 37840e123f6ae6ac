"""The prefilters that keep costly patterns off most of the text find exactly what a full scan finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.classify import _contact, _keywords, _names, _numbers

DOTTED = st.text(alphabet="0123456789. a:-", max_size=60)
ID_LIKE = st.text(alphabet="0123456789ABXYZ .-/\n", max_size=80)


@settings(max_examples=500)
@given(DOTTED)
def test_ipv4_candidates_equal_a_full_scan(text: str) -> None:
    assert [m.span() for m in _contact._ipv4_candidates(text)] == [
        m.span() for m in _contact._IPV4.finditer(text)
    ]


@settings(max_examples=500)
@given(
    st.lists(
        st.one_of(
            ID_LIKE,
            st.sampled_from(
                ["RSSMRA85T10A562S", "12345678Z", "X1234567L", "QQ123456C", "中", "’", "–", "\u017f", "é"]
            ),
        ),
        max_size=6,
    )
)
def test_alnum_id_candidates_equal_a_full_scan(parts: list[str]) -> None:
    text = " filler words here ".join(parts)
    full = [m.span() for m in _numbers._ALNUM_ALL.finditer(text)]
    assert [m.span() for m in _numbers._alnum_candidates(text)] == full


@settings(max_examples=800)
@given(st.text(alphabet="0123456789abcdefxyzABF: .\n", max_size=60))
def test_ipv6_prefilter_passes_every_text_with_a_match(text: str) -> None:
    full = [m.span() for rx in (_contact._IPV6, _contact._IPV6_FULL) for m in rx.finditer(text)]
    if full:
        assert _contact._ipv6_possible(text)
    assert _contact._ipv6_possible(text) == any(
        text[i - 1] in _contact._HEX_OR_COLON and text[i + 1] in _contact._HEX_OR_COLON
        for i in range(1, len(text) - 1)
        if text[i] == ":"
    )


EMAIL_PARTS = st.one_of(
    st.text(alphabet="abc@.([{ }])atAT-_xé", max_size=60),
    st.sampled_from(["a" * 63, "b" * 64, "c" * 65, "x.y@example.org", "@@", "é@é.de", "'", "ab-"]),
)


@settings(max_examples=800)
@given(st.lists(EMAIL_PARTS, max_size=6).map("".join))
def test_email_windows_equal_a_full_scan(text: str) -> None:
    found = [(h.start, h.end) for h in _contact.email_hits(text) if h.detail == "email"]
    full = []
    for m in _contact._EMAIL.finditer(text):
        s = m.start()
        while text[s] in ".'-":
            s += 1
        full.append((s, m.end()))
    assert found == full


OBFUSCATION_PARTS = ["anna", " ", "[at]", "(AT)", "{ at }", "[dot]", ".", "de", "@", "x"]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(OBFUSCATION_PARTS), max_size=12))
def test_obfuscated_email_hint_never_hides_a_match(parts: list[str]) -> None:
    text = "".join(parts)
    if _contact._OBFUSCATED.search(text):
        assert _contact._OBFUSCATED_AT.search(text)


BRACKETS = ["(", "[", "{", ")", "]", "}", "at", "AT", "@", " ", "\n", "x", "(x)", "[at]", "( @ )"]


@settings(max_examples=1000)
@given(st.lists(st.sampled_from(BRACKETS), max_size=40))
def test_obfuscated_at_tried_at_the_brackets_equals_a_full_search(parts: list[str]) -> None:
    # up to 40 parts: more than _BRACKET_TRIES brackets too, where one search takes over
    text = "".join(parts)
    assert _contact._obfuscated_at(text) == (_contact._OBFUSCATED_AT.search(text) is not None)


NAME_TEXT = st.lists(
    st.one_of(
        st.text(alphabet="AaBbÄäÉéßÞþ'’-. _0²\nxX", max_size=12),
        st.sampled_from(
            ["O’Brien", "Jean-Luc", "Dr. Ängström", "–", "€", "“x”", "Łukasz", "Ωmega", "中文", "İ"]
        ),
    ),
    max_size=8,
).map(" ".join)


@settings(max_examples=1500)
@given(NAME_TEXT)
def test_cap_tokens_equal_a_full_scan(text: str) -> None:
    full = [(m.start(), m.end(), m.group()) for m in _names._CAP_TOKEN.finditer(text)]
    assert _names.cap_tokens(text) == full


@settings(max_examples=1500)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=40))
def test_cap_tokens_equal_a_full_scan_for_any_character(text: str) -> None:
    full = [(m.start(), m.end(), m.group()) for m in _names._CAP_TOKEN.finditer(text)]
    assert _names.cap_tokens(text) == full


@settings(max_examples=1500)
@given(
    st.text(
        alphabet=st.one_of(st.characters(max_codepoint=0x3FF), st.sampled_from("’“”–—…€‰\u2009中İΣ")),
        max_size=40,
    )
)
def test_lower_same_length_equals_per_character_lowering(text: str) -> None:
    low = text.lower()
    if len(low) != len(text) or "Σ" in text:  # no context rule: a word-final "Σ" is "σ" too
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    expected = low
    assert _keywords.lower_same_length(text) == expected
