"""RFC 9162 §2.1 Merkle tree hashing, proofs and their verifiers (pure, no I/O).

The tree over leaves D[0:n] is addressed by *perfect subtrees*: node (level, index)
is the hash of leaves [index << level, (index + 1) << level). A log stores each
perfect node once, when it becomes complete; every hash a proof or root needs is a
perfect node or a right-edge fold of a few of them (`range_nodes`). Proof
construction is therefore split in two: which node ranges a proof consists of
(`inclusion_ranges`, `consistency_ranges`: pure arithmetic), then hashing those
ranges from a `NodeReader` (the store, or a list of leaf hashes in tests).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Hash = bytes
Node = tuple[int, int]  # (level, index)
NodeReader = Callable[[Sequence[Node]], Sequence[Hash]]

_sha256 = hashlib.sha256
EMPTY_ROOT: Hash = _sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify (or is asked for outside the tree)."""


def leaf_hash(data: bytes) -> Hash:
    """MTH({d}) = SHA-256(0x00 ‖ d)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: Hash, right: Hash) -> Hash:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """k: the largest power of two strictly less than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- which perfect nodes make up a range -------------------------------------


def range_nodes(begin: int, end: int) -> list[Node]:
    """The perfect subtrees whose right-to-left fold is MTH(D[begin:end]).

    Only ranges that occur in RFC 9162 trees are valid: `begin` is a multiple of
    the largest power of two < end - begin (or end - begin is one perfect tree
    aligned at begin). They come left to right, sizes strictly decreasing.
    """
    nodes: list[Node] = []
    size = end - begin
    pos = begin
    while size:
        level = size.bit_length() - 1
        if pos & ((1 << level) - 1):
            raise ValueError(f"range [{begin}, {end}) is not a subtree of an RFC 9162 tree")
        nodes.append((level, pos >> level))
        pos += 1 << level
        size -= 1 << level
    return nodes


def fold(hashes: Sequence[Hash]) -> Hash:
    """Hash of a range from its perfect pieces (left to right): fold from the right."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form PATH(index, D[0:size]), leaf first (§2.1.3.1)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    out: list[tuple[int, int]] = []
    begin, end = 0, size
    while end - begin > 1:
        k = _split(end - begin)
        if index - begin < k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin += k
    out.reverse()
    return out


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form PROOF(size1, D[0:size2]) (§2.1.4.1)."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to {size2}")
    out: list[tuple[int, int]] = []
    begin, end, m, complete = 0, size2, size1, True
    while True:
        n = end - begin
        if m == n:
            if not complete:
                out.append((begin, end))
            break
        k = _split(n)
        if m <= k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin += k
            m -= k
            complete = False
    out.reverse()
    return out


def hash_ranges(ranges: Sequence[tuple[int, int]], read: NodeReader) -> list[Hash]:
    """Hash each range with one batched read of all the perfect nodes needed."""
    pieces = [range_nodes(b, e) for b, e in ranges]
    wanted = sorted({node for p in pieces for node in p})
    got = dict(zip(wanted, read(wanted), strict=True))
    return [fold([got[node] for node in p]) for p in pieces]


def root(size: int, read: NodeReader) -> Hash:
    return EMPTY_ROOT if size == 0 else hash_ranges([(0, size)], read)[0]


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[Hash]:
    return hash_ranges(inclusion_ranges(index, size), read)


def consistency_proof(size1: int, size2: int, read: NodeReader) -> list[Hash]:
    return hash_ranges(consistency_ranges(size1, size2), read)


def leaves_reader(leaf_hashes: Sequence[Hash]) -> NodeReader:
    """A NodeReader over an in-memory list of leaf hashes (computes nodes on demand)."""

    def node(level: int, index: int) -> Hash:
        if level == 0:
            return leaf_hashes[index]
        return node_hash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1))

    return lambda nodes: [node(lv, i) for lv, i in nodes]


# --- appending: the compact range of the right edge ---------------------------


class CompactRange:
    """The perfect-subtree roots covering [0, size): what an appender keeps.

    `append` returns the interior nodes the new leaf completes (RFC 9162 §2.1.2:
    one merge per trailing 1 bit of the leaf index), so a store can persist them.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Iterable[Hash] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)  # perfect roots, largest (leftmost) first
        if len(self.hashes) != size.bit_count():
            raise ValueError("compact range needs one hash per set bit of size")

    @staticmethod
    def nodes_for(size: int) -> list[Node]:
        return range_nodes(0, size)

    def append(self, leaf: Hash) -> list[tuple[Node, Hash]]:
        i = self.size
        h = leaf
        made: list[tuple[Node, Hash]] = []
        level = 0
        stack = self.hashes
        while i & 1:
            h = node_hash(stack.pop(), h)
            level += 1
            i >>= 1
            made.append(((level, i), h))
        stack.append(h)
        self.size += 1
        return made

    def root(self) -> Hash:
        return fold(self.hashes) if self.hashes else EMPTY_ROOT


# --- verifiers (§2.1.3.2, §2.1.4.2) ------------------------------------------


def verify_inclusion(index: int, size: int, leaf: Hash, proof: Sequence[Hash], root_hash: Hash) -> None:
    """Raise ProofError unless `proof` shows leaf hash `leaf` at `index` in the tree `root_hash`."""
    if index < 0 or index >= size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != 32:
            raise ProofError("proof element is not 32 bytes")
        if sn == 0:
            raise ProofError("inclusion proof is too long")
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
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != root_hash:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(size1: int, size2: int, root1: Hash, root2: Hash, proof: Sequence[Hash]) -> None:
    """Raise ProofError unless `proof` shows tree (size1, root1) is a prefix of (size2, root2)."""
    if size1 < 0 or size2 < size1:
        raise ProofError(f"no consistency from size {size1} to {size2}")
    if size1 == size2:
        # RFC 9162 defines no proof here; an empty one is accepted iff the roots match.
        if proof:
            raise ProofError("proof between equal sizes must be empty")
        if root1 != root2:
            raise ProofError("roots differ for equal tree sizes")
        return
    if size1 == 0:
        if proof:
            raise ProofError("proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    if any(len(p) != 32 for p in proof):
        raise ProofError("proof element is not 32 bytes")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != root1:
        raise ProofError("consistency proof does not lead to the first root")
    if sr != root2:
        raise ProofError("consistency proof does not lead to the second root")
