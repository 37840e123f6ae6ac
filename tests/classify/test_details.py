"""The list of details (classify/details.py) that policy `details:` conditions are checked against
covers every detail the built-in detectors give: in the test corpora, and in their source."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sovgate.classify import Classifier
from sovgate.classify.details import builtin_details, known_details
from sovgate.types import CATEGORIES, ENTITY_TYPES, CustomRule

TESTDATA = Path(__file__).parent / "testdata"
SOURCE = Path(__file__).parents[2] / "src" / "sovgate" / "classify"


def _texts(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def test_every_detail_found_in_the_test_corpora_is_listed_with_its_kind() -> None:
    details = builtin_details()
    clf = Classifier.default()
    seen: set[tuple[str, str | None]] = set()
    for path in sorted(TESTDATA.glob("*.json")):
        for text in _texts(json.loads(path.read_text())):
            seen.update((f.kind, f.detail) for f in clf.detect(text))
    assert len(seen) > 60  # the corpora reach most detectors: a broken walk would find little
    missing = sorted((k, str(d)) for k, d in seen if d is None or k not in details.get(d, ()))
    assert missing == []


# Hit("KIND", start, end, score, jurisdiction, "detail"): a detail written into the detector's code
_LITERAL = re.compile(r'Hit\(\s*"([A-Z_]+)",[^\n]*,\s*"([^"]+)"\s*\)')


def test_every_detail_written_in_a_detectors_code_is_listed_with_its_kind() -> None:
    details = builtin_details()
    found = [m.groups() for p in sorted(SOURCE.glob("*.py")) for m in _LITERAL.finditer(p.read_text())]
    assert len(found) > 25
    assert [(k, d) for k, d in found if k not in details.get(d, ())] == []


def test_details_name_kinds_that_exist_and_no_values() -> None:
    kinds = set(ENTITY_TYPES) | set(CATEGORIES)
    for detail, of in builtin_details().items():
        assert of and of <= kinds, detail
        assert len(detail) <= 40 and not re.search(r"\d{3}", detail), detail  # names, never values
    assert builtin_details()["VS-NfD"] == {"CLASSIFIED"} and builtin_details()["de.idnr"] == {"NATIONAL_ID"}
    assert {"HEALTH", "FINANCIAL"} <= builtin_details()["lexicon"]


def test_own_detectors_add_their_names_and_kinds() -> None:
    own = known_details(
        [
            CustomRule(detail="acme.codename", kind="CLASSIFIED", terms=("bluebird",)),
            CustomRule(detail="visa", kind="SECRET", pattern=r"VISA-\d{4}"),  # a built-in name, reused
        ]
    )
    assert own["acme.codename"] == {"CLASSIFIED"} and own["visa"] == {"CREDIT_CARD", "SECRET"}
    assert "acme.codename" not in builtin_details()
