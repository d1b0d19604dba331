"""RFC 9162 Merkle hashing, proofs and the append frontier, as a pure module: no database."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuquan.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    Frontier,
    ProofError,
    consistency_proof,
    consistency_proof_size,
    frontier_positions,
    inclusion_proof,
    inclusion_proof_size,
    leaf_hash,
    node_hash,
    root,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
VECTORS = SHARED_DATA / "tlog-vectors"
GOLDEN = VECTORS / "transparency-dev-merkle" / "testdata"
MISSING_DATA = f"shared test vectors not found at {VECTORS} (the steering checkout's shared/data is absent)"

# The vectors expect success for equal sizes with a 12-byte "root"; we reject every hash that is not
# 32 bytes (see tlog-vectors/README.md), so for exactly this file we expect that rejection instead.
LENGTH_OVERRIDES = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json": "12 bytes, not 32"}

Store = dict[tuple[int, int], bytes]


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def golden_files(kind: str) -> list[Any]:
    if not GOLDEN.is_dir():
        return [pytest.param(None, id=f"{kind}-missing", marks=pytest.mark.skip(reason=MISSING_DATA))]
    files = sorted((GOLDEN / kind).rglob("*.json"))
    assert files, f"no {kind} vectors under {GOLDEN}"
    return [pytest.param(path, id=path.relative_to(GOLDEN).as_posix()) for path in files]


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def build_store(hashes: list[bytes]) -> Store:
    frontier = Frontier()
    return {(node.level, node.index): node.hash for node in frontier.append(hashes)}


def lookup(store: Store, size: int) -> Callable[[int, int], bytes]:
    """A subtree callback that also proves generation only asks for subtrees complete at ``size``."""

    def subtree(level: int, index: int) -> bytes:
        assert (index + 1) << level <= size, f"asked for ({level}, {index}) beyond size {size}"
        return store[(level, index)]

    return subtree


# --- A naive recursive RFC 9162 §2.1.3.1 / §2.1.4.1, straight from the text -------------------------


def largest_power_below(n: int) -> int:
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = largest_power_below(len(d))
    if m < k:
        return [*naive_path(m, d[:k]), root_from_leaf_hashes(d[k:])]
    return [*naive_path(m - k, d[k:]), root_from_leaf_hashes(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [root_from_leaf_hashes(d)]
    k = largest_power_below(n)
    if m <= k:
        return [*naive_subproof(m, d[:k], b), root_from_leaf_hashes(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), root_from_leaf_hashes(d[:k])]


def naive_proof(m: int, d: list[bytes]) -> list[bytes]:
    return naive_subproof(m, d, True)


# --- 1. transparency-dev golden vectors --------------------------------------------------------------


@pytest.mark.parametrize("path", golden_files("inclusion"))
def test_inclusion_vectors(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = [b64(p) for p in case["proof"] or []]
    args = (case["leafIdx"], case["treeSize"], b64(case["leafHash"]), proof, b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", golden_files("consistency"))
def test_consistency_vectors(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = [b64(p) for p in case["proof"] or []]
    args = (case["size1"], case["size2"], b64(case["root1"]), b64(case["root2"]), proof)
    override = LENGTH_OVERRIDES.get(path.relative_to(GOLDEN).as_posix())
    if override is not None:
        assert not case["wantErr"], "the override is stale: upstream now expects an error"
        with pytest.raises(ProofError, match=override):
            verify_consistency(*args)
    elif case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_every_override_names_an_existing_vector() -> None:
    if not GOLDEN.is_dir():
        pytest.skip(MISSING_DATA)
    for name in LENGTH_OVERRIDES:
        assert (GOLDEN / name).is_file(), name


# --- 2. the classic RFC 6962 eight-leaf reference tree -----------------------------------------------


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    path = VECTORS / "rfc6962-reference-tree.json"
    if not path.is_file():
        pytest.skip(MISSING_DATA)
    tree: dict[str, Any] = json.loads(path.read_text())
    return tree


@pytest.fixture(scope="module")
def reference_store(reference: dict[str, Any]) -> Store:
    return build_store([leaf_hash(bytes.fromhex(x)) for x in reference["leaves_hex"]])


def test_reference_leaf_hashes(reference: dict[str, Any], reference_store: Store) -> None:
    level0 = reference["node_hashes_by_level_hex"][0]
    for i, data in enumerate(reference["leaves_hex"]):
        assert leaf_hash(bytes.fromhex(data)).hex() == level0[i]
        assert reference_store[(0, i)].hex() == level0[i]


def test_reference_perfect_subtrees_are_exactly_the_stored_ones(
    reference: dict[str, Any], reference_store: Store
) -> None:
    expected = {
        (level, index): digest
        for level, row in enumerate(reference["node_hashes_by_level_hex"])
        for index, digest in enumerate(row)
    }
    assert {key: digest.hex() for key, digest in reference_store.items()} == expected


def test_reference_roots(reference: dict[str, Any], reference_store: Store) -> None:
    assert EMPTY_ROOT.hex() == reference["empty_root_hex"]
    assert root(0, lookup(reference_store, 0)) == EMPTY_ROOT
    hashes = [leaf_hash(bytes.fromhex(x)) for x in reference["leaves_hex"]]
    for size_text, expected in reference["roots_hex"].items():
        size = int(size_text)
        assert root(size, lookup(reference_store, size)).hex() == expected
        assert root_from_leaf_hashes(hashes[:size]).hex() == expected
    assert sorted(int(s) for s in reference["roots_hex"]) == list(range(1, 9))


def test_reference_inclusion_proofs(reference: dict[str, Any], reference_store: Store) -> None:
    for case in reference["inclusion_proofs"]:
        size, index = case["tree_size"], case["leaf_index"]
        proof = inclusion_proof(index, size, lookup(reference_store, size))
        assert [p.hex() for p in proof] == case["path_hex"]
        verify_inclusion(
            index, size, reference_store[(0, index)], proof, bytes.fromhex(reference["roots_hex"][str(size)])
        )


def test_reference_consistency_proofs(reference: dict[str, Any], reference_store: Store) -> None:
    roots = {int(k): bytes.fromhex(v) for k, v in reference["roots_hex"].items()}
    for case in reference["consistency_proofs"]:
        size1, size2 = case["size1"], case["size2"]
        proof = consistency_proof(size1, size2, lookup(reference_store, size2))
        assert [p.hex() for p in proof] == case["path_hex"]
        verify_consistency(size1, size2, roots[size1], roots[size2], proof)


# --- 3. generation equals the naive RFC recursion, verifies, and mutations fail ----------------------


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, 300))
    return size, draw(st.integers(0, size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int, int]:
    n = draw(st.integers(1, 300))
    size2 = draw(st.integers(1, n))
    return n, draw(st.integers(1, size2)), size2


@given(tree_and_index(), st.integers(0, 300), st.data())
def test_inclusion_proof_matches_rfc_and_verifies(
    case: tuple[int, int], extra: int, data: st.DataObject
) -> None:
    size, index = case
    # Leaves beyond `size` exist in storage, as they do in a log that has grown since.
    hashes = leaves(size + extra)
    store = build_store(hashes)
    proof = inclusion_proof(index, size, lookup(store, size))
    expected_root = root_from_leaf_hashes(hashes[:size])
    assert proof == naive_path(index, hashes[:size])
    assert len(proof) == inclusion_proof_size(index, size)
    verify_inclusion(index, size, hashes[index], proof, expected_root)
    assert root_from_inclusion_proof(index, size, hashes[index], proof) == expected_root

    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="mutated hash")
        byte = data.draw(st.integers(0, HASH_SIZE - 1), label="mutated byte")
        flipped = bytearray(proof[i])
        flipped[byte] ^= 0x01
        with pytest.raises(ProofError, match="computed root differs"):
            verify_inclusion(
                index, size, hashes[index], [*proof[:i], bytes(flipped), *proof[i + 1 :]], expected_root
            )
        with pytest.raises(ProofError, match=f"proof has {len(proof) - 1} hashes, expected {len(proof)}"):
            verify_inclusion(index, size, hashes[index], proof[:-1], expected_root)
        with pytest.raises(ProofError, match=f"proof has {len(proof) - 1} hashes, expected {len(proof)}"):
            verify_inclusion(index, size, hashes[index], proof[1:], expected_root)
    with pytest.raises(ProofError, match=f"proof has {len(proof) + 1} hashes, expected {len(proof)}"):
        verify_inclusion(index, size, hashes[index], [*proof, EMPTY_ROOT], expected_root)
    with pytest.raises(ProofError, match=f"proof has {len(proof) + 1} hashes, expected {len(proof)}"):
        verify_inclusion(index, size, hashes[index], [EMPTY_ROOT, *proof], expected_root)
    other = data.draw(st.integers(0, size).filter(lambda i: i != index), label="wrong index")
    with pytest.raises(ProofError):
        verify_inclusion(other, size, hashes[index], proof, expected_root)
    if size > 1:
        wrong_leaf = hashes[index - 1 if index else 1]
        with pytest.raises(ProofError, match="computed root differs"):
            verify_inclusion(index, size, wrong_leaf, proof, expected_root)


@given(two_sizes(), st.data())
def test_consistency_proof_matches_rfc_and_verifies(case: tuple[int, int, int], data: st.DataObject) -> None:
    n, size1, size2 = case
    hashes = leaves(n)
    store = build_store(hashes)
    proof = consistency_proof(size1, size2, lookup(store, size2))
    root1 = root_from_leaf_hashes(hashes[:size1])
    root2 = root_from_leaf_hashes(hashes[:size2])
    assert proof == naive_proof(size1, hashes[:size2])
    assert len(proof) == consistency_proof_size(size1, size2)
    verify_consistency(size1, size2, root1, root2, proof)

    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="mutated hash")
        byte = data.draw(st.integers(0, HASH_SIZE - 1), label="mutated byte")
        flipped = bytearray(proof[i])
        flipped[byte] ^= 0x80
        with pytest.raises(ProofError, match="computed root"):
            verify_consistency(size1, size2, root1, root2, [*proof[:i], bytes(flipped), *proof[i + 1 :]])
        with pytest.raises(ProofError, match=f"proof has {len(proof) - 1} hashes, expected {len(proof)}"):
            verify_consistency(size1, size2, root1, root2, proof[:-1])
        with pytest.raises(ProofError, match=f"proof has {len(proof) - 1} hashes, expected {len(proof)}"):
            verify_consistency(size1, size2, root1, root2, proof[1:])
    with pytest.raises(ProofError, match=f"proof has {len(proof) + 1} hashes, expected {len(proof)}"):
        verify_consistency(size1, size2, root1, root2, [*proof, EMPTY_ROOT])
    with pytest.raises(ProofError, match=f"proof has {len(proof) + 1} hashes, expected {len(proof)}"):
        verify_consistency(size1, size2, root1, root2, [EMPTY_ROOT, *proof])
    if size1 < size2:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root2, root1, proof)
        other1 = data.draw(st.integers(1, size2).filter(lambda s: s != size1), label="wrong size1")
        with pytest.raises(ProofError):
            verify_consistency(other1, size2, root1, root2, proof)


# --- 4. appends in batches and frontier restoration ---------------------------------------------------


@given(st.lists(st.integers(0, 40), max_size=25), st.data())
def test_batched_appends_store_the_same_subtrees(batches: list[int], data: st.DataObject) -> None:
    hashes = leaves(sum(batches))
    one_batch = Frontier().append(hashes)
    expected = {(node.level, node.index): node.hash for node in one_batch}
    assert len(expected) == len(one_batch), "a subtree was reported twice"

    frontier = Frontier()
    stored: Store = {}
    done = 0
    for count in batches:
        for node in frontier.append(hashes[done : done + count]):
            assert (node.level, node.index) not in stored, "a subtree was reported twice"
            stored[(node.level, node.index)] = node.hash
        done += count
        assert frontier.size == done
        assert frontier.root() == root_from_leaf_hashes(hashes[:done])
        assert list(frontier.hashes) == [stored[pos] for pos in frontier_positions(done)]
    assert stored == expected

    # Every intermediate size: the stored table alone gives the root, and restoring from it resumes
    # appending exactly where a live frontier would have been.
    for size in range(len(hashes) + 1):
        assert root(size, lookup(stored, size)) == root_from_leaf_hashes(hashes[:size])
    cut = data.draw(st.integers(0, len(hashes)), label="restore at")
    restored = Frontier.restore(cut, lookup(stored, cut))
    assert restored.root() == root_from_leaf_hashes(hashes[:cut])
    rest = restored.append(hashes[cut:])
    assert rest == [node for node in one_batch if (node.index + 1) << node.level > cut]


def test_frontier_positions() -> None:
    assert frontier_positions(0) == []
    assert frontier_positions(1) == [(0, 0)]
    assert frontier_positions(6) == [(2, 0), (1, 2)]
    assert frontier_positions(7) == [(2, 0), (1, 2), (0, 6)]
    assert frontier_positions(8) == [(3, 0)]


def test_append_reports_children_before_parents() -> None:
    nodes = Frontier().append(leaves(4))
    assert [(n.level, n.index) for n in nodes] == [(0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1), (2, 0)]


def test_frontier_rejects_bad_state_and_leaves_it_untouched() -> None:
    with pytest.raises(ValueError, match="a frontier for size 3 has 2 hashes, got 1"):
        Frontier(3, [EMPTY_ROOT])
    with pytest.raises(ValueError, match="frontier hash 0 is 31 bytes, not 32"):
        Frontier(1, [EMPTY_ROOT[:31]])
    frontier = Frontier()
    frontier.append(leaves(3))
    before = frontier.hashes
    with pytest.raises(ValueError, match="leaf hash 1 of the batch is 33 bytes, not 32"):
        frontier.append([EMPTY_ROOT, EMPTY_ROOT + b"x"])
    assert frontier.size == 3
    assert frontier.hashes == before


# --- 5. O(log n) lookups and pure-Python speed at realistic sizes -------------------------------------


def counting_lookup(size: int) -> tuple[Callable[[int, int], bytes], list[int]]:
    calls = [0]

    def subtree(level: int, index: int) -> bytes:
        assert (index + 1) << level <= size
        calls[0] += 1
        return hashlib.sha256(f"{level}/{index}".encode()).digest()

    return subtree, calls


@pytest.mark.parametrize("size", [10_000_000, 2**40 + 12345, 2**40, 2**40 - 1])
def test_proofs_need_logarithmic_lookups(size: int) -> None:
    # _node_path's bound: at most 2 * bit_length - 2 lookups, plus one for the consistency seed node.
    bound = 2 * size.bit_length()
    assert bound <= 4 * 64
    for index in {0, 1, size // 3, size // 2, size - 2, size - 1, 0x5555555 % size}:
        subtree, calls = counting_lookup(size)
        proof = inclusion_proof(index, size, subtree)
        assert calls[0] <= bound
        assert len(proof) == inclusion_proof_size(index, size)
    for size1 in {1, 2, 3, size // 3, size // 2 + 1, size - 1, size}:
        subtree, calls = counting_lookup(size)
        proof = consistency_proof(size1, size, subtree)
        assert calls[0] <= bound
        assert len(proof) == consistency_proof_size(size1, size)
    subtree, calls = counting_lookup(size)
    root(size, subtree)
    assert calls[0] == size.bit_count()


def test_large_tree_proofs_verify() -> None:
    # A 10M-leaf tree is too big to hash, so all leaves are equal except a few marked ones: a perfect
    # subtree without a marked leaf has a per-level constant hash, the others are hashed for real.
    size1, size2 = 6_543_211, 10_000_000
    marked = {0, 1, 1_234_567, 4_999_999, 6_543_209, 6_543_210, 9_999_998, 9_999_999}
    plain = [leaf_hash(b"")]
    for _ in range(size2.bit_length()):
        plain.append(node_hash(plain[-1], plain[-1]))
    cache: Store = {}

    def subtree(level: int, index: int) -> bytes:
        assert (index + 1) << level <= size2
        first = index << level
        if not any(first <= m < first + (1 << level) for m in marked):
            return plain[level]
        if level == 0:
            return leaf_hash(index.to_bytes(8, "big"))
        if (level, index) not in cache:
            cache[(level, index)] = node_hash(
                subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1)
            )
        return cache[(level, index)]

    root1, root2 = root(size1, subtree), root(size2, subtree)
    for index in sorted(marked):
        proof = inclusion_proof(index, size2, subtree)
        verify_inclusion(index, size2, subtree(0, index), proof, root2)
        with pytest.raises(ProofError):
            verify_inclusion(index ^ 1, size2, subtree(0, index), proof, root2)
    proof = consistency_proof(size1, size2, subtree)
    verify_consistency(size1, size2, root1, root2, proof)
    with pytest.raises(ProofError):
        verify_consistency(size1 - 1, size2, root1, root2, proof)


# --- Error messages ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eight() -> tuple[list[bytes], Store, bytes]:
    hashes = leaves(8)
    return hashes, build_store(hashes), root_from_leaf_hashes(hashes)


def test_inclusion_errors_say_why(eight: tuple[list[bytes], Store, bytes]) -> None:
    hashes, store, root8 = eight
    proof = inclusion_proof(5, 8, lookup(store, 8))
    with pytest.raises(ProofError, match=r"^proof has 2 hashes, expected 3 for index 5 in a tree of 8$"):
        verify_inclusion(5, 8, hashes[5], proof[:2], root8)
    with pytest.raises(ProofError, match=r"^hash 2 is 31 bytes, not 32$"):
        verify_inclusion(5, 8, hashes[5], [*proof[:2], proof[2][:31]], root8)
    with pytest.raises(ProofError, match=r"^leaf hash is 0 bytes, not 32$"):
        verify_inclusion(5, 8, b"", proof, root8)
    with pytest.raises(ProofError, match=r"^root is 33 bytes, not 32$"):
        verify_inclusion(5, 8, hashes[5], proof, root8 + b"\0")
    with pytest.raises(ProofError, match=r"^computed root differs from the expected root$"):
        verify_inclusion(5, 8, hashes[5], proof, EMPTY_ROOT)
    with pytest.raises(ProofError, match=r"^index 8 is not below tree size 8$"):
        verify_inclusion(8, 8, hashes[5], proof, root8)
    with pytest.raises(ProofError, match=r"^index -1 is negative$"):
        verify_inclusion(-1, 8, hashes[5], proof, root8)
    with pytest.raises(ProofError, match=r"^index 8 is not below tree size 8$"):
        inclusion_proof(8, 8, lookup(store, 8))
    with pytest.raises(ProofError, match=r"^index 0 is not below tree size 0$"):
        inclusion_proof(0, 0, lookup(store, 0))


def test_consistency_errors_say_why(eight: tuple[list[bytes], Store, bytes]) -> None:
    hashes, store, root8 = eight
    root6 = root_from_leaf_hashes(hashes[:6])
    proof = consistency_proof(6, 8, lookup(store, 8))
    with pytest.raises(ProofError, match=r"^size1 0 is not allowed$"):
        verify_consistency(0, 8, EMPTY_ROOT, root8, [])
    with pytest.raises(ProofError, match=r"^size1 0 is not allowed$"):
        consistency_proof(0, 8, lookup(store, 8))
    with pytest.raises(ProofError, match=r"^size1 9 > size2 8$"):
        verify_consistency(9, 8, root6, root8, proof)
    with pytest.raises(ProofError, match=r"^size1 9 > size2 8$"):
        consistency_proof(9, 8, lookup(store, 8))
    with pytest.raises(ProofError, match=r"^proof has 0 hashes, expected 3 from size 6 to size 8$"):
        verify_consistency(6, 8, root6, root8, [])
    with pytest.raises(ProofError, match=r"^proof has 4 hashes, expected 3 from size 6 to size 8$"):
        verify_consistency(6, 8, root6, root8, [*proof, proof[0]])
    with pytest.raises(ProofError, match=r"^hash 1 is 31 bytes, not 32$"):
        verify_consistency(6, 8, root6, root8, [proof[0], proof[1][:31], proof[2]])
    with pytest.raises(ProofError, match=r"^root1 is 0 bytes, not 32$"):
        verify_consistency(6, 8, b"", root8, proof)
    with pytest.raises(ProofError, match=r"^computed root1 differs from the expected root1$"):
        verify_consistency(6, 8, root8, root8, proof)
    with pytest.raises(ProofError, match=r"^computed root2 differs from the expected root2$"):
        verify_consistency(6, 8, root6, root6, proof)
    with pytest.raises(ProofError, match=r"^proof has 1 hashes, expected 0 for equal sizes 8$"):
        verify_consistency(8, 8, root8, root8, [root8])
    with pytest.raises(ProofError, match=r"^root1 differs from root2 although both trees have size 8$"):
        verify_consistency(8, 8, root6, root8, [])
    verify_consistency(8, 8, root8, root8, [])
    assert consistency_proof(8, 8, lookup(store, 8)) == []
