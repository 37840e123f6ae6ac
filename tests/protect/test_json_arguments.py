"""Masking inside JSON (tool-call arguments) keeps it valid JSON, wherever a span falls."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sovgate.messages import extract_segments
from sovgate.protect import Pseudonymizer, PseudonymSession, restore
from sovgate.types import Finding

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**18), 10**18)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet='aé中"\\\n\t /€😀', max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet='ké"\\', max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


def call(arguments: str) -> dict:
    fn = {"name": "f", "arguments": arguments}
    return {
        "messages": [{"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": fn}]}]
    }


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    doc=JSON_VALUES,
    ensure_ascii=st.booleans(),
    spans=st.lists(st.tuples(st.integers(0, 300), st.integers(1, 40)), min_size=1, max_size=4),
    style=st.sampled_from(["placeholder", "surrogate"]),
)
def test_any_span_in_any_json_stays_valid_both_ways(doc, ensure_ascii, spans, style):
    args = json.dumps(doc, ensure_ascii=ensure_ascii)
    body = call(args)
    segs = extract_segments(body)
    findings = []
    for start, length in spans:
        start %= len(args)
        end = min(len(args), start + length)
        if start < end:
            findings.append(Finding("PERSON", start, end))
    session = PseudonymSession()
    new, report = Pseudonymizer(style, seed=1).protect(body, segs, findings, {"PERSON"}, session)
    sent = new["messages"][0]["tool_calls"][0]["function"]["arguments"]
    json.loads(sent)  # valid after masking
    back = restore(sent, session, scope=report.tokens, in_json=True)
    json.loads(back)  # and after restoring
    # the same document again, except that masked numbers and literals come back as strings
    assert _as_text(json.loads(back)) == _as_text(doc)


def _as_text(v):
    if isinstance(v, dict):
        return {k: _as_text(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_as_text(x) for x in v]
    return v if isinstance(v, str) else json.dumps(v)


def test_span_across_key_and_value_masks_each_string_separately():
    args = json.dumps({"first": "Anna", "last": "Schmidt", "age": 41})
    start, end = args.index("Anna"), args.index("Schmidt") + len("Schmidt")
    body = call(args)
    session = PseudonymSession()
    new, report = Pseudonymizer().protect(
        body, extract_segments(body), [Finding("PERSON", start, end)], {"PERSON"}, session
    )
    sent = json.loads(new["messages"][0]["tool_calls"][0]["function"]["arguments"])
    assert sent == {"first": "[PERSON_1]", "[PERSON_2]": "[PERSON_3]", "age": 41}
    assert report.masked == {"PERSON": 3}
