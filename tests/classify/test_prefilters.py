"""The prefilters that keep costly patterns off most of the text find exactly what a full scan finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.classify import _contact, _numbers

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
        st.one_of(ID_LIKE, st.sampled_from(["RSSMRA85T10A562S", "12345678Z", "X1234567L", "QQ123456C"])),
        max_size=6,
    )
)
def test_alnum_id_candidates_equal_a_full_scan(parts: list[str]) -> None:
    text = " filler words here ".join(parts)
    full = [m.span() for m in _numbers._ALNUM_ALL.finditer(text)]
    assert [m.span() for m in _numbers._alnum_candidates(text)] == full
