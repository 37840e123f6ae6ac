"""Cross-checking the logs of two federated gateways: does every request one region sent to the
other appear in the other's log, pointing back to it, and the other way round?

Each log alone proves what its gateway did. Between regions, the links are the records' own
fields: the sender's `peer_decisions[peer provider]` names the receiver's record, whose
`forwarded_by` (the sender's log origin) and `forwarded_decision` (the sender's record id) name
it back. `cross_check` is a pure function over the two logs' records; `sovgate audit
cross-check` runs it on two stores (after `sovgate audit verify` has checked each one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sovgate.audit.record import AuditRecord


@dataclass
class CrossCheck:
    matched: int = 0  # sent and received, each naming the other
    # sent to the peer with its record id, and no such record (or one that does not name us back)
    missing_at_peer: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    # sent to the peer without a record id of it (the peer's answer head never came): maybe received
    unconfirmed: list[str] = field(default_factory=list)
    # received by the peer as forwarded from us, and no record of ours sent it there
    unknown_at_sender: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing_at_peer or self.mismatched or self.unknown_at_sender)


def cross_check(
    sender: Iterable[AuditRecord],
    sender_origin: str,
    peer_provider: str,
    receiver: Iterable[AuditRecord],
) -> CrossCheck:
    """Match the requests `sender` (whose log origin is `sender_origin`) sent to its provider
    `peer_provider` against the records of the peer's log `receiver`."""
    received = {r.id: r for r in receiver if r.kind == "request" and r.forwarded_by == sender_origin}
    result = CrossCheck()
    sent_ids: set[str] = set()
    for rec in sender:
        if rec.kind != "request" or peer_provider not in rec.protection:  # protection: every provider sent to
            continue
        sent_ids.add(rec.id)
        peer_id = rec.peer_decisions.get(peer_provider)
        if peer_id is None:
            result.unconfirmed.append(rec.id)
            continue
        other = received.get(peer_id)
        if other is None:
            result.missing_at_peer.append(f"{rec.id} -> {peer_id}")
        elif other.forwarded_decision != rec.id:
            result.mismatched.append(f"{rec.id} -> {peer_id} (which names {other.forwarded_decision!r})")
        else:
            result.matched += 1
    for rid, other in received.items():
        if other.forwarded_decision not in sent_ids:
            result.unknown_at_sender.append(f"{rid} <- {other.forwarded_decision}")
    return result
