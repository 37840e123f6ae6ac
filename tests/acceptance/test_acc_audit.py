"""Acceptance: the audit log checked by independent code written from RFC 9162 and C2SP (issue 6).

The log is filled through the running gateway; checkpoints, keys and proofs come from the CLI;
everything is re-verified here without importing sovgate.audit. Then rows are edited, deleted,
reordered and appended behind the gateway's back and `sovgate audit verify` must catch each.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fakes.e2e_gateway import E2E

# --- RFC 9162 §2.1, written from the RFC -------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves: list[bytes]) -> bytes:
    """Merkle Tree Hash over leaf hashes (§2.1.1)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """§2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, proof: list[bytes], root1: bytes, root2: bytes) -> bool:
    """§2.1.4.2."""
    if size1 > size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof:
        return False
    if size1 & (size1 - 1) == 0:  # a power of two: prepend first_hash
        proof = [root1, *proof]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


# --- C2SP signed-note / tlog-checkpoint, written from the specs -------------------------------


def verify_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    name, key_hash_hex, key_b64 = vkey.split("+", 2)
    key = base64.b64decode(key_b64)
    assert key[0] == 0x01, "Ed25519 vkeys start with algorithm byte 0x01"
    assert hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == key_hash_hex
    text, _, sigs = note.partition("\n\n")
    text += "\n"
    verified = False
    for line in sigs.splitlines():
        if not line:
            continue
        dash, signer, sig_b64 = line.split(" ")
        assert dash == "\u2014"
        sig = base64.b64decode(sig_b64)
        if signer == name and sig[:4].hex() == key_hash_hex:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(sig[4:], text.encode())  # raises if bad
            verified = True
    assert verified, "no signature by the log's key"
    origin, size, root_b64 = text.splitlines()[:3]
    return origin, int(size), base64.b64decode(root_b64)


# --- helpers -----------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sovgate", "audit", *args], capture_output=True, text=True, timeout=60
    )


def db_path(gw: E2E) -> Path:
    return Path(gw.audit_url.removeprefix("sqlite:///"))


def leaves(db: Path, size: int) -> list[bytes]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT idx, payload FROM audit_entries WHERE idx < ? ORDER BY idx", (size,))
        out = [(idx, payload) for idx, payload in rows]
    assert [i for i, _ in out] == list(range(size))
    return [leaf_hash(p) for _, p in out]


@pytest.fixture(scope="module")
def filled(gateway: E2E) -> E2E:
    client = gateway.client()
    for text in (
        "What is the capital of France?",
        "Bitte schreibe an Herrn Jürgen Müller, jmueller@example.de.",
        "Patientin Anna Schmidt hat Diabetes Typ 2.",
        "VS-NfD: Lagebericht kürzen.",
    ):
        client.chat.completions.create(model="chat", messages=[{"role": "user", "content": text}])
    return gateway


def test_checkpoint_signature_and_root_verify_independently(filled: E2E) -> None:
    vkey = cli("key", "--audit", filled.audit_url).stdout.strip()
    note = cli("checkpoint", "--audit", filled.audit_url).stdout
    origin, size, root = verify_checkpoint(note, vkey)
    assert origin == vkey.split("+")[0] and size >= 4
    assert mth(leaves(db_path(filled), size)) == root
    forged = note.replace(f"\n{size}\n", f"\n{size + 1}\n")
    with pytest.raises(InvalidSignature):
        verify_checkpoint(forged, vkey)


def run_all(calls: dict[str, list[str]]) -> dict[str, str]:
    """Run several `sovgate audit ...` calls at once (each is a fresh interpreter)."""
    procs = {
        key: subprocess.Popen(
            [sys.executable, "-m", "sovgate", "audit", *args], stdout=subprocess.PIPE, text=True
        )
        for key, args in calls.items()
    }
    return {key: p.communicate(timeout=60)[0] for key, p in procs.items()}


def test_inclusion_and_consistency_proofs_verify_independently(filled: E2E) -> None:
    url = filled.audit_url
    size = int(cli("checkpoint", "--audit", url).stdout.splitlines()[1])
    hashes = leaves(db_path(filled), size)
    indices, sizes = sorted({1, size - 1}), sorted({3, size // 2})
    calls = {f"i{i}": ["proof", "--index", str(i), "--size", str(size), "--audit", url] for i in indices}
    calls |= {f"c{m}": ["proof", "--consistency", str(m), str(size), "--audit", url] for m in sizes}
    out = {key: json.loads(text) for key, text in run_all(calls).items()}
    for index in indices:
        got = out[f"i{index}"]
        assert got["type"] == "inclusion" and (got["index"], got["tree_size"]) == (index, size)
        assert got["leaf_hash"] == hashes[index].hex() and got["root"] == mth(hashes).hex()
        proof = [bytes.fromhex(h) for h in got["proof"]]
        assert verify_inclusion(index, size, hashes[index], proof, mth(hashes))
        other = hashes[index - 1] if index else hashes[1]
        assert not verify_inclusion(index, size, other, proof, mth(hashes))
    for size1 in sizes:
        got = out[f"c{size1}"]
        assert got["type"] == "consistency" and (got["size1"], got["size2"]) == (size1, size)
        assert got["root1"] == mth(hashes[:size1]).hex() and got["root2"] == mth(hashes).hex()
        proof = [bytes.fromhex(h) for h in got["proof"]]
        assert verify_consistency(size1, size, proof, mth(hashes[:size1]), mth(hashes))


def _edit_with_leaf(conn: sqlite3.Connection) -> None:
    payload = conn.execute("SELECT payload FROM audit_entries WHERE idx = 2").fetchone()[0]
    forged = payload.replace(b"acme-de", b"acme-xx")
    assert forged != payload
    conn.execute(
        "UPDATE audit_entries SET payload = ?, leaf_hash = ? WHERE idx = 2", (forged, leaf_hash(forged))
    )


def _swap(conn: sqlite3.Connection) -> None:
    cols = "id, time, tenant, leaf_hash, payload"
    a = conn.execute(f"SELECT {cols} FROM audit_entries WHERE idx = 1").fetchone()
    b = conn.execute(f"SELECT {cols} FROM audit_entries WHERE idx = 2").fetchone()
    sets = "id = ?, time = ?, tenant = ?, leaf_hash = ?, payload = ?"
    conn.execute(f"UPDATE audit_entries SET {sets} WHERE idx = 1", b)
    conn.execute(f"UPDATE audit_entries SET {sets} WHERE idx = 2", a)


def _append(conn: sqlite3.Connection) -> None:
    last = conn.execute("SELECT max(idx) FROM audit_entries").fetchone()[0]
    row = conn.execute("SELECT time, tenant, leaf_hash, payload FROM audit_entries WHERE idx = 0").fetchone()
    conn.execute("INSERT INTO audit_entries VALUES (?, 'forged', ?, ?, ?, ?)", (last + 1, *row))


TAMPER: dict[str, tuple[Callable[[sqlite3.Connection], object], str]] = {
    "edit-payload-and-leaf-hash": (_edit_with_leaf, "entry 2"),
    "delete-row": (lambda c: c.execute("DELETE FROM audit_entries WHERE idx = 1"), "entry 1"),
    "swap-rows": (_swap, "moved"),  # names entry 0 (the subtree 0..1), not entry 1: see qa notes
    "append-row": (_append, "forged"),
}


def test_verify_catches_every_edit_behind_the_gateways_back(filled: E2E, tmp_path: Path) -> None:
    vkey = cli("key", "--audit", filled.audit_url).stdout.strip()
    copies: dict[str, Path] = {}
    for name in ["untouched", *TAMPER]:
        copy = copies[name] = tmp_path / f"{name}.db"
        with sqlite3.connect(db_path(filled)) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        if name in TAMPER:
            with sqlite3.connect(copy) as conn:
                TAMPER[name][0](conn)
    procs = {
        name: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sovgate",
                "audit",
                "verify",
                "--audit",
                f"sqlite:///{db}",
                "--vkey",
                vkey,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, db in copies.items()
    }
    results = {name: (p.wait(60), p.stdout.read()) for name, p in procs.items()}  # type: ignore[union-attr]
    rc, out = results.pop("untouched")
    assert rc == 0 and "OK" in out, out
    for name, (rc, out) in results.items():
        flat = " ".join(out.split())
        assert rc == 1, f"{name}: verify exit {rc}: {out}"
        assert "FAILED" in flat and TAMPER[name][1] in flat, f"{name}: {flat}"
