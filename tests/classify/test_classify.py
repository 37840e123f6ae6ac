"""Classifier.classify over request segments: segment indices, languages, category summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovgate.classify import Classifier
from sovgate.types import ENTITY_TYPES, Segment

CASES = json.loads((Path(__file__).parent / "testdata" / "requests.json").read_text(encoding="utf-8"))


def _segments(spec: list[list[str]]) -> list[Segment]:
    return [Segment(path=("messages", i, "content"), text=t, kind=k) for i, (k, t) in enumerate(spec)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_request_cases(case: dict) -> None:
    segs = _segments(case["segments"])
    result = Classifier.default().classify(segs)
    assert result.categories == frozenset(case["categories"])
    assert {f.kind for f in result.findings if f.kind in ENTITY_TYPES} == set(case["entities"])
    for f in result.findings:
        seg = segs[f.segment]
        assert 0 <= f.start < f.end <= len(seg.text)


def test_segment_index_and_language() -> None:
    segs = _segments(
        [["text", "Bonjour, je voudrais de l'aide."], ["text", "Mon e-mail est claire.dubois@exemple.fr"]]
    )
    result = Classifier.default().classify(segs)
    (email,) = [f for f in result.findings if f.kind == "EMAIL"]
    assert email.segment == 1
    assert segs[1].text[email.start : email.end] == "claire.dubois@exemple.fr"
    assert result.languages == ("fr",)


def test_language_hint_is_used() -> None:
    result = Classifier.default().classify(_segments([["text", "hello"]]), lang="de")
    assert result.languages == ("de",)


def test_special_category_needs_identified_person() -> None:
    clf = Classifier.default()
    anon = clf.classify(_segments([["text", "Is chemotherapy painful? My aunt is worried."]]))
    named = clf.classify(
        _segments([["text", "Is chemotherapy painful? Asking for Claudia Romano (DOB 12/03/1961)."]])
    )
    assert "HEALTH" not in anon.categories
    assert "HEALTH" in named.categories


def test_language_hint_forms_are_normalized() -> None:
    clf = Classifier.default()
    for hint in ("de-DE", "DE", "de_AT"):
        assert clf.classify(_segments([["text", "Hallo"]]), lang=hint).languages == ("de",)
