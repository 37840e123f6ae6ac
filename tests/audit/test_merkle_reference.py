"""Production proofs against the naive reference, generate-then-verify, and corruption probes
(the checks of transparency-dev/merkle proof/verify_test.go and Go sumdb tlog_test.go)."""

from __future__ import annotations

import pytest
from audit_reference import ref_leaf_hash, ref_mth, ref_path, ref_proof
from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.audit import merkle
from sovgate.audit._store import stored_index

LEAVES = [bytes([i]) * (i % 5) for i in range(70)]  # short, varied leaves, some empty
HASHES = [merkle.leaf_hash(d) for d in LEAVES]
READ = merkle.leaves_reader(HASHES)


@pytest.mark.parametrize("size", range(1, 70))
def test_every_proof_equals_reference_and_verifies(size: int) -> None:
    leaves = LEAVES[:size]
    root = merkle.root(size, READ)
    assert root == ref_mth(leaves)
    for m in range(size):
        proof = merkle.inclusion_proof(m, size, READ)
        assert proof == ref_path(m, leaves)
        merkle.verify_inclusion(m, size, HASHES[m], proof, root)
    for m in range(1, size):
        proof = merkle.consistency_proof(m, size, READ)
        assert proof == ref_proof(m, leaves)
        merkle.verify_consistency(m, size, ref_mth(leaves[:m]), root, proof)


def test_compact_range_emits_every_stored_node_once_in_order() -> None:
    rng = merkle.CompactRange()
    positions = []
    for i, h in enumerate(HASHES):
        positions.append(stored_index(0, i))
        for (level, n), node in rng.append(h):
            positions.append(stored_index(level, n))
            assert node == ref_mth(LEAVES[n << level : (n + 1) << level])
        assert rng.root() == ref_mth(LEAVES[: i + 1])
    assert positions == list(range(len(positions)))  # the append-only order of Go tlog


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000), st.data())
def test_generated_proofs_verify_for_random_sizes(size: int, data: st.DataObject) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    hashes = [ref_leaf_hash(d) for d in leaves]
    read = merkle.leaves_reader(hashes)
    root = merkle.root(size, read)
    index = data.draw(st.integers(0, size - 1))
    merkle.verify_inclusion(index, size, hashes[index], merkle.inclusion_proof(index, size, read), root)
    if size > 1:
        m = data.draw(st.integers(1, size - 1))
        old = merkle.root(m, read)
        assert old == ref_mth(leaves[:m])
        merkle.verify_consistency(m, size, old, root, merkle.consistency_proof(m, size, read))


def _flips(proof: list[bytes]) -> list[list[bytes]]:
    out = []
    for i, p in enumerate(proof):
        for bit in (0, 7, 255):
            q = bytearray(p)
            q[bit // 8] ^= 1 << (bit % 8)
            out.append([*proof[:i], bytes(q), *proof[i + 1 :]])
    return out


def _edits(proof: list[bytes], root: bytes) -> list[list[bytes]]:
    """Truncated, extended, reordered proofs (the verify_test.go corruption list)."""
    out = [[*proof, b"\x00" * 32], [b"\x00" * 32, *proof], [*proof, root], [root, *proof]]
    if proof:
        out += [proof[:-1], proof[1:]]
        out += [[*proof[:i], proof[i], *proof[i:]] for i in range(len(proof))]
    if len(proof) > 1:
        out.append(list(reversed(proof)))
    return [p for p in out if p != proof]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 9, 16, 31, 33, 64, 69])
def test_corrupted_inclusion_proofs_fail(size: int) -> None:
    root = merkle.root(size, READ)
    for m in range(size):
        proof = merkle.inclusion_proof(m, size, READ)
        leaf = HASHES[m]
        bad_args = [(m, size, leaf, p, root) for p in _flips(proof) + _edits(proof, root)]
        bad_args += [
            (m - 1, size, leaf, proof, root),
            (m + 1, size, leaf, proof, root),
            (m ^ 2, size, leaf, proof, root),
            (m, size * 2, leaf, proof, root),
            (m, size // 2, leaf, proof, root),
            (m, size, merkle.leaf_hash(b"wrong"), proof, root),
            (m, size, leaf, proof, b""),
            (m, size, leaf, proof, merkle.leaf_hash(b"random root")),
        ]
        for args in bad_args:
            if args[0] == m and args[1] == size and args[2:] == (leaf, proof, root):
                continue
            # a different (index, size) can share the same path shape; it must then be a true statement
            if (
                args[2:] == (leaf, proof, root)
                and 0 <= args[0] < args[1] <= len(HASHES)
                and merkle.inclusion_proof(args[0], args[1], READ) == proof
                and HASHES[args[0]] == leaf
            ):
                continue
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(*args)


@pytest.mark.parametrize("size", [2, 3, 5, 7, 8, 9, 16, 31, 33, 64, 69])
def test_corrupted_consistency_proofs_fail(size: int) -> None:
    root = merkle.root(size, READ)
    for m in range(1, size):
        old = merkle.root(m, READ)
        proof = merkle.consistency_proof(m, size, READ)
        bad = [(m, size, old, root, p) for p in _flips(proof) + _edits(proof, root)]
        bad += [
            (m, size, root, old, proof),  # swapped roots
            (m, size, old, root, []),  # empty
            (m, size * 2, old, root, proof),
            (m, size, merkle.leaf_hash(b"x"), root, proof),
            (m, size, old, merkle.leaf_hash(b"x"), proof),
        ]
        if m > 1:
            bad.append((m - 1, size, old, root, proof))
        for args in bad:
            with pytest.raises(merkle.ProofError):
                merkle.verify_consistency(*args)


def test_out_of_range_requests_are_errors() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_ranges(0, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_ranges(6, 5)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(-1, 5, HASHES[0], [], HASHES[0])
    with pytest.raises(ValueError):
        merkle.range_nodes(1, 3)  # not a subtree of any RFC 9162 tree
