"""An organization's own detectors (gateway.detection.custom): patterns and terms reported as
built-in kinds, with the engine's normalization, overlap resolution and category rules."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sovgate.classify import Classifier
from sovgate.classify.custom import _spans, check_rule, compile_pattern
from sovgate.types import CustomRule, Segment

RULES = (
    CustomRule(
        detail="acme.employee_id",
        kind="NATIONAL_ID",
        pattern=r"(?:Personalnr\.?|EMP-)\s*(?P<value>\d{6})\b",
        jurisdiction="DE",
    ),
    CustomRule(
        detail="acme.codename", kind="CLASSIFIED", terms=("Project Falcon", "bluebird*", "Сокол", "猎鹰计划")
    ),
    CustomRule(detail="acme.drug", kind="HEALTH", terms=("XR-17",)),
)


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier(RULES)


def _found(clf: Classifier, text: str) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.kind, text[f.start : f.end], f.detail, f.jurisdiction) for f in clf.detect(text, "en")]


def test_a_pattern_reports_its_value_group_as_the_kind_it_names(clf: Classifier) -> None:
    text = "Personalnr. 123456 and EMP-654321 joined; EMP-12345 is too short."
    ids = [f for f in _found(clf, text) if f[2] == "acme.employee_id"]
    assert ids == [
        ("NATIONAL_ID", "123456", "acme.employee_id", "DE"),
        ("NATIONAL_ID", "654321", "acme.employee_id", "DE"),
    ]


def test_terms_are_whole_words_in_any_case_and_script(clf: Classifier) -> None:
    assert _found(clf, "Status of PROJECT FALCON, project  falcon and Bluebirds") == [
        ("CLASSIFIED", "PROJECT FALCON", "acme.codename", None),
        ("CLASSIFIED", "Bluebirds", "acme.codename", None),  # "bluebird*": a longer word too
    ]
    assert _found(clf, "projectfalcon, the falconry project") == []  # inside words: no
    assert [f[1] for f in _found(clf, "Operation СОКОЛ begins")] == ["СОКОЛ"]
    assert [f[1] for f in _found(clf, "关于猎鹰计划的报告")] == ["猎鹰计划"]  # no word boundaries in CJK


def test_terms_see_through_the_evasions_every_text_is_normalized_against(clf: Classifier) -> None:
    text = "Pro\u200bject Fаlcon"  # a zero-width space, and a Cyrillic "а" in Falcon
    found = [(f.start, f.end) for f in clf.detect(text, "en") if f.detail == "acme.codename"]
    assert found == [(0, len(text))]  # the span covers the original text, invisible character included


def test_a_match_of_nothing_is_no_finding() -> None:
    # `\b\d*` passes the check (no match in the empty text) but matches nothing at every word
    # boundary of a text: only the digits become findings
    clf = Classifier([CustomRule(detail="acme.digits", kind="SECRET", pattern=r"\b\d*")])
    text = "ticket 4711 of two"
    assert [text[f.start : f.end] for f in clf.detect(text, "en") if f.detail == "acme.digits"] == ["4711"]


def test_categories_follow_the_built_in_rules(clf: Classifier) -> None:
    def cats(text: str) -> frozenset[str]:
        return clf.classify([Segment(("messages", 0, "content"), text)]).categories

    assert cats("Bluebird timeline for Q3") == {"CLASSIFIED"}  # always counts
    assert cats("What is XR-17 used for?") == frozenset()  # a health term, nobody identified
    assert cats("Patient Anna Schmidt takes XR-17 daily.") == {"HEALTH"}


def test_a_custom_entity_overlaps_as_its_kind_does(clf: Classifier) -> None:
    # the digits alone would be a phone number for the built-in detectors; NATIONAL_ID is stronger
    text = "Call about Personalnr. 030123 today"
    assert [f for f in _found(clf, text) if f[0] in ("PHONE", "NATIONAL_ID")] == [
        ("NATIONAL_ID", "030123", "acme.employee_id", "DE")
    ]


def test_rules_change_nothing_else(clf: Classifier) -> None:
    texts = [
        "Mein Name ist Jonas Becker, IBAN DE89 3704 0044 0532 0130 00, Tel. +49 30 1234567.",
        "Patient Marie Dubois, née le 03/04/1980, diabète de type 2.",
        "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
    ]
    for text in texts:
        assert clf.detect(text) == Classifier.default().detect(text)
    plain = Classifier.default().detect("Project Falcon, EMP-123456")
    assert all(f.detail not in ("acme.codename", "acme.employee_id") for f in plain)


@pytest.mark.parametrize(
    ("rule", "where", "reason"),
    [
        (CustomRule(detail="x", kind="EMPLOYEE", pattern="E"), ("kind",), "must be an entity type"),
        (CustomRule(detail="x", kind="PERSON"), ("pattern",), "give exactly one of pattern"),
        (CustomRule(detail="x", kind="PERSON", pattern="a", terms=("b",)), ("pattern",), "exactly one"),
        (CustomRule(detail="x", kind="PERSON", pattern="a("), ("pattern",), "not a valid regular expression"),
        (CustomRule(detail="x", kind="PERSON", pattern="a*"), ("pattern",), "matches the empty text"),
        (CustomRule(detail="x", kind="PERSON", pattern=r"(?<=EMP-)\d+"), ("pattern",), "lookbehind (?<=...)"),
        (CustomRule(detail="x", kind="PERSON", pattern=r"(?!0)\d+"), ("pattern",), "negative lookahead"),
        (CustomRule(detail="x", kind="PERSON", pattern=r"(\d)\1"), ("pattern",), "backreferences"),
        (CustomRule(detail="x", kind="PERSON", pattern=r"(?P<d>x)(?P=d)"), ("pattern",), "backreferences"),
        (CustomRule(detail="x", kind="PERSON", pattern=r"EMP\Z"), ("pattern",), r"\Z (write \z)"),
        (CustomRule(detail="x", kind="PERSON", pattern=r"x{1001}"), ("pattern",), "patterns this large"),
        (CustomRule(detail="x", kind="PERSON", terms=("ok", " ** ")), ("terms", 1), "a word or phrase"),
        (CustomRule(detail="x y", kind="PERSON", pattern="a"), ("detail",), "letters, digits"),
        (CustomRule(detail="x", kind="PERSON", pattern="a", jurisdiction="de"), ("jurisdiction",), "alpha-2"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_with_where_and_why(
    rule: CustomRule, where: tuple[str | int, ...], reason: str
) -> None:
    problem = check_rule(rule)
    assert problem is not None and problem[0] == where and reason in problem[1]
    with pytest.raises(ValueError, match=re.escape(reason.split("(")[0])):
        Classifier([rule])


def test_a_pattern_that_would_backtrack_forever_runs_in_linear_time() -> None:
    # `([a-z]+ ?)+$` on words followed by a character it cannot end with: a backtracking engine
    # tries every way of splitting the words (2^n for n letters; Python's `re` does not finish
    # on this text in hours). A child process, so that a regression fails instead of hanging.
    code = (
        "from sovgate.classify import Classifier\n"
        "from sovgate.types import CustomRule\n"
        "clf = Classifier([CustomRule(detail='acme.careless', kind='SECRET', pattern=r'([a-z]+ ?)+$')])\n"
        "text = 'token ' + 'a' * 5000 + '!'\n"
        "print(sum(f.detail == 'acme.careless' for f in clf.detect(text, 'en')))\n"
        "short = 'the token is abc'\n"
        "print([short[f.start:f.end] for f in clf.detect(short, 'en') if f.detail])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["0", "['the token is abc']"]


def test_patterns_keep_python_s_syntax_that_re2_shares() -> None:
    # named groups, classes, flags and Unicode properties; offsets in characters, not UTF-8 bytes
    clf = Classifier(
        [
            CustomRule(detail="acme.ref", kind="SECRET", pattern=r"(?i)ref[:#]\s*(?P<value>[a-z]{2}\d{4})"),
            CustomRule(detail="acme.cyr", kind="CLASSIFIED", pattern=r"\p{Cyrillic}+-\d\d"),
        ]
    )
    text = "Größe: REF# ab1234, Ärger: Сокол-77."
    found = [(f.detail, text[f.start : f.end]) for f in clf.detect(text, "en")]
    found = [(d, span) for d, span in found if d in ("acme.ref", "acme.cyr")]
    assert found == [("acme.ref", "ab1234"), ("acme.cyr", "Сокол-77")]


def test_detect_cli_takes_the_rules_of_a_config(tmp_path: Path) -> None:
    config = tmp_path / "sovgate.yaml"
    config.write_text(
        "gateway:\n"
        "  detection:\n"
        "    custom:\n"
        "      - {detail: acme.codename, kind: CLASSIFIED, terms: [Project Falcon]}\n"
        "      - {detail: acme.employee_id, kind: NATIONAL_ID, pattern: 'EMP-\\d{6}', jurisdiction: DE}\n"
    )
    data = json.dumps({"id": 1, "text": "Project Falcon staffing: EMP-123456"}) + "\n"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sovgate", "detect", *args, "-"],
            input=data,
            capture_output=True,
            text=True,
            timeout=60,
        )

    proc = run("--config", str(config))
    assert proc.returncode == 0, proc.stderr
    (rec,) = [json.loads(line) for line in proc.stdout.splitlines()[1:]]
    assert rec["categories"] == ["CLASSIFIED"]
    assert [(e["type"], e["start"], e["end"], e["jurisdiction"]) for e in rec["entities"]][-1] == (
        "NATIONAL_ID",
        25,
        35,
        "DE",
    )
    plain = json.loads(run().stdout.splitlines()[1])
    assert plain["categories"] == [] and "NATIONAL_ID" not in {e["type"] for e in plain["entities"]}

    config.write_text("gateway:\n  detection:\n    custom:\n      - {detail: x, kind: NOPE, terms: [a]}\n")
    bad = run("--config", str(config))
    assert bad.returncode == 2 and "gateway.detection.custom[0].kind: must be an entity type" in bad.stderr


def test_allowed_terms_drop_the_built_in_findings_inside_them() -> None:
    plain = Classifier.default()
    text = "Ask Jonas Becker about the Anna Schmidt release, IBAN DE89 3704 0044 0532 0130 00."
    people = [text[f.start : f.end] for f in plain.detect(text, "en") if f.kind == "PERSON"]
    assert "Anna Schmidt" in people  # a product named like a person: a false alarm here
    clf = Classifier(RULES, allow=("Anna Schmidt release", "Project*"))
    found = [(f.kind, text[f.start : f.end]) for f in clf.detect(text, "en")]
    assert ("PERSON", "Jonas Becker") in found and ("IBAN", "DE89 3704 0044 0532 0130 00") in found
    assert all(span != "Anna Schmidt" for _, span in found)
    # only what lies wholly inside an allowed term: the custom rules still say what they mean
    marked = [f.detail for f in clf.detect("Project Falcon", "en") if f.kind == "CLASSIFIED"]
    assert marked == ["acme.codename"]
    with pytest.raises(ValueError, match="a word or phrase"):
        Classifier(allow=("*",))


@pytest.mark.parametrize(
    "pattern", [r"[A-Z]{2}-[0-9]+", r"(?P<value>[0-9]{3})[xé]?", r"é+|日[0-9]*", r"[0-9]*"]
)
@given(text=st.text(alphabet="AB-0129xé日 ", max_size=40))
def test_spans_are_the_characters_python_s_re_would_report(pattern: str, text: str) -> None:
    # patterns that mean the same to both engines (no \b \d \w: ASCII in RE2), on texts mixing
    # one-, two- and three-byte characters: RE2 runs on UTF-8, offsets come back in characters
    rx = compile_pattern(pattern)
    group = rx.groupindex.get(b"value", 0)
    expected = [m.span(group) for m in re.finditer(pattern, text) if m.end(group) > m.start(group)]
    assert list(_spans(rx, group, text)) == expected
