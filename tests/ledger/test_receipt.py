"""Receipts (c2sp.org/tlog-proof) built end to end with a naive RFC 9162 tree kept inside the test.

The tree code here is deliberately the RFC's recursive definition, independent of liuquan.ledger.merkle,
whose verifier is what the receipt module relies on.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from liuquan.ledger.note import Checkpoint, Signer, generate_signer
from liuquan.ledger.receipt import HEADER, Receipt, ReceiptError, make_receipt, verify_receipt

REFERENCE_TREE = Path("/work/shared/data/tlog-vectors/rfc6962-reference-tree.json")
ORIGIN = "ledger.example/liuquan"


def naive_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) from RFC 9162 §2.1.1, over leaf data."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return naive_leaf(leaves[0])
    k = _split(len(leaves))
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) from RFC 9162 §2.1.3.1, leaf side first."""
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_root(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_root(leaves[:k])]


def entry(i: int) -> bytes:
    return json.dumps({"seq": i, "act": "发布权力清单", "by": f"p{i:04d}"}, ensure_ascii=False).encode()


@dataclass
class Built:
    text: str
    signer: Signer
    leaves: list[bytes]
    index: int


def build(size: int = 13, index: int = 6, signer: Signer | None = None, origin: str = ORIGIN) -> Built:
    signer = signer or generate_signer(ORIGIN)
    leaves = [entry(i) for i in range(size)]
    note = signer.sign(Checkpoint(origin, size, naive_root(leaves)).format())
    text = make_receipt(leaves[index], index, naive_path(index, leaves), note)
    return Built(text, signer, leaves, index)


@pytest.fixture(scope="module")
def signer() -> Signer:
    return generate_signer(ORIGIN)


def test_naive_tree_matches_the_rfc6962_reference_tree() -> None:
    if not REFERENCE_TREE.is_file():
        pytest.skip("shared reference tree not present")
    reference = json.loads(REFERENCE_TREE.read_text())
    leaves = [bytes.fromhex(h) for h in reference["leaves_hex"]]
    for size, root_hex in reference["roots_hex"].items():
        assert naive_root(leaves[: int(size)]).hex() == root_hex
    for proof in reference["inclusion_proofs"]:
        path = naive_path(proof["leaf_index"], leaves[: proof["tree_size"]])
        assert [h.hex() for h in path] == proof["path_hex"]


# --- Happy paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(1, 10))
def test_every_index_of_small_trees_verifies(signer: Signer, size: int) -> None:
    for index in range(size):
        built = build(size, index, signer)
        result = verify_receipt(built.text, signer.verifier_key)
        assert (result.origin, result.size, result.index) == (ORIGIN, size, index)
        assert result.entry_bytes == built.leaves[index]
        assert result.signature_checked is True
        assert result.signed_by == ORIGIN


def test_without_key_only_the_inclusion_is_checked(signer: Signer) -> None:
    built = build(signer=signer)
    result = verify_receipt(built.text, None)
    assert result.signature_checked is False and result.signed_by is None
    assert result.entry_bytes == built.leaves[6]
    # Without a key, a receipt signed by anyone at all passes the Merkle part: that is why the CLI
    # says so loudly.
    assert verify_receipt(build(signer=generate_signer("mallory.example")).text, None).index == 6


def test_bytes_input_and_verifier_object(signer: Signer) -> None:
    built = build(signer=signer)
    assert verify_receipt(built.text.encode(), signer.verifier()).signed_by == ORIGIN


def test_receipt_layout_and_round_trip(signer: Signer) -> None:
    built = build(13, 6, signer)
    lines = built.text.split("\n")
    assert lines[0] == HEADER
    assert lines[1] == "extra " + base64.b64encode(built.leaves[6]).decode()
    assert lines[2] == "index 6"
    proof = naive_path(6, built.leaves)
    assert lines[3 : 3 + len(proof)] == [base64.b64encode(h).decode() for h in proof]
    assert lines[3 + len(proof)] == ""
    receipt = Receipt.parse(built.text)
    assert receipt.extra == built.leaves[6] and receipt.index == 6 and receipt.proof == proof
    assert receipt.checkpoint_line == 4 + len(proof) + 1
    assert built.text.split("\n", receipt.checkpoint_line - 1)[-1] == receipt.checkpoint_note
    assert receipt.format() == built.text


