"""JSON-escaped text (json.dumps' default ensure_ascii) is read as the text it encodes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sovgate.classify import Classifier
from sovgate.classify._normalize import normalize


def test_escaped_name_in_tool_arguments_is_found_with_its_raw_span():
    raw = json.dumps({"email": "jmueller@example.de", "name": "Herr Jürgen Müller"})
    found = {(f.kind, raw[f.start : f.end]) for f in Classifier.default().detect(raw)}
    assert ("PERSON", "J\\u00fcrgen M\\u00fcller") in found
    assert ("EMAIL", "jmueller@example.de") in found


def test_an_escaped_backslash_is_not_an_escape():
    n = normalize('"C:\\\\user\\\\u00fc"')
    assert n.text == n.original


@given(st.text(min_size=1, max_size=40))
def test_every_decoded_character_maps_back_to_its_escape(value: str):
    raw = json.dumps(value)
    n = normalize(raw)
    # the normalized text of a decoded string never loses characters of the original value
    for i in range(len(n.text)):
        a, b = n.span(i, i + 1)
        assert 0 <= a < b <= len(raw)
    # whole-text span covers the whole original
    assert n.span(0, len(n.text)) == (0, len(raw))
