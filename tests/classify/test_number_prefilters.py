"""The number and phone detectors try their patterns only at digit runs: same matches as a full scan.

The candidate generators know where each pattern can start; a pattern edit that breaks that
shows up here. Texts mix digits with the separators, prefixes and letters the patterns look
at, and digits outside ASCII (which take the regex path of digit_runs).
"""

from __future__ import annotations

import re
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.classify import _contact, _numbers

PIECES = st.sampled_from(
    [
        "0", "1", "4", "7", "9", "12", "784", "756", "00", "+", "(", ")", " ", "  ", "-", ".", "/", ",", "\n",
        "@", "_", "#", "x", "ext.", "X", "Z", "A", "D", "E", "L", "S", "a", "de", "DE", "GB",
        "\u0664", "\uff14", "\u0131", "\u017f", "\u212a", "é", "中", "’", "–", "€",
        "RSSMRA85T10A562S", "ABCDEFGHIJKLMNOP",
        "DE44 1007 0000 0532 0525 95", "DE\u0664\u0664 1007 0000 0532 0525 95",
        "+49 30 20146525", "12345678Z", "X-1234567L", "AB 12 34 56 C",
        "123-45-6789", "756.1234.5678.97", " filler words here ",
    ]
)  # fmt: skip
TEXTS = st.lists(st.one_of(PIECES, st.text(alphabet="0123456789 .-", max_size=12)), max_size=40).map("".join)


def _spans(matches: object) -> list[tuple[int, int, str | None]]:
    return [(m.start(), m.end(), m.lastgroup) for m in matches]  # type: ignore[attr-defined]


def _alnum_reference(text: str) -> list[re.Match[str]]:
    """_ALNUM_ALL.finditer over the windows around each digit run, as before the prefilter."""
    out: list[re.Match[str]] = []
    last = 0
    for lo, hi in _numbers._digit_windows(tuple(m.span() for m in re.finditer(r"\d+", text)), len(text)):
        while hi < len(text) and text[hi].isalnum():
            hi += 1
        for m in _numbers._ALNUM_ALL.finditer(text, max(lo, last), hi):
            last = m.end()
            out.append(m)
    return out


@settings(max_examples=400)
@given(TEXTS)
def test_digit_runs_cover_every_digit(text: str) -> None:
    runs = _numbers.digit_runs(text)
    assert "".join(text[a:b] for a, b in runs) == "".join(re.findall(r"\d", text))
    assert all(b <= a2 for (_, b), (a2, _) in pairwise(runs))
    # a digit that follows anything but an ASCII digit starts a run
    assert all(text[i - 1] in "0123456789" for a, b in runs for i in range(a + 1, b))


@settings(max_examples=400)
@given(TEXTS)
def test_number_candidates_equal_a_full_scan(text: str) -> None:
    assert _spans(_numbers._iban_candidates(text)) == _spans(_numbers._IBAN.finditer(text))
    assert _spans(_numbers._digit_run_matches(text)) == _spans(_numbers._DIGIT_RUN.finditer(text))
    assert _spans(_contact._phone_candidates(text)) == _spans(_contact._PHONE.finditer(text))


@settings(max_examples=400)
@given(TEXTS)
def test_alnum_candidates_equal_the_windowed_scan(text: str) -> None:
    assert _spans(_numbers._alnum_candidates(text)) == _spans(_alnum_reference(text))


def _inside(p: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= p < b for a, b in spans)


def _alnum_reference_skipping(text: str, ibans: list[tuple[int, int]]) -> list[re.Match[str]]:
    """_alnum_reference, with no match tried at a position inside an IBAN."""
    out: list[re.Match[str]] = []
    last = 0
    for lo, hi in _numbers._digit_windows(tuple(m.span() for m in re.finditer(r"\d+", text)), len(text)):
        while hi < len(text) and text[hi].isalnum():
            hi += 1
        p = max(lo, last)
        while p < hi:
            m = None if _inside(p, ibans) else _numbers._ALNUM_ALL.match(text, p, hi)
            if m is None:
                p += 1
                continue
            out.append(m)
            p = last = m.end()
    return out


def _phone_reference_skipping(text: str, claimed: list[tuple[int, int]]) -> list[re.Match[str]]:
    """_PHONE.finditer, with no match taken whose first digit is inside a claimed span."""
    out: list[re.Match[str]] = []
    p = 0
    while p < len(text):
        m = _contact._PHONE.match(text, p)
        if m is not None and not _inside(m.start() + re.search(r"\d", m.group()).start(), claimed):  # type: ignore[union-attr]
            out.append(m)
            p = m.end()
        else:
            p += 1
    return out


