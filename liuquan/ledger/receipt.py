"""Ledger receipts in the C2SP tlog-proof format (c2sp.org/tlog-proof), verifiable offline.

Grammar (lines separated by U+000A; base64 is RFC 4648 §4 standard, canonical encoding only)::

    c2sp.org/tlog-proof@v1
    [extra <base64 opaque data>]        omitted when there is no extra data
    index <decimal, no leading zeroes>  zero-based leaf index
    <base64 32-byte hash>               zero or more: the RFC 9162 inclusion proof, leaf side first
    <empty line>
    <signed checkpoint note>            c2sp.org/tlog-checkpoint, verbatim, ending in a newline

The spec says applications must not trust ``extra`` implicitly. Liuquan puts the exact leaf bytes of
the ledger entry there and trusts them only because their RFC 9162 leaf hash is proven, by the inclusion
proof, to be under the root of a checkpoint signed by the ledger key. That makes a receipt
self-contained: the entry, its position and the signed tree head travel together.

No Django here: `verify_receipt` runs in the offline verifier on machines without the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from liuquan.ledger import merkle
from liuquan.ledger.note import (
    MAX_UINT64,
    Checkpoint,
    NoteError,
    SignatureError,
    Verifier,
    b64encode,
    char_problem,
    decode_utf8,
    open_note,
    parse_decimal,
    parse_note,
    show,
    strict_b64decode,
)

HEADER = "c2sp.org/tlog-proof@v1"
# A tree of at most 2^64 leaves has inclusion proofs of at most 64 hashes.
MAX_PROOF_HASHES = 64


class ReceiptError(ValueError):
    """A receipt does not verify. The message starts with the layer that failed: ``receipt line N``,
    ``checkpoint``, ``signature``, ``verifier key`` or ``inclusion proof``."""


@dataclass(frozen=True)
class Receipt:
    """A parsed tlog-proof. `checkpoint_note` is the signed checkpoint, unverified, byte for byte."""

    extra: bytes
    index: int
    proof: list[bytes]
    checkpoint_note: str

    def __post_init__(self) -> None:
        if self.index < 0 or self.index > MAX_UINT64:
            raise ReceiptError(f"receipt index {self.index} is outside 0..2^64-1")
        if len(self.proof) > MAX_PROOF_HASHES:
            raise ReceiptError(f"receipt has {len(self.proof)} proof hashes; at most {MAX_PROOF_HASHES}")
        for position, digest in enumerate(self.proof):
            if len(digest) != merkle.HASH_SIZE:
                raise ReceiptError(
                    f"proof hash {position} is {len(digest)} bytes, expected {merkle.HASH_SIZE}"
                )
        if not self.checkpoint_note.endswith("\n") or self.checkpoint_note.startswith("\n"):
            raise ReceiptError("checkpoint note must be non-empty, end with a newline and not start with one")

    @property
    def checkpoint_line(self) -> int:
        """The receipt line on which the checkpoint note starts (for error messages)."""
        return 3 + (1 if self.extra else 0) + len(self.proof) + 1

    def format(self) -> str:
        lines = [HEADER]
        if self.extra:
            lines.append(f"extra {b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines.extend(b64encode(digest) for digest in self.proof)
        return "".join(f"{line}\n" for line in lines) + "\n" + self.checkpoint_note

    @classmethod
    def parse(cls, text: str) -> Receipt:
        """Parse the receipt grammar; the checkpoint note is kept verbatim, checked by `verify_receipt`."""
        if not text:
            raise ReceiptError("receipt is empty")
        lines = text.split("\n")
        if len(lines) == 1:
            raise ReceiptError(f"receipt line 1: no newline; expected {HEADER!r}, found {show(text)}")
        _expect_header(lines[0])
        number = 2
        extra = b""
        line = lines[1]
        if line.startswith("extra"):
            extra = _parse_extra(line, number)
            number += 1
        index = _parse_index(lines[number - 1] if number <= len(lines) else "", number, bool(extra))
        proof: list[bytes] = []
        while True:
            number += 1
            if number > len(lines) - 1:
                # split() leaves a final element after the last newline; reaching it means no blank line.
                raise ReceiptError(
                    f"receipt line {number}: the receipt ends without the empty line that must separate "
                    "the inclusion proof from the checkpoint"
                )
            line = lines[number - 1]
            if not line:
                break
            if len(proof) == MAX_PROOF_HASHES:
                raise ReceiptError(f"receipt line {number}: more than {MAX_PROOF_HASHES} proof hashes")
            proof.append(_parse_proof_hash(line, number))
        checkpoint_note = "\n".join(lines[number:])
        if not checkpoint_note:
            raise ReceiptError(f"receipt line {number + 1}: the checkpoint is missing after the empty line")
        if checkpoint_note.startswith("\n"):
            raise ReceiptError(
                f"receipt line {number + 1}: a second empty line; exactly one separates the inclusion proof "
                "from the checkpoint"
            )
        if not checkpoint_note.endswith("\n"):
            raise ReceiptError(f"receipt line {len(lines)}: the receipt does not end with a newline")
        return cls(extra, index, proof, checkpoint_note)


def _check_chars(line: str, number: int) -> None:
    problem = char_problem(line)
    if problem is not None:
        raise ReceiptError(f"receipt line {number}: {problem}")


def _expect_header(line: str) -> None:
    if line == HEADER:
        return
    if line.startswith("\ufeff"):
        raise ReceiptError("receipt line 1: starts with a byte order mark (U+FEFF); remove it")
    _check_chars(line, 1)
    raise ReceiptError(f"receipt line 1: expected {HEADER!r}, found {show(line)}")


def _parse_extra(line: str, number: int) -> bytes:
    _check_chars(line, number)
    if not line.startswith("extra "):
        raise ReceiptError(f"receipt line {number}: expected 'extra <base64>', found {show(line)}")
    encoded = line[len("extra ") :]
    if not encoded:
        raise ReceiptError(f"receipt line {number}: 'extra' line without data (omit the line instead)")
    try:
        return strict_b64decode(encoded)
    except ValueError as exc:
        raise ReceiptError(f"receipt line {number}: extra data: {exc}") from None


def _parse_index(line: str, number: int, had_extra: bool) -> int:
    _check_chars(line, number)
    if not line.startswith("index "):
        wanted = "'index <n>'" if had_extra else "'extra <base64>' or 'index <n>'"
        raise ReceiptError(f"receipt line {number}: expected {wanted}, found {show(line)}")
    try:
        return parse_decimal(line[len("index ") :], "index")
    except ValueError as exc:
        raise ReceiptError(f"receipt line {number}: {exc}") from None


def _parse_proof_hash(line: str, number: int) -> bytes:
    _check_chars(line, number)
    try:
        digest = strict_b64decode(line)
    except ValueError as exc:
        raise ReceiptError(f"receipt line {number}: proof hash: {exc}") from None
    if len(digest) != merkle.HASH_SIZE:
        raise ReceiptError(
            f"receipt line {number}: proof hash is {len(digest)} bytes, expected {merkle.HASH_SIZE}"
        )
    return digest


@dataclass(frozen=True)
class ReceiptResult:
    """What a verified receipt proves: `entry_bytes` is leaf `index` of the log `origin` at `size`.

    When `signature_checked` is False nobody vouched for the checkpoint: the receipt only shows the
    entry is in SOME tree with that root, which anyone could have built. `signed_by` names the key.
    """

    origin: str
    size: int
    index: int
    entry_bytes: bytes
    signature_checked: bool
    signed_by: str | None = None
    checkpoint_note: str = ""  # as the receipt carries it, with any witnesses' cosignatures


def verify_receipt(receipt_text: str | bytes, verifier_key: str | Verifier | None) -> ReceiptResult:
    """Check a receipt from top to bottom; raise ReceiptError naming the first layer that fails.

    With a verifier key, the checkpoint must carry a valid signature by that key and its origin must be
    the key's name. Without one the signature cannot be checked: the result says so and only the Merkle
    inclusion of the entry under the checkpoint's root is established.
    """
    verifier: Verifier | None
    if verifier_key is None or isinstance(verifier_key, Verifier):
        verifier = verifier_key
    else:
        try:
            verifier = Verifier.from_key(verifier_key)
        except NoteError as exc:
            raise ReceiptError(str(exc)) from None
    if isinstance(receipt_text, bytes):
        try:
            receipt_text = decode_utf8(receipt_text, "receipt")
        except NoteError as exc:
            raise ReceiptError(f"receipt line {exc.line}: {exc.reason}") from None
    receipt = Receipt.parse(receipt_text)
    if not receipt.extra:
        raise ReceiptError(
            "receipt line 2: no 'extra' line; a liuquan receipt carries the ledger entry bytes there"
        )
    first = receipt.checkpoint_line

    def located(layer: str, exc: NoteError) -> ReceiptError:
        where = f" (receipt line {first + exc.line - 1})" if exc.line is not None else ""
        return ReceiptError(f"{layer}{where}: {exc.reason}")

    try:
        parsed = parse_note(receipt.checkpoint_note)
    except SignatureError as exc:
        raise located("signature", exc) from None
    except NoteError as exc:
        raise located("checkpoint", exc) from None
    signed_by: str | None = None
    if verifier is not None:
        try:
            _, names = open_note(receipt.checkpoint_note, [verifier])
        except NoteError as exc:
            raise located("signature", exc) from None
        signed_by = names[0]
    try:
        checkpoint = Checkpoint.parse(parsed.text)
    except NoteError as exc:
        raise located("checkpoint", exc) from None
    if verifier is not None and checkpoint.origin != verifier.name:
        raise ReceiptError(
            f"checkpoint (receipt line {first}): origin {show(checkpoint.origin)} is not the log "
            f"of the verifier key {show(verifier.name)}"
        )
    try:
        merkle.verify_inclusion(
            receipt.index,
            checkpoint.size,
            merkle.leaf_hash(receipt.extra),
            receipt.proof,
            checkpoint.root_hash,
        )
    except merkle.ProofError as exc:
        raise ReceiptError(f"inclusion proof: {exc}") from None
    return ReceiptResult(
        origin=checkpoint.origin,
        size=checkpoint.size,
        index=receipt.index,
        entry_bytes=receipt.extra,
        signature_checked=verifier is not None,
        signed_by=signed_by,
        checkpoint_note=receipt.checkpoint_note,
    )


def make_receipt(entry_bytes: bytes, index: int, proof: list[bytes], checkpoint_note: str) -> str:
    """Format a receipt for a ledger entry (the server side's counterpart of `verify_receipt`)."""
    if not entry_bytes:
        raise ReceiptError("a liuquan receipt needs the entry bytes; they are empty")
    return Receipt(entry_bytes, index, list(proof), checkpoint_note).format()
