"""The peer-gateway adapter's pure parts: what a peer's answer head and errors become."""

from __future__ import annotations

import pytest

from sovgate.upstream import Hop, UpstreamError, UpstreamRejected
from sovgate.upstream.openai import check_peer, hop_lines, peer_decision


def test_hop_lines_are_two_header_lines() -> None:
    lines = hop_lines(Hop("fra.acme.example/audit", "0190ab"))
    assert (
        lines == b"x-sovgate-forwarded-by: fra.acme.example/audit\r\nx-sovgate-forwarded-decision: 0190ab\r\n"
    )


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (b"0190b7e3c1d24f6a8e9b0c1d2e3f4a5b", "0190b7e3c1d24f6a8e9b0c1d2e3f4a5b"),
        (b"x" * 201, "invalid"),  # what a peer sends goes into this log's signed leaves: bounded
        (b"caf\xe9", "invalid"),
        (b"", "invalid"),
        (None, None),
    ],
)
def test_the_peer_decision_is_kept_only_when_well_formed(value: bytes | None, kept: str | None) -> None:
    headers = {} if value is None else {b"x-sovgate-decision": value}
    assert peer_decision(headers) == kept


def test_a_peer_refusal_goes_back_and_its_failures_say_why() -> None:
    body = b'{"error": {"message": "Refused by policy rule x/y: no.", "code": "policy_denied"}}'
    for status in (400, 403, 404, 413, 422):
        with pytest.raises(UpstreamRejected) as rejected:
            check_peer("sha-gateway", status, body)
        assert (rejected.value.status, rejected.value.body) == (status, body)
    with pytest.raises(UpstreamError) as failed:
        check_peer("sha-gateway", 503, b'{"error": {"message": "No eligible provider\\ncould be reached."}}')
    assert failed.value.reason == "HTTP 503: No eligible provider could be reached."
    for junk in (b"<html>bad gateway</html>", b'{"error": "flat"}', b"[]", b'{"error": {"message": 5}}'):
        with pytest.raises(UpstreamError) as failed:
            check_peer("sha-gateway", 502, junk)
        assert failed.value.reason == "HTTP 502"
    check_peer("sha-gateway", 200, b"{}")  # success: nothing raised