# an IBAN (valid, spaced or not) between two random texts, so that every example has one
WITH_IBAN = st.tuples(
    TEXTS,
    st.sampled_from(["DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB29NWBK60161331926819"]),
    TEXTS,
).map(" ".join)


@settings(max_examples=400)
@given(st.one_of(TEXTS, WITH_IBAN))
def test_no_candidate_is_tried_inside_an_iban(text: str) -> None:
    # what starts inside a stronger finding would be dropped for overlapping it; not trying it
    # also stops it from swallowing what follows the IBAN ("DE89 … 00 030 1234567": the phone)
    ibans = [(h.start, h.end) for h in _numbers.iban_hits(text)]
    assert _spans(_numbers._alnum_candidates(text, ibans)) == _spans(_alnum_reference_skipping(text, ibans))
    assert _spans(_contact._phone_candidates(text, ibans)) == _spans(_phone_reference_skipping(text, ibans))


def test_a_phone_right_after_an_iban_is_found() -> None:
    from sovgate.classify import Classifier

    text = "Bitte an DE89 3704 0044 0532 0130 00 030 1234567 zurückrufen."
    found = [(f.kind, text[f.start : f.end]) for f in Classifier().detect(text, "de")]
    assert found == [("IBAN", "DE89 3704 0044 0532 0130 00"), ("PHONE", "030 1234567")]


SPACED_PARTS = st.one_of(
    st.text(alphabet="DEGBab0123456789 ,é中", max_size=30),
    st.sampled_from(
        [
            "D E 8 9 3 7 0 4 0 0 4 4 0 5 3 2 0 1 3 0 0 0",
            "g b 2 9 n w b k 6 0 1 6 1 3 3 1 9 2 6 8 1 9",
            "L C 5 5 H E M M 0 0 0 1 0 0 0 1 0 0 1 2 0 0 1 2 0 0 0 2 3 0 1 5",
        ]
    ),
)


@settings(max_examples=800)
@given(st.lists(SPACED_PARTS, max_size=5).map(" ".join))
def test_spaced_iban_prefilter_passes_every_text_with_a_candidate(text: str) -> None:
    if _numbers._IBAN_SPACED.search(text) is not None:
        assert _numbers._spaced_start(text)


def test_spaced_ibans_are_found_and_validated() -> None:
    text = "Konto L C 5 5 H E M M 0 0 0 1 0 0 0 1 0 0 1 2 0 0 1 2 0 0 0 2 3 0 1 5 bitte."
    hits = list(_numbers.iban_hits(text))
    assert [(text[h.start : h.end], h.jurisdiction) for h in hits] == [
        ("L C 5 5 H E M M 0 0 0 1 0 0 0 1 0 0 1 2 0 0 1 2 0 0 0 2 3 0 1 5", "LC")
    ]
    assert list(_numbers.iban_hits(text.replace("5 5 H", "5 6 H"))) == []  # check digits fail


SHORT_TEXTS = st.lists(
    st.one_of(PIECES, st.text(alphabet="0123456789 .-/()x", max_size=14)), max_size=10
).map("".join)


@settings(max_examples=500)
@given(SHORT_TEXTS)
def test_the_possessive_phone_pattern_matches_the_backtracking_one(text: str) -> None:
    # _phone_candidates takes _PHONE_ASCII where every digit is ASCII, _PHONE elsewhere
    assert _spans(_contact._phone_candidates(text)) == _spans(_contact._PHONE.finditer(text))
    if not _contact._NON_ASCII_DIGIT.search(text):
        assert _spans(_contact._PHONE_ASCII.finditer(text)) == _spans(_contact._PHONE.finditer(text))


def test_a_long_digit_run_before_a_letter_is_no_phone() -> None:
    for text in ("11010519491231002X", "1" * 30 + "X"):
        assert _spans(_contact._PHONE_ASCII.finditer(text)) == [] == _spans(_contact._PHONE.finditer(text))
    for text in ("tel 030 1234567890123456789a", "12"):  # "030" and "12" are matches (1 + 1 groups)
        assert _spans(_contact._PHONE_ASCII.finditer(text)) == _spans(_contact._PHONE.finditer(text)) != []
    assert _spans(_contact._phone_candidates("call 030 12345678 today")) == [(5, 17, None)]
