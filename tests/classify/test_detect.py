"""Entity, secret, marking and category detection on named test cases (testdata/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovgate.classify import Classifier
from sovgate.types import CATEGORIES, ENTITY_TYPES

DATA = Path(__file__).parent / "testdata"


def _load(name: str) -> list:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.default()


def test_default_is_shared() -> None:
    assert Classifier.default() is Classifier.default()


@pytest.mark.parametrize("case", _load("entities.json"), ids=lambda c: c["text"][:40])
def test_entities(clf: Classifier, case: dict) -> None:
    text = case["text"]
    found = [
        (f.kind, text[f.start : f.end], f.jurisdiction) for f in clf.detect(text) if f.kind in ENTITY_TYPES
    ]
    for kind, value, juris in case["expect"]:
        assert (kind, value, juris) in found, found


@pytest.mark.parametrize("text", _load("negatives.json"), ids=lambda t: t[:40])
def test_negatives_have_no_entities_or_markings(clf: Classifier, text: str) -> None:
    found = [f for f in clf.detect(text) if f.kind in ENTITY_TYPES or f.kind in ("SECRET", "CLASSIFIED")]
    assert found == [], [(f.kind, text[f.start : f.end]) for f in found]


@pytest.mark.parametrize("case", _load("categories.json"), ids=lambda c: c["text"][:40])
def test_categories(clf: Classifier, case: dict) -> None:
    text = case["text"]
    hits = [f for f in clf.detect(text) if f.kind == case["kind"]]
    assert hits, clf.detect(text)
    assert case["detail"] in {f.detail for f in hits}
    if "jurisdiction" in case:
        match = next(f for f in hits if f.detail == case["detail"])
        assert match.jurisdiction == case["jurisdiction"]


def test_finding_fields(clf: Classifier) -> None:
    text = "Patient Anna Schmidt, IBAN DE89 3704 0044 0532 0130 00"
    for f in clf.detect(text):
        assert f.kind in ENTITY_TYPES or f.kind in CATEGORIES
        assert 0 <= f.start < f.end <= len(text)
        assert 0.0 < f.score <= 1.0
        assert f.segment == 0
        # detail never carries the value itself
        assert f.detail is None or text[f.start : f.end] not in f.detail


def test_offsets_point_into_original_text_after_normalization(clf: Classifier) -> None:
    # fullwidth digits, a zero-width space and a soft hyphen inside the IBAN and the e-mail
    text = "IBAN: ＤＥ89 3704\u200b 0044 0532 0130 00, mail: an\u00adna@example.de"
    found = {f.kind: text[f.start : f.end] for f in clf.detect(text)}
    assert found["IBAN"] == "ＤＥ89 3704\u200b 0044 0532 0130 00"
    assert found["EMAIL"] == "an\u00adna@example.de"


def test_homoglyph_marking(clf: Classifier) -> None:
    text = "VS-NfD".replace("N", "Ν")  # Greek capital Nu
    hits = [f for f in clf.detect(text) if f.kind == "CLASSIFIED"]
    assert hits and (hits[0].start, hits[0].end) == (0, len(text))


@pytest.mark.parametrize("case", _load("multilingual.json"), ids=lambda c: c["lang"] + ":" + c["text"][:30])
@pytest.mark.parametrize("hint", [True, False], ids=["lang-hint", "no-hint"])
def test_multilingual_entities(clf: Classifier, case: dict, hint: bool) -> None:
    text = case["text"]
    found = {(f.kind, text[f.start : f.end]) for f in clf.detect(text, case["lang"] if hint else None)}
    for kind, value in case["expect"]:
        assert (kind, value) in found, sorted(found)


def test_concurrent_use_gives_the_same_results(clf: Classifier) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [c["text"] for c in _load("entities.json")] * 5
    expected = [clf.detect(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(clf.detect, texts))
    assert got == expected


@pytest.mark.parametrize(
    "text",
    ["1 2 3 4 5 6 7 8 9 0 " * 2000, "Anna Berg " * 4000, "Anna, " * 6000 + "and Bob", "1." * 10000],
    ids=["digit-table", "repeated-names", "long-list", "dots"],
)
def test_large_repetitive_input_stays_linear(clf: Classifier, text: str) -> None:
    import time

    t = time.perf_counter()
    clf.detect(text)
    assert time.perf_counter() - t < 5.0  # ~40 KB each: quadratic behaviour would take minutes
