"""Cross-checking two federated logs (sovgate.audit.federation): the links both ways."""

from __future__ import annotations

from sovgate.audit import AuditRecord, admin_record
from sovgate.audit.federation import cross_check

FRA = "fra.example/audit"


def sent(rid: str, peer_id: str | None, provider: str = "sha") -> AuditRecord:
    return AuditRecord(
        id=rid,
        provider=provider,
        protection={provider: ()},
        peer_decisions={provider: peer_id} if peer_id else {},
    )


def received(rid: str, back: str, origin: str = FRA) -> AuditRecord:
    return AuditRecord(id=rid, provider="cn", forwarded_by=origin, forwarded_decision=back)


def test_each_kind_of_break_is_named() -> None:
    fra = [
        sent("a1", "s1"),  # matched
        sent("a2", "s2"),  # the peer has no s2
        sent("a3", "s3"),  # s3 names another request
        sent("a4", None),  # no id came back
        AuditRecord(id="a5", provider="us", protection={"us": ()}),  # not sent to the peer
        admin_record("gateway.start", details={}, fingerprint=""),
    ]
    sha = [
        received("s1", "a1"),
        received("s3", "a9"),
        received("s4", "a7"),  # claims a request Frankfurt never sent there
        received("s5", "a1", origin="other.example/audit"),  # another region's: not ours to check
        AuditRecord(id="s6", provider="cn"),  # a local request in Shanghai
    ]
    result = cross_check(fra, FRA, "sha", sha)
    assert result.matched == 1
    assert result.missing_at_peer == ["a2 -> s2"]
    assert result.mismatched == ["a3 -> s3 (which names 'a9')"]
    assert result.unconfirmed == ["a4"]
    assert result.unknown_at_sender == ["s3 <- a9", "s4 <- a7"]  # s3 is wrong from both ends
    assert not result.ok


def test_a_failover_away_from_the_peer_still_counts_as_sent() -> None:
    # sent to the peer, which failed with its own record, then served by another provider
    rec = AuditRecord(id="a1", provider="de", protection={"sha": (), "de": ()}, peer_decisions={"sha": "s1"})
    result = cross_check([rec], FRA, "sha", [received("s1", "a1")])
    assert (result.matched, result.ok) == (1, True)


def test_unconfirmed_alone_is_not_a_failure() -> None:
    result = cross_check([sent("a1", None)], FRA, "sha", [])
    assert result.ok and result.unconfirmed == ["a1"]
