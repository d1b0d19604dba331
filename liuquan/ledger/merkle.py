"""RFC 9162 §2.1 Merkle tree hashing, proof generation and proof verification.

Pure module: standard library only, no Django, no storage. The storage layer keeps one row per
*perfect* subtree, i.e. for every level ``L`` and index ``i`` the hash of leaves
``[i * 2**L, (i + 1) * 2**L)`` once all of them exist (level 0 holds the leaf hashes). Everything
here is expressed against a ``subtree(level, index)`` callback over that table, so a proof costs
O(log n) lookups whatever the tree size, and appends report exactly the rows that became complete.

Why perfect subtrees suffice: RFC 9162's MTH splits ``n`` leaves at the largest power of two
strictly below ``n``, which makes every left child perfect and aligned. The only non-perfect nodes
are on the right edge, and each of them is the fold, right to left, of the perfect subtrees given
by the binary representation of its width (see ``_edge_hash``).

Generation functions and verifiers raise ``ProofError`` (a ``ValueError``) so callers can map one
exception type to a client error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "Node",
    "ProofError",
    "SubtreeLookup",
    "consistency_proof",
    "consistency_proof_size",
    "frontier_positions",
    "inclusion_proof",
    "inclusion_proof_size",
    "leaf_hash",
    "node_hash",
    "root",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

SubtreeLookup = Callable[[int, int], bytes]
"""``subtree(level, index)``: stored hash of the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; only ever asked for subtrees that are complete."""


class ProofError(ValueError):
    """A proof request or a proof is invalid; the message says precisely why."""


@dataclass(frozen=True, slots=True)
class Node:
    """A perfect subtree that has become complete: the unit the storage layer persists.

    A dataclass rather than a NamedTuple because a tuple's ``index`` method clashes with the field.
    """

    level: int
    index: int
    hash: bytes


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 ‖ data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves, straight from the RFC definition.

    A reference for tests and tiny trees: it rehashes every interior node on each call.
    """
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))


# --- Generation against the perfect-subtree table -------------------------------------------------


def _edge_hash(start: int, end: int, subtree: SubtreeLookup) -> bytes:
    """Hash of leaves ``[start, end)``; precondition: ``start`` is a multiple of the largest power of
    two not above ``end - start`` (true for every node of the tree, including right-edge ones).

    Walking the width's set bits from the lowest yields the perfect pieces right to left, which is the
    order MTH's "split at the largest power of two" combines them in. popcount(width) lookups.
    """
    remaining = end - start
    low = remaining & -remaining
    level = low.bit_length() - 1
    pos = end - low
    remaining -= low
    digest = subtree(level, pos >> level)
    while remaining:
        low = remaining & -remaining
        level = low.bit_length() - 1
        pos -= low
        remaining -= low
        digest = node_hash(subtree(level, pos >> level), digest)
    return digest


def _node_path(first_leaf: int, level: int, size: int, subtree: SubtreeLookup, proof: list[bytes]) -> None:
    """Append to ``proof`` the audit path of the perfect node at ``level`` whose first leaf is
    ``first_leaf`` (so it is the RFC PATH for ``level == 0``), leaf side first.

    Bound: below ``inner`` the node's path differs from the right edge's path and every sibling is
    perfect, except the one at ``inner - 1``, which may be the right edge (popcount lookups); above
    ``inner`` the path *is* the right edge and only left siblings exist. Total lookups are at most
    ``2 * size.bit_length() - 2``.
    """
    inner = (first_leaf ^ (size - 1)).bit_length()
    index = first_leaf >> level
    for lvl in range(level, inner - 1):
        proof.append(subtree(lvl, index ^ 1))
        index >>= 1
    if inner > level:
        # The highest differing bit is set in size - 1 and clear in first_leaf, so the sibling lies
        # to the right and runs to the end of the tree.
        proof.append(_edge_hash((index + 1) << (inner - 1), size, subtree))
        index >>= 1
        lvl = inner
    else:
        lvl = level
    while index:
        if index & 1:
            proof.append(subtree(lvl, index - 1))
        index >>= 1
        lvl += 1


def _check_index(index: int, size: int) -> None:
    if index < 0:
        raise ProofError(f"index {index} is negative")
    if index >= size:
        raise ProofError(f"index {index} is not below tree size {size}")


def _check_sizes(size1: int, size2: int) -> None:
    if size1 == 0:
        # A consistency proof from the empty tree proves nothing; RFC 9162 leaves it undefined and
        # the transparency-dev vectors reject it.
        raise ProofError("size1 0 is not allowed")
    if size1 < 0:
        raise ProofError(f"size1 {size1} is negative")
    if size1 > size2:
        raise ProofError(f"size1 {size1} > size2 {size2}")


