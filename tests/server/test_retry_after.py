"""A provider's Retry-After, read from its error answer, and what the gateway does with it."""

from __future__ import annotations

import pytest

from sovgate.upstream import UpstreamError
from sovgate.upstream._retry import MAX_WAIT_S, retry_after_s
from sovgate.upstream.openai import check, check_peer

NOW = 1_795_802_400.0  # Fri, 27 Nov 2026 18:00:00 GMT


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({b"retry-after": b"20"}, 20.0),
        ({b"retry-after": b" 1.5 "}, 1.5),
        ({b"retry-after-ms": b"1500", b"retry-after": b"2"}, 1.5),  # OpenAI's, read first (as its SDKs do)
        ({b"retry-after-ms": b"soon", b"retry-after": b"2"}, 2.0),  # unreadable: the other one
        ({b"retry-after": b"Fri, 27 Nov 2026 18:01:00 GMT"}, 60.0),  # an HTTP-date
        ({b"retry-after": b"Fri, 27 Nov 2026 17:59:00 GMT"}, 0.0),  # in the past: now
        ({b"retry-after": b"Fri, 27 Nov 2026 18:01:00 -0000"}, None),  # no zone: not an HTTP-date
        ({b"retry-after": b"1e9"}, MAX_WAIT_S),  # more than a day: a day
        ({b"retry-after": b"-3"}, None),
        ({b"retry-after": b"nan"}, None),
        ({b"retry-after": b"inf"}, None),
        ({b"retry-after": b"tomorrow"}, None),
        ({b"retry-after": b""}, None),
        ({}, None),
    ],
    ids=[
        "seconds",
        "fraction",
        "ms-first",
        "bad-ms",
        "http-date",
        "past-date",
        "zoneless-date",
        "capped",
        "negative",
        "nan",
        "inf",
        "words",
        "empty",
        "absent",
    ],
)
def test_retry_after(headers: dict[bytes, bytes], wait: float | None) -> None:
    assert retry_after_s(headers, now=NOW) == wait


def test_a_429_is_a_rate_limit_with_its_wait_and_other_failures_are_not() -> None:
    with pytest.raises(UpstreamError) as limited:
        check("us", 429, b"{}", 3.5)
    assert limited.value.rate_limited and limited.value.retry_after == 3.5
    with pytest.raises(UpstreamError) as peer:  # a peer gateway's own 429 (its tenant rate limit)
        check_peer("peer", 429, b'{"error": {"message": "Rate limit reached for tenant x."}}', 7.0)
    assert peer.value.rate_limited and peer.value.retry_after == 7.0
    assert peer.value.reason == "HTTP 429: Rate limit reached for tenant x."
    with pytest.raises(UpstreamError) as down:
        check("us", 503, b"{}", 30.0)
    assert not down.value.rate_limited and down.value.retry_after == 30.0