def test_receipt_without_extra_and_without_proof_round_trips(signer: Signer) -> None:
    note = signer.sign(Checkpoint(ORIGIN, 1, naive_root([b"x"])).format())
    receipt = Receipt(b"", 0, [], note)
    text = receipt.format()
    assert text == f"{HEADER}\nindex 0\n\n{note}"
    assert Receipt.parse(text) == receipt
    assert receipt.checkpoint_line == 4
    # The format allows no extra line, but a liuquan receipt must carry the entry.
    with pytest.raises(ReceiptError, match="receipt line 2: no 'extra' line"):
        verify_receipt(text, signer.verifier_key)


def test_spec_example_header_parses() -> None:
    # The example in c2sp.org/tlog-proof, with its elided signatures replaced by a well-formed note.
    note = generate_signer("example.com/fancylog").sign(
        "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"
    )
    text = (
        "c2sp.org/tlog-proof@v1\n"
        "extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
        "index 73894\n"
        "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
        "B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"
        "EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
        "RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
        "AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
        "\n" + note
    )
    receipt = Receipt.parse(text)
    assert receipt.index == 73894 and len(receipt.proof) == 5
    assert receipt.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert receipt.format() == text


# --- Failures, each naming its layer -----------------------------------------------------------------


def _replace_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: "", "receipt is empty"),
        (
            lambda t: t.replace("\n", "\r\n"),
            "receipt line 1: control character U+000D (carriage return: CRLF",
        ),
        (lambda t: "\ufeff" + t, "receipt line 1: starts with a byte order mark"),
        (lambda t: t.replace("@v1", "@v2", 1), "receipt line 1: expected 'c2sp.org/tlog-proof@v1', found"),
        (lambda t: HEADER, "receipt line 1: no newline"),
        (lambda t: _replace_line(t, 2, "extra"), "receipt line 2: expected 'extra <base64>'"),
        (lambda t: _replace_line(t, 2, "extra "), "receipt line 2: 'extra' line without data"),
        (
            lambda t: _replace_line(t, 2, "extra QR=="),
            "receipt line 2: extra data: invalid base64: not the canonical",
        ),
        (
            lambda t: _replace_line(t, 2, "something"),
            "receipt line 2: expected 'extra <base64>' or 'index <n>'",
        ),
        (lambda t: _replace_line(t, 3, "index 06"), "receipt line 3: index '06' has a leading zero"),
        (lambda t: _replace_line(t, 3, "index -6"), "receipt line 3: index '-6' is not an ASCII decimal"),
        (lambda t: _replace_line(t, 3, "index  6"), "receipt line 3: index ' 6' is not an ASCII decimal"),
        (lambda t: _replace_line(t, 3, "Index 6"), "receipt line 3: expected 'index <n>'"),
        (
            lambda t: _replace_line(t, 3, f"index {2**64}"),
            "receipt line 3: index '18446744073709551616' does not fit",
        ),
        (
            lambda t: _replace_line(t, 4, base64.b64encode(bytes(31)).decode()),
            "receipt line 4: proof hash is 31 bytes",
        ),
        (lambda t: _replace_line(t, 5, "not base64!"), "receipt line 5: proof hash: invalid base64"),
        (lambda t: t.split("\n\n", 1)[0] + "\n", "receipt line 8: the receipt ends without the empty line"),
        (lambda t: t.replace("\n\n", "\n\n\n", 1), "receipt line 9: a second empty line"),
        (lambda t: t.split("\n\n", 1)[0] + "\n\n", "receipt line 9: the checkpoint is missing"),
        (lambda t: t[:-1], "receipt line 13: the receipt does not end with a newline"),
    ],
)
def test_receipt_grammar_errors(signer: Signer, mutate, message: str) -> None:
    text = mutate(build(13, 6, signer).text)
    with pytest.raises(ReceiptError) as caught:
        verify_receipt(text, signer.verifier_key)
    assert str(caught.value).startswith(message), str(caught.value)


def test_non_utf8_receipt(signer: Signer) -> None:
    data = bytearray(build(13, 6, signer).text.encode())
    data[data.index(b"index")] = 0xFF
    with pytest.raises(
        ReceiptError, match=r"^receipt line 3: receipt is not valid UTF-8 \(byte 0xff at offset"
    ):
        verify_receipt(bytes(data), signer.verifier_key)


def test_too_many_proof_hashes(signer: Signer) -> None:
    built = build(13, 6, signer)
    head, note = built.text.split("\n\n", 1)
    text = head + ("\n" + base64.b64encode(bytes(32)).decode()) * 65 + "\n\n" + note
    with pytest.raises(ReceiptError, match="more than 64 proof hashes"):
        verify_receipt(text, signer.verifier_key)