def inclusion_proof(index: int, size: int, subtree: SubtreeLookup) -> list[bytes]:
    """RFC 9162 PATH(index, D[size]): at most ``2 * size.bit_length() - 2`` calls to ``subtree``."""
    _check_index(index, size)
    proof: list[bytes] = []
    _node_path(index, 0, size, subtree, proof)
    return proof


def consistency_proof(size1: int, size2: int, subtree: SubtreeLookup) -> list[bytes]:
    """RFC 9162 PROOF(size1, D[size2]): at most ``2 * size2.bit_length() - 1`` calls to ``subtree``.

    SUBPROOF descends to the last perfect subtree of ``size1``'s decomposition; the proof is that
    node (omitted when it is the whole old tree, whose root the verifier already has) followed by
    its audit path in the new tree.
    """
    _check_sizes(size1, size2)
    if size1 == size2:
        return []
    low = size1 & -size1
    level = low.bit_length() - 1
    first_leaf = size1 - low
    proof: list[bytes] = []
    if first_leaf:
        proof.append(subtree(level, first_leaf >> level))
    _node_path(first_leaf, level, size2, subtree, proof)
    return proof


def root(size: int, subtree: SubtreeLookup) -> bytes:
    """MTH of the first ``size`` leaves: popcount(size) calls to ``subtree``."""
    if size < 0:
        raise ProofError(f"tree size {size} is negative")
    if size == 0:
        return EMPTY_ROOT
    return _edge_hash(0, size, subtree)


def frontier_positions(size: int) -> list[tuple[int, int]]:
    """``(level, index)`` of the perfect subtrees that make up a tree of ``size``, left to right.

    These are exactly the hashes ``Frontier`` needs to resume appending at ``size``.
    """
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    positions: list[tuple[int, int]] = []
    pos = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            positions.append((level, pos >> level))
            pos += 1 << level
    return positions


class Frontier:
    """The right edge of the tree: one perfect-subtree hash per set bit of ``size``, left to right.

    Appending ``n`` leaves costs ``n`` leaf records plus at most ``n`` node hashes in total, since
    each merge consumes one frontier entry that an earlier append created.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ValueError(f"tree size {size} is negative")
        expected = size.bit_count()
        if len(hashes) != expected:
            raise ValueError(f"a frontier for size {size} has {expected} hashes, got {len(hashes)}")
        for i, digest in enumerate(hashes):
            if len(digest) != HASH_SIZE:
                raise ValueError(f"frontier hash {i} is {len(digest)} bytes, not {HASH_SIZE}")
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def restore(cls, size: int, subtree: SubtreeLookup) -> Frontier:
        """Rebuild the frontier for ``size`` from the perfect-subtree table: popcount(size) lookups."""
        return cls(size, [subtree(level, index) for level, index in frontier_positions(size)])

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        return tuple(self._hashes)

    def append(self, leaf_hashes: Iterable[bytes]) -> list[Node]:
        """Add leaves and return every perfect subtree they complete, leaves (level 0) included,
        each exactly once, children before parents.
        """
        leaves = list(leaf_hashes)
        # Validate everything first so a bad hash cannot leave the frontier half-advanced.
        for i, digest in enumerate(leaves):
            if len(digest) != HASH_SIZE:
                raise ValueError(f"leaf hash {i} of the batch is {len(digest)} bytes, not {HASH_SIZE}")
        stack = self._hashes
        completed: list[Node] = []
        add = completed.append
        position = self._size
        for digest in leaves:
            add(Node(0, position, digest))
            index = position
            level = 0
            # Each trailing one bit of the old position is a frontier entry of the same width
            # waiting, to our left, for exactly this right sibling.
            while index & 1:
                digest = node_hash(stack.pop(), digest)
                index >>= 1
                level += 1
                add(Node(level, index, digest))
            stack.append(digest)
            position += 1
        self._size = position
        return completed

    def root(self) -> bytes:
        """MTH of the current tree, folding the frontier right to left."""
        if not self._hashes:
            return EMPTY_ROOT
        digest = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            digest = node_hash(left, digest)
        return digest


# --- Verification ----------------------------------------------------------------------------------


def inclusion_proof_size(index: int, size: int) -> int:
    """Number of hashes in the inclusion proof of ``index`` in a tree of ``size``."""
    _check_index(index, size)
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_size(size1: int, size2: int) -> int:
    """Number of hashes in the consistency proof from ``size1`` to ``size2``."""
    _check_sizes(size1, size2)
    if size1 == size2:
        return 0
    low = size1 & -size1
    level = low.bit_length() - 1
    first_leaf = size1 - low
    inner = (first_leaf ^ (size2 - 1)).bit_length()
    top = max(inner, level)
    return (1 if first_leaf else 0) + (top - level) + (first_leaf >> top).bit_count()


def _check_hash(name: str, digest: bytes) -> None:
    if len(digest) != HASH_SIZE:
        raise ProofError(f"{name} is {len(digest)} bytes, not {HASH_SIZE}")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, digest in enumerate(proof):
        _check_hash(f"hash {i}", digest)


def root_from_inclusion_proof(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` in a tree of ``size``
    (RFC 9162 §2.1.3.2 steps 1–5 without the final comparison).
    """
    _check_index(index, size)
    _check_hash("leaf hash", leaf_hash)
    _check_proof_hashes(proof)

    def wrong_length() -> ProofError:
        expected = inclusion_proof_size(index, size)
        return ProofError(
            f"proof has {len(proof)} hashes, expected {expected} for index {index} in a tree of {size}"
        )

    fn = index
    sn = size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise wrong_length()
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # Skip the levels where this node is a left child with no right sibling (promoted).
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise wrong_length()
    return r


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: return if ``proof`` shows ``leaf_hash`` at ``index`` under ``root``, else
    raise ``ProofError``.
    """
    # The parameter names shadow the module's leaf_hash() and root(); neither is needed in here.
    _check_hash("root", root)
    if root_from_inclusion_proof(index, size, leaf_hash, proof) != root:
        raise ProofError("computed root differs from the expected root")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2: return if ``proof`` shows the tree ``root1`` of ``size1`` is a prefix of the
    tree ``root2`` of ``size2``, else raise ``ProofError``.
    """
    _check_sizes(size1, size2)
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    _check_proof_hashes(proof)

    if size1 == size2:
        # The RFC algorithm starts at step 1 "empty path fails", which presumes size1 < size2; equal
        # sizes are proven by the roots alone and an extra hash would be unexplained input.
        if proof:
            raise ProofError(f"proof has {len(proof)} hashes, expected 0 for equal sizes {size1}")
        if root1 != root2:
            raise ProofError(f"root1 differs from root2 although both trees have size {size1}")
        return

    def wrong_length() -> ProofError:
        expected = consistency_proof_size(size1, size2)
        return ProofError(
            f"proof has {len(proof)} hashes, expected {expected} from size {size1} to size {size2}"
        )

    if not proof:
        raise wrong_length()
    path: Sequence[bytes] = [root1, *proof] if size1 & (size1 - 1) == 0 else proof
    fn = size1 - 1
    sn = size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise wrong_length()
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            # Skip the levels where this node is a left child with no right sibling (promoted).
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise wrong_length()
    if fr != root1:
        raise ProofError("computed root1 differs from the expected root1")
    if sr != root2:
        raise ProofError("computed root2 differs from the expected root2")


