"""Leaf versions (QA A0): a log written by an older sovgate (v1 leaves without `index`, v2 before
federation, v3 before endpoints and own detectors, v4 before findings' details) still verifies, is
extended with current leaves, and tampering with its old rows is still caught."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest
from audit_cases import rec

import sovgate.audit.log as log_module
from sovgate.audit import LogReader, decode_leaf, open_audit_log_sync, open_log_reader
from sovgate.audit.record import LEAF_VERSION, AuditRecord, FindingSummary
from sovgate.audit.verify import TamperError, verify_log

# the fields each leaf version added
_ADDED = {
    2: ("index", "excluded", "details"),  # the index signed: e3bc6a7
    3: ("forwarded_by", "forwarded_decision", "peer_decisions"),  # federation, 2026-11-27
    4: ("endpoint", "detectors"),  # which API, the organization's own detectors: 2026-11-28
    5: ("findings.detail",),  # which ID scheme, marking or secret type: 2026-11-28
}


def _older_leaf(version: int) -> Callable[[AuditRecord, int], bytes]:
    """The leaf encoding of a sovgate that wrote `version` leaves: without the fields added since
    (v1: record.py at 543f4e4, v2: at fc9d588, v3: at d9283a6, v4: at b7a8f4c)."""
    dropped = {f for v, fields in _ADDED.items() if v > version for f in fields}

    def leaf(record: AuditRecord, index: int) -> bytes:
        data = {k: x for k, x in msgspec.to_builtins(record).items() if k not in dropped}
        if "findings.detail" in dropped:
            data["findings"] = [{k: x for k, x in f.items() if k != "detail"} for f in data["findings"]]
        return msgspec.json.encode(
            data | {"v": version} | ({} if version == 1 else {"index": index}), order="sorted"
        )

    return leaf


_v1_leaf, _v2_leaf, _v3_leaf, _v4_leaf = (_older_leaf(v) for v in (1, 2, 3, 4))


def _append(url: str, log_kwargs: dict, records: list[AuditRecord]) -> None:
    log = open_audit_log_sync(url, checkpoint_every=4, **log_kwargs)
    for r in records:
        log.append_sync(r)
    log.close_sync()


def _append_as(leaf: object, url: str, log_kwargs: dict, mp: pytest.MonkeyPatch, records: list) -> None:
    """Append `records` as an older (or newer) sovgate would have: its leaf encoding `leaf`."""
    with mp.context() as m:
        m.setattr(log_module, "sequenced_leaf", leaf)
        _append(url, log_kwargs, records)


@pytest.fixture
def mixed(audit_url: str, log_kwargs: dict, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict]:
    """Entries 0..7 written as v1 (no index), 8..11 by the current writer."""
    _append_as(_v1_leaf, audit_url, log_kwargs, monkeypatch, [rec(i) for i in range(8)])
    _append(audit_url, log_kwargs, [rec(i) for i in range(8, 12)])
    return audit_url, log_kwargs


def test_a_v2_log_verifies_and_continues_with_current_leaves(
    audit_url: str, log_kwargs: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append_as(_v2_leaf, audit_url, log_kwargs, monkeypatch, [rec(i) for i in range(5)])
    _append(
        audit_url, log_kwargs, [msgspec.structs.replace(rec(5), peer_decisions={"sha-gateway": "0190abc"})]
    )
    log = open_log_reader(audit_url, key_path=log_kwargs["key_path"])
    payloads = [e.payload or b"" for e in log.store.iter_entries()]
    assert all(b"peer_decisions" not in p for p in payloads[:5]) and b'"v":2' in payloads[0]
    leaves = [decode_leaf(p) for p in payloads]
    assert [(r.v, r.index) for r in leaves] == [(2, i) for i in range(5)] + [(LEAF_VERSION, 5)]
    assert leaves[0].peer_decisions == {} and leaves[5].peer_decisions == {"sha-gateway": "0190abc"}
    assert verify_log(log).size == 6
    log.close_sync()


def test_a_v3_log_verifies_and_continues_with_current_leaves(
    audit_url: str, log_kwargs: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append_as(_v3_leaf, audit_url, log_kwargs, monkeypatch, [rec(i) for i in range(4)])
    newer = msgspec.structs.replace(rec(4), endpoint="responses", detectors={"acme.codename": 2})
    _append(audit_url, log_kwargs, [newer])
    log = open_log_reader(audit_url, key_path=log_kwargs["key_path"])
    payloads = [e.payload or b"" for e in log.store.iter_entries()]
    assert all(b"detectors" not in p and b'"v":3' in p for p in payloads[:4])
    leaves = [decode_leaf(p) for p in payloads]
    assert [(r.v, r.endpoint, r.detectors) for r in leaves] == [(3, None, {})] * 4 + [
        (LEAF_VERSION, "responses", {"acme.codename": 2})
    ]
    assert verify_log(log).size == 5
    log.close_sync()


def test_a_v4_log_verifies_and_continues_with_findings_details(
    audit_url: str, log_kwargs: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    marked = (
        FindingSummary("CLASSIFIED", "DE", 1, "VS-NfD"),
        FindingSummary("NATIONAL_ID", "DE", 2, "de.idnr"),
    )
    with_details = [msgspec.structs.replace(rec(i), findings=marked) for i in range(3)]
    _append_as(_v4_leaf, audit_url, log_kwargs, monkeypatch, with_details)
    _append(audit_url, log_kwargs, [msgspec.structs.replace(rec(3), findings=marked)])
    log = open_log_reader(audit_url, key_path=log_kwargs["key_path"])
    payloads = [e.payload or b"" for e in log.store.iter_entries()]
    assert all(b'"detail"' not in p and b'"v":4' in p for p in payloads[:3])
    leaves = [decode_leaf(p) for p in payloads]
    assert [(r.v, [f.detail for f in r.findings]) for r in leaves] == [(4, [None, None])] * 3 + [
        (5, ["VS-NfD", "de.idnr"])
    ]
    assert verify_log(log).size == 4
    log.close_sync()


def _reader(mixed: tuple[str, dict]) -> LogReader:
    url, kw = mixed
    return open_log_reader(url, key_path=kw["key_path"])


def test_old_leaves_verify_and_the_log_continues_in_the_new_version(mixed: tuple[str, dict]) -> None:
    log = _reader(mixed)
    leaves = [decode_leaf(e.payload or b"") for e in log.store.iter_entries()]
    assert [(r.v, r.index) for r in leaves[:8]] == [(1, None)] * 8
    assert [(r.v, r.index) for r in leaves[8:]] == [(LEAF_VERSION, i) for i in range(8, 12)]
    assert LEAF_VERSION == 5
    assert verify_log(log).size == 12
    log.close_sync()


def test_old_rows_moved_are_still_caught(mixed: tuple[str, dict]) -> None:
    log = _reader(mixed)
    sql = log.store.q("UPDATE audit_entries SET idx = ? WHERE idx = ?")
    conn = log.store.reader()
    for a, b in ((-1, 2), (2, 3), (3, -1)):  # rows 2 and 3 exchange places
        conn.execute(sql, (a, b))
    with pytest.raises(TamperError) as exc:
        verify_log(log)  # a v1 leaf names no index: the tree node over 2..3 tells
    assert exc.value.index == 2
    log.close_sync()


def test_a_new_leaf_without_its_index_is_refused(mixed: tuple[str, dict]) -> None:
    """Only v1 may omit the index: a v2 leaf rewritten without it (hashes recomputed) fails."""
    from sovgate.audit import merkle

    log = _reader(mixed)
    e = log.store.entry_at(9)
    assert e is not None and e.payload is not None
    new = e.payload.replace(b'"index":9,', b'"index":null,')
    conn = log.store.reader()
    conn.execute(
        log.store.q("UPDATE audit_entries SET payload = ?, leaf_hash = ? WHERE idx = 9"),
        (new, merkle.leaf_hash(new)),
    )
    with pytest.raises(TamperError, match="signed at index None") as exc:
        verify_log(log)
    assert exc.value.index == 9
    log.close_sync()


def test_a_newer_leaf_with_fields_this_version_lacks_says_upgrade_not_tampered(
    audit_url: str, log_kwargs: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sovgate.audit import AuditError

    def v4_leaf(record: AuditRecord, index: int) -> bytes:
        data = msgspec.to_builtins(record) | {"index": index, "v": LEAF_VERSION + 1, "new_field": "x"}
        return msgspec.json.encode(data, order="sorted")

    _append_as(v4_leaf, audit_url, log_kwargs, monkeypatch, [rec(0)])
    log = open_log_reader(audit_url, key_path=log_kwargs["key_path"])
    with pytest.raises(AuditError, match=f"version {LEAF_VERSION + 1} leaf; this sovgate reads up to"):
        verify_log(log)
    log.close_sync()
