"""Repeated text is detected once; the memo never changes what is found."""

from __future__ import annotations

from sovgate.classify import Classifier, engine
from sovgate.types import Segment

TEXT = "Patient Anna Schmidt, IBAN DE89 3704 0044 0532 0130 00, Tel. +49 30 1234567"


def test_repeated_text_is_found_once_with_the_right_segment() -> None:
    clf = Classifier()
    first = clf.detect(TEXT, "de", segment=0)
    hits_before = clf._found.cache_info().hits
    again = clf.detect(TEXT, "de", segment=3)
    assert clf._found.cache_info().hits == hits_before + 1
    assert [f.segment for f in again] == [3] * len(first)
    assert [(f.kind, f.start, f.end, f.score) for f in again] == [
        (f.kind, f.start, f.end, f.score) for f in first
    ]
    assert {f.kind for f in first} >= {"PERSON", "IBAN", "PHONE"}


def test_language_is_part_of_the_key() -> None:
    clf = Classifier()
    clf.detect(TEXT, "de")
    misses = clf._found.cache_info().misses
    clf.detect(TEXT, "en")
    assert clf._found.cache_info().misses == misses + 1


def test_long_texts_bypass_the_memo() -> None:
    clf = Classifier()
    long_text = TEXT + " " + "x" * engine._MEMO_TEXT_MAX
    a = clf.detect(long_text, "de")
    b = clf.detect(long_text, "de")
    assert clf._found.cache_info().currsize == 0
    assert a == b and {f.kind for f in a} >= {"IBAN"}


def test_system_prompt_repeated_across_requests() -> None:
    clf = Classifier()
    prompt = "You are the assistant of Dr. Hans Weber."
    system = Segment(path="messages[0].content", text=prompt, role="system")
    for question in ("What is my balance?", "Call me at +49 30 1234567"):
        user = Segment(path="messages[1].content", text=question, role="user")
        found = clf.classify([system, user], "en")
        assert any(f.kind == "PERSON" and f.segment == 0 for f in found.findings)
    assert clf._found.cache_info().hits >= 1


def test_a_long_system_prompt_decides_the_language_once() -> None:
    clf = Classifier()
    prompt = "Du bist der Assistent der Kundenbetreuung. Antworte immer auf Deutsch und bitte kurz. " * 10
    system = Segment(path="messages[0].content", text=prompt, role="system")
    hits = engine._guess_language.cache_info().hits
    for question in ("Wie ist mein Kontostand?", "What is my balance?"):
        user = Segment(path="messages[1].content", text=question, role="user")
        assert clf.classify([system, user]).languages == ("de",)
    assert engine._guess_language.cache_info().hits >= hits + 1