def test_wrong_key_is_a_signature_failure(signer: Signer) -> None:
    built = build(signer=signer)
    other = generate_signer(ORIGIN)
    with pytest.raises(ReceiptError, match=rf"^signature: the note is signed by {ORIGIN} with key id"):
        verify_receipt(built.text, other.verifier_key)
    stranger = generate_signer("other.example/log")
    with pytest.raises(ReceiptError, match=r"^signature: no signature by a known key"):
        verify_receipt(built.text, stranger.verifier_key)


def test_tampered_checkpoint_is_a_signature_failure(signer: Signer) -> None:
    built = build(13, 6, signer)
    text = built.text.replace("\n13\n", "\n14\n")
    with pytest.raises(
        ReceiptError, match=r"^signature \(receipt line 13\): signature by .* does not verify"
    ):
        verify_receipt(text, signer.verifier_key)


def test_origin_must_be_the_key_name(signer: Signer) -> None:
    built = build(signer=signer, origin="ledger.example/other")
    with pytest.raises(
        ReceiptError, match=r"^checkpoint \(receipt line 9\): origin 'ledger.example/other' is not"
    ):
        verify_receipt(built.text, signer.verifier_key)


def test_malformed_checkpoint_body_with_valid_signature(signer: Signer) -> None:
    leaves = [entry(i) for i in range(13)]
    root = base64.b64encode(naive_root(leaves)).decode()
    note = signer.sign(f"{ORIGIN}\n013\n{root}\n")
    text = make_receipt(leaves[6], 6, naive_path(6, leaves), note)
    with pytest.raises(
        ReceiptError, match=r"^checkpoint \(receipt line 10\): tree size '013' has a leading zero"
    ):
        verify_receipt(text, signer.verifier_key)
    with pytest.raises(ReceiptError, match=r"^checkpoint \(receipt line 10\)"):
        verify_receipt(text, None)


def test_malformed_note_structure_is_located(signer: Signer) -> None:
    text = build(13, 6, signer).text.replace("— ", "-- ")
    with pytest.raises(
        ReceiptError, match=r"^signature \(receipt line 13\): signature line must start with an em dash"
    ):
        verify_receipt(text, None)
    no_blank = build(13, 6, signer).text.replace(f"=\n\n— {ORIGIN}", f"=\n— {ORIGIN}")
    with pytest.raises(ReceiptError, match=r"^checkpoint: no blank line separates"):
        verify_receipt(no_blank, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("other entry", "inclusion proof: computed root differs from the expected root"),
        ("index 7", "inclusion proof: computed root differs from the expected root"),
        ("index 13", "inclusion proof: index 13 is not below tree size 13"),
        ("drop hash", "inclusion proof: proof has 3 hashes, expected 4"),
        ("extra hash", "inclusion proof: proof has 5 hashes, expected 4"),
        ("swap hashes", "inclusion proof: computed root differs"),
    ],
)
def test_inclusion_failures(signer: Signer, change: str, message: str) -> None:
    built = build(13, 6, signer)
    receipt = Receipt.parse(built.text)
    proof = list(receipt.proof)
    assert len(proof) == 4
    extra, index = receipt.extra, receipt.index
    if change == "other entry":
        extra = entry(7)
    elif change.startswith("index"):
        index = int(change.split()[1])
    elif change == "drop hash":
        proof.pop()
    elif change == "extra hash":
        proof.append(bytes(32))
    else:
        proof[0], proof[1] = proof[1], proof[0]
    text = Receipt(extra, index, proof, receipt.checkpoint_note).format()
    with pytest.raises(ReceiptError) as caught:
        verify_receipt(text, signer.verifier_key)
    assert str(caught.value).startswith(message), str(caught.value)
    with pytest.raises(ReceiptError, match=r"^inclusion proof: "):
        verify_receipt(text, None)


def test_bad_verifier_key_is_reported_as_such() -> None:
    with pytest.raises(ReceiptError, match=r"^verifier key: key id '0000000' is not 8 hexadecimal digits"):
        verify_receipt(build().text, "x+0000000+AAAA")


def test_constructor_validation() -> None:
    note = build().text.split("\n\n", 1)[1]
    with pytest.raises(ReceiptError, match="proof hash 0 is 31 bytes"):
        Receipt(b"x", 0, [bytes(31)], note)
    with pytest.raises(ReceiptError, match=r"outside 0\.\.2"):
        Receipt(b"x", -1, [], note)
    with pytest.raises(ReceiptError, match="checkpoint note must"):
        Receipt(b"x", 0, [], note[:-1])
    with pytest.raises(ReceiptError, match="needs the entry bytes"):
        make_receipt(b"", 0, [], note)
