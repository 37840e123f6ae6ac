"""The tokens an answer used: the provider's count where it gives one, else an estimate."""

from __future__ import annotations

import json

import pytest

from sovgate.limits.usage import StreamMeter, estimate_tokens, reported_tokens


@pytest.mark.parametrize(
    ("answer", "tokens"),
    [
        ({"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}, 15),
        ({"usage": {"prompt_tokens": 7, "completion_tokens": 3}}, 10),  # no total: the parts
        ({"object": "list", "data": [], "usage": {"prompt_tokens": 4, "total_tokens": 4}}, 4),  # embeddings
        ({"choices": [{"message": {"content": "hi"}}]}, None),  # none reported
        ({"usage": None}, None),
        ({"usage": {}}, None),
        ({"usage": {"total_tokens": "lots"}}, None),  # not a count: estimated instead
        ({"usage": {"total_tokens": -3}}, 0),  # never a credit
    ],
)
def test_reported_tokens(answer: dict, tokens: int | None) -> None:
    assert reported_tokens(json.dumps(answer).encode()) == tokens


def test_unreadable_answers_report_nothing() -> None:
    assert reported_tokens(b"not json") is None and reported_tokens(b"[1, 2]") is None


def test_the_estimate_rounds_up() -> None:
    assert estimate_tokens(0, 0) == 0 and estimate_tokens(1, 0) == 1 and estimate_tokens(400, 7) == 107


def test_a_stream_meter_takes_the_reported_count_else_counts_events() -> None:
    meter = StreamMeter()
    for _ in range(6):
        meter.event(b'{"choices": [{"delta": {"content": "a"}}]}')
    assert meter.tokens(prompt_chars=40) == 10 + 6
    meter.event(b'{"choices": [], "usage": {"total_tokens": 99}}')
    assert meter.tokens(prompt_chars=40) == 99
    quoted = StreamMeter()  # the word in the text is not a usage object
    quoted.event(b'{"choices": [{"delta": {"content": "\\"usage\\""}}]}')
    assert quoted.tokens(0) == 1
