"""Helpers for protect tests: findings located the way a classifier would report them."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pytest

from sovgate.messages import extract_segments
from sovgate.protect import Pseudonymizer, PseudonymSession
from sovgate.types import Finding, Segment


def locate(segments: Sequence[Segment], values: dict[str, str]) -> list[Finding]:
    """A Finding for every occurrence of each value (raw or JSON-escaped) in every segment."""
    out: list[Finding] = []
    for i, seg in enumerate(segments):
        for value, kind in values.items():
            forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
            for form in forms:
                for m in re.finditer(re.escape(form), seg.text):
                    out.append(Finding(kind, m.start(), m.end(), segment=i))
    return out


def protect_values(body, values, types=None, session=None, pz=None):
    segments = extract_segments(body)
    session = session if session is not None else PseudonymSession()
    pz = pz or Pseudonymizer()
    types = types if types is not None else set(values.values())
    new, report = pz.protect(body, segments, locate(segments, values), types, session)
    return new, report, session


@pytest.fixture
def pz() -> Pseudonymizer:
    return Pseudonymizer()
