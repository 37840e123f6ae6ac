"""protect on the findings of the real classifier: whatever it finds never goes up, and comes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovgate.classify import Classifier
from sovgate.messages import extract_segments
from sovgate.protect import ChunkRestorer, Pseudonymizer, PseudonymSession, restore
from sovgate.types import ENTITY_TYPES

CASES = json.loads((Path(__file__).parent / "testdata" / "multilingual.json").read_text())["cases"]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.default()


@pytest.mark.parametrize("style", ["placeholder", "surrogate"])
def test_found_values_never_reach_the_upstream_and_come_back(classifier, style):
    for case in CASES:
        args = json.dumps({"to": case["text"]})
        body = {
            "messages": [
                {"role": "user", "content": case["text"]},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": "c", "type": "function", "function": {"name": "f", "arguments": args}}
                    ],
                },
            ]
        }
        segments = extract_segments(body)
        cl = classifier.classify(segments)
        session = PseudonymSession()
        masked, report = Pseudonymizer(style, seed=3).protect(
            body, segments, cl.findings, ENTITY_TYPES, session
        )
        upstream = json.dumps(masked, ensure_ascii=False)
        found = {segments[f.segment].text[f.start : f.end] for f in cl.findings if f.kind in ENTITY_TYPES}
        for value in found:
            assert value not in upstream, (case["name"], value)
        content = masked["messages"][0]["content"]
        assert restore(content, session, scope=report.tokens) == case["text"]
        sent_args = masked["messages"][1]["tool_calls"][0]["function"]["arguments"]
        cr = ChunkRestorer(session, scope=report.tokens)
        chunks = [
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {
                            "tool_calls": [{"index": 0, "function": {"arguments": sent_args[i : i + 2]}}]
                        },
                    }
                ]
            }
            for i in range(0, len(sent_args), 2)
        ]
        out = [cr.restore_chunk(c) for c in chunks] + cr.finish()
        got = "".join(
            tc["function"]["arguments"]
            for c in out
            for tc in c["choices"][0]["delta"].get("tool_calls") or []
        )
        assert json.loads(got) == {"to": case["text"]}
