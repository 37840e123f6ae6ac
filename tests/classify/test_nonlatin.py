"""Chinese, Arabic, Russian, Japanese, Korean names; addresses; health terms (testdata/nonlatin.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovgate.classify import Classifier
from sovgate.types import Segment

DATA = json.loads((Path(__file__).parent / "testdata" / "nonlatin.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", DATA["positives"], ids=lambda c: c["text"][:24])
@pytest.mark.parametrize("hint", [True, False], ids=["hint", "nohint"])
def test_found(case: dict, hint: bool) -> None:
    text = case["text"]
    found = Classifier.default().detect(text, case["lang"] if hint else None)
    got = {(f.kind, text[f.start : f.end]) for f in found}
    missing = [tuple(e) for e in case["expect"] if tuple(e) not in got]
    assert not missing, f"missing {missing}; got {sorted(got)}"


@pytest.mark.parametrize("case", DATA["negatives"], ids=lambda c: c["text"][:24])
def test_not_found(case: dict) -> None:
    text = case["text"]
    found = Classifier.default().detect(text)
    wrong = [(f.kind, text[f.start : f.end]) for f in found if f.kind in case["absent"]]
    assert not wrong


@pytest.mark.parametrize(
    ("text", "health"),
    [
        ("患者刘洋患有糖尿病，请写一份病历摘要。", True),
        ("糖尿病有哪些常见症状？", False),
        ("المريض محمد أحمد، هاتف +971 50 123 4567، يعاني من السكري.", True),
        ("ما هي أعراض مرض السكري؟", False),
        ("Пациентка Анна Смирнова, диагноз: сахарный диабет 2 типа.", True),
        ("Что такое сахарный диабет и как его лечить?", False),
        ("患者の山田太郎さんは糖尿病と高血圧で入院しています。", True),
        ("高血圧の治療法を教えてください。", False),
        ("환자 이서연은 당뇨병으로 입원 중입니다.", True),
        ("당뇨병의 증상은 무엇인가요?", False),
        ("암호를 잊어버렸어요", False),
    ],
)
def test_health_only_with_a_person(text: str, health: bool) -> None:
    seg = Segment(path=("messages", 0, "content"), text=text, kind="text")
    assert ("HEALTH" in Classifier.default().classify([seg]).categories) is health