def append_levels(
    size: int, frontier: Sequence[bytes], leaf_hashes: Sequence[bytes]
) -> tuple[list[bytes], list[tuple[int, int, list[bytes]]]]:
    """Append a batch level by level: the same subtrees as ``Frontier.append``, computed one level at a
    time with list operations, so the per-node Python overhead is a hash call and little else.

    ``frontier`` is the right edge of ``size`` in ``frontier_positions`` order (left to right). Returns
    the right edge of the new size, and for each level the run ``(level, first index, hashes)`` of the
    perfect subtrees the batch completes there.
    """
    set_levels = [level for level in range(size.bit_length()) if size >> level & 1]
    if len(frontier) != len(set_levels):
        raise ValueError(f"a frontier for size {size} has {len(set_levels)} hashes, got {len(frontier)}")
    pending = dict(zip(reversed(set_levels), frontier, strict=True))
    runs: list[tuple[int, int, list[bytes]]] = []
    current = list(leaf_hashes)
    start = size
    level = 0
    while current:
        runs.append((level, start, current))
        if start & 1:  # the left sibling of the first new node finished earlier: it waits in the frontier
            current = [pending.pop(level), *current]
            start -= 1
        if len(current) & 1:
            pending[level] = current[-1]
        parents = [node_hash(left, right) for left, right in zip(current[0::2], current[1::2], strict=False)]
        current = parents
        start >>= 1
        level += 1
    new_size = size + len(leaf_hashes)
    levels = [level for level in range(new_size.bit_length()) if new_size >> level & 1]
    if sorted(pending) != levels:
        raise AssertionError(f"frontier levels {sorted(pending)} do not match size {new_size}")
    return [pending[level] for level in reversed(levels)], runs


def fold_frontier(frontier: Sequence[bytes]) -> bytes:
    """MTH from a right edge given left to right (``frontier_positions`` order)."""
    if not frontier:
        return EMPTY_ROOT
    digest = frontier[-1]
    for left in reversed(frontier[:-1]):
        digest = node_hash(left, digest)
    return digest
