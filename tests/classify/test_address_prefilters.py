"""The address detector's shortcuts find exactly what the full regex scans find.

`_street_matches` tries the address grammar only where a street form can start,
`_after_label` skips the label regex where it cannot match and `_window_matches` resumes after a
label's value: each must equal the plain `finditer`/`match` it replaces, on any text.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.classify import _address as A

HERE = Path(__file__).parent
FRAGMENTS = [
    "Rue de Meyer 12", "41, rue de Meyer", "via Roma 12, 00100 Roma", "c/ Mayor 5", "ul. Tęczowa 5",
    "00-001 Warszawa", "Helga Heser Allee 5", "Hauptstraße 5", "10115 Berlin", "(Bahnhof-straße 7)",
    "P.O. Box 50", "Boîte postale 12", "USNS Dawson, FPO AE 18757", "Apartado de Correos 5",
    "address: ", "Address: ", "delivery address is ", "true story 5", "av. Roma 5", "ſtrada Roma 5",
    "İmpasse X 5", "Straße 5", "Große Berliner\nStraße 5", "131 Brandon Throughway", "Unit 2370 Box 3452",
    "DPO AP 31399", "+49 30 2014587", "Phone: ", "Anna Schmidt", " ", ", ", "\n", ": ", "= ", "12",
    "4/6 Main St",
    "887 59 Guild", "12a", "the order 4711 was", "Löchelweg 74", "Kerkstraat 3, 1017 GC Amsterdam",
]  # fmt: skip
texts = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map("".join)


def _corpus() -> list[str]:
    """Real texts with addresses from the detection test data."""
    out = []
    for name in ("entities.json", "multilingual.json", "requests.json"):
        data = json.loads((HERE / "testdata" / name).read_text())
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, str) and len(item) > 10:
                out.append(item)
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return out


@settings(max_examples=600, deadline=None)
@given(texts, st.integers(0, 40), st.integers(0, 400))
def test_street_matches_equal_a_full_scan(text: str, lo: int, width: int) -> None:
    lo = min(lo, len(text))
    hi = min(len(text), lo + width)
    full = [m.span() for m in A._ADDRESS.finditer(text, lo, hi)]
    assert [m.span() for m in A._street_matches(text, lo, hi)] == full


@settings(max_examples=600, deadline=None)
@given(texts)
def test_after_label_equals_the_label_regex(text: str) -> None:
    for pos in range(len(text)):
        a, b = A._AFTER_LABEL.match(text, pos), A._after_label(text, pos)
        assert (a and a.span(1)) == (b and b.span(1)), (text, pos)


@settings(max_examples=600, deadline=None)
@given(texts, st.data())
def test_window_matches_equal_a_full_scan(text: str, data: st.DataObject) -> None:
    # probes as address_hits makes them: a ':' or '=' and where the value after it starts
    probes = []
    for c, ch in enumerate(text):
        if ch in ":=":
            s = c + 1
            while s < len(text) and text[s] in " \t":
                s += 1
            if data.draw(st.booleans()):
                probes.append((c, s))
    full = [m.span() for m in A._ADDRESS.finditer(text, 0, len(text))]
    assert [m.span() for m in A._window_matches(text, 0, len(text), probes)] == full


def test_shortcuts_on_the_detection_test_texts() -> None:
    for text in _corpus():
        n = len(text)
        assert [m.span() for m in A._street_matches(text, 0, n)] == [
            m.span() for m in A._ADDRESS.finditer(text, 0, n)
        ], text
        for pos in range(0, n, 3):
            a, b = A._AFTER_LABEL.match(text, pos), A._after_label(text, pos)
            assert (a and a.span(1)) == (b and b.span(1)), (text, pos)
