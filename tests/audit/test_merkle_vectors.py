"""Known answers: published roots, proofs and hash KATs (testdata/, see SOURCES.md)."""

from __future__ import annotations

import base64
import json

import pytest
from audit_cases import TESTDATA, load_cases

from sovgate.audit import merkle


def _bytes(case: dict, value: str) -> bytes:
    return base64.b64decode(value) if case.get("encoding") == "base64" else bytes.fromhex(value)


@pytest.mark.parametrize("case", load_cases("root"), ids=lambda c: c["file"])
def test_root_of_reference_tree(case: dict) -> None:
    hashes = [merkle.leaf_hash(bytes.fromhex(x)) for x in case["leaves"]]
    assert merkle.root(len(hashes), merkle.leaves_reader(hashes)).hex() == case["root"]
    rng = merkle.CompactRange()
    for h in hashes:
        rng.append(h)
    assert rng.root().hex() == case["root"]


@pytest.mark.parametrize("case", load_cases("inclusion"), ids=lambda c: c["file"])
def test_published_inclusion_proofs(case: dict) -> None:
    leaf = merkle.leaf_hash(_bytes(case, case["leaf"]))
    proof = [_bytes(case, p) for p in case["proof"]]
    args = (case["index"], case["tree_size"], leaf, proof, _bytes(case, case["root"]))
    if case["expect"]:
        merkle.verify_inclusion(*args)
    else:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)


@pytest.mark.parametrize("case", load_cases("consistency"), ids=lambda c: c["file"])
def test_published_consistency_proofs(case: dict) -> None:
    proof = [_bytes(case, p) for p in case["proof"]]
    args = (case["size1"], case["size2"], _bytes(case, case["root1"]), _bytes(case, case["root2"]), proof)
    if case["expect"]:
        merkle.verify_consistency(*args)
    else:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)


def test_our_proofs_equal_the_published_ones() -> None:
    """Generating over the 8-leaf reference tree yields exactly the published proof bytes."""
    leaves = json.loads((TESTDATA / "root/rfc6962-ref/size-8.json").read_text())["leaves"]
    hashes = [merkle.leaf_hash(bytes.fromhex(x)) for x in leaves]
    read = merkle.leaves_reader(hashes)
    checked = 0
    for case in load_cases("inclusion/rfc6962-ref"):
        if case["expect"]:
            proof = merkle.inclusion_proof(case["index"], case["tree_size"], read)
            assert [p.hex() for p in proof] == case["proof"]
            checked += 1
    for case in load_cases("consistency/rfc6962-ref"):
        if case["expect"] and case["size1"] < case["size2"]:
            proof = merkle.consistency_proof(case["size1"], case["size2"], read)
            assert [p.hex() for p in proof] == case["proof"]
            checked += 1
    assert checked == 8


def test_hash_known_answers() -> None:
    # transparency-dev/merkle rfc6962/rfc6962_test.go
    assert merkle.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert (
        merkle.leaf_hash(b"L123456").hex()
        == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert (
        merkle.node_hash(b"N123", b"N456").hex()
        == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
