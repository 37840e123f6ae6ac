"""GDPR Art. 9 health vocabulary per language (QA item C2): conditions, treatments, sick leave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovgate.classify import Classifier
from sovgate.types import Classification, Segment

DATA = json.loads((Path(__file__).parent / "testdata" / "health_vocabulary.json").read_text(encoding="utf-8"))
PERSON = [(lang, f"{DATA['names'][lang]} {p}.") for lang, ps in DATA["person"].items() for p in ps]
QUESTION = [(lang, q) for lang, qs in DATA["question"].items() for q in qs]
NEGATIVE = [(lang, t) for lang, ts in DATA["negative"].items() for t in ts]


def _classify(text: str) -> Classification:
    return Classifier.default().classify([Segment(("messages", 0, "content"), text)])


@pytest.mark.parametrize(("lang", "text"), PERSON)
def test_named_person_health_is_special_category(lang: str, text: str) -> None:
    r = _classify(text)
    assert "HEALTH" in r.categories, (lang, [(f.kind, text[f.start : f.end]) for f in r.findings])


@pytest.mark.parametrize(("lang", "text"), QUESTION)
def test_general_question_is_not_personal(lang: str, text: str) -> None:
    r = _classify(text)
    assert any(f.kind == "HEALTH" for f in r.findings), (lang, "health term not recognized")
    assert "HEALTH" not in r.categories, (lang, r.categories)


@pytest.mark.parametrize(("lang", "text"), NEGATIVE)
def test_no_health_finding(lang: str, text: str) -> None:
    r = _classify(text)
    assert [text[f.start : f.end] for f in r.findings if f.kind == "HEALTH"] == [], lang


def test_every_language_is_covered() -> None:
    langs = {"en", "de", "fr", "es", "it", "nl", "pl"}
    assert set(DATA["person"]) == set(DATA["question"]) == set(DATA["negative"]) == langs
    assert all(len(DATA["person"][lang]) >= 35 for lang in langs)
