"""Signed notes (c2sp.org/signed-note) with Ed25519 keys, and checkpoints (c2sp.org/tlog-checkpoint).

A signed note is a text ending in a newline, a blank line, then one or more lines
``— <key name> <base64(4-byte key id ‖ signature)>``. The signature covers the text including its final
newline. Key strings follow Go's golang.org/x/mod/sumdb/note so keys can be exchanged with Go tooling:
verifier key ``name+<8 hex key id>+base64(0x01 ‖ public key)``, signer key
``PRIVATE+KEY+name+<8 hex key id>+base64(0x01 ‖ seed)``.

Parsing is strict and every malformation raises `NoteError` (or its subclass `SignatureError` for
signature lines and verification) with a reason and, where one applies, the 1-based line of the note.
Receipts are checked by citizens on their own machines, so a precise reason matters more than brevity.

This module must not import Django: the offline verifier imports it without settings or a database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "— "
# The spec asks verifiers to cap signatures and to accept at least 16; Go's note package allows 100.
MAX_SIGNATURES = 100
HASH_SIZE = 32
MAX_UINT64 = 2**64 - 1
SIGNER_KEY_PREFIX = "PRIVATE+KEY+"
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64

_BASE64_ALPHABET = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_DECIMAL = re.compile(r"[0-9]+")
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A note, checkpoint or key string is malformed; `reason` says how, `line` where (1-based)."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


class SignatureError(NoteError):
    """A signature line is malformed, a signature does not verify, or no known key signed the note."""


def show(value: str, limit: int = 40) -> str:
    """Quote untrusted text for an error message: escaped (no terminal control) and shortened."""
    if len(value) > limit:
        return repr(value[:limit]) + "…"
    return repr(value)


def codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def strict_b64decode(value: str) -> bytes:
    """Decode standard base64 (RFC 4648 §4), accepting only the canonical encoding.

    Python and Go both ignore set padding bits by default, so two different strings would decode to
    the same bytes; a receipt with one flipped character could then still verify. Raises ValueError.
    """
    if not value.isascii() or _BASE64_ALPHABET.fullmatch(value) is None:
        bad = next((c for c in value if not (c.isascii() and (c.isalnum() or c in "+/="))), None)
        if bad is not None:
            raise ValueError(
                f"invalid base64: character {show(bad)} ({codepoint(bad)}) is not in the alphabet"
            )
        raise ValueError("invalid base64: '=' padding appears before the end")
    if len(value) % 4:
        raise ValueError(f"invalid base64: length {len(value)} is not a multiple of 4 (missing '=' padding?)")
    try:
        data = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"invalid base64: {exc}") from None
    if base64.b64encode(data).decode("ascii") != value:
        raise ValueError(
            "invalid base64: not the canonical encoding (unused bits of the last character are set)"
        )
    return data


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def parse_decimal(value: str, what: str) -> int:
    """An ASCII decimal with no leading zeroes (except "0") that fits in a uint64; raises ValueError."""
    if _DECIMAL.fullmatch(value) is None:
        raise ValueError(f"{what} {show(value)} is not an ASCII decimal number")
    if len(value) > 1 and value[0] == "0":
        raise ValueError(f"{what} {show(value)} has a leading zero")
    number = int(value)
    if number > MAX_UINT64:
        raise ValueError(f"{what} {show(value)} does not fit in 64 bits")
    return number


def char_problem(line: str) -> str | None:
    """Why a note line is not allowed (a control character or an unpaired surrogate), or None."""
    for char in line:
        number = ord(char)
        if number < 0x20:
            hint = " (carriage return: CRLF line endings are not allowed)" if char == "\r" else ""
            return f"control character {codepoint(char)}{hint}"
        if 0xD800 <= number <= 0xDFFF:
            return "not valid UTF-8 (unpaired surrogate)"
    return None


def name_problem(name: str) -> str | None:
    """Why a key name is invalid per the signed-note spec, or None."""
    if not name:
        return "key name is empty"
    if "+" in name:
        return f"key name {show(name)} contains '+'"
    for char in name:
        if char.isspace():
            return f"key name {show(name)} contains a space character ({codepoint(char)})"
    problem = char_problem(name)
    if problem is not None:
        return f"key name {show(name)}: {problem}"
    return None


def compute_key_id(name: str, alg_and_key: bytes) -> int:
    """Key id = first 4 bytes (big-endian) of SHA-256(name ‖ 0x0A ‖ algorithm byte ‖ public key)."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + alg_and_key).digest()
    return int.from_bytes(digest[:4], "big")


def decode_utf8(data: bytes, what: str) -> str:
    """Strict UTF-8 decoding whose error names the line and byte offset of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NoteError(
            f"{what} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", line
        ) from None


def _split_key(key: str, what: str) -> tuple[str, int, bytes]:
    """Split ``name+hex8+base64`` into name, key id and decoded key bytes (algorithm byte first)."""
    if not key:
        raise NoteError(f"{what} is empty")
    for char in key:
        if char.isspace() or ord(char) < 0x20:
            raise NoteError(f"{what} contains whitespace or a control character ({codepoint(char)})")
    # The name has no '+', the base64 part may: split at most twice, as Go's note package does.
    parts = key.split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what} must look like name+<8 hex digit key id>+<base64 key>")
    name, hex_id, encoded = parts
    problem = name_problem(name)
    if problem is not None:
        raise NoteError(f"{what}: {problem}")
    if _HEX8.fullmatch(hex_id) is None:
        raise NoteError(f"{what}: key id {show(hex_id)} is not 8 hexadecimal digits")
    try:
        alg_and_key = strict_b64decode(encoded)
    except ValueError as exc:
        raise NoteError(f"{what}: key {exc}") from None
    if not alg_and_key:
        raise NoteError(f"{what}: key is empty")
    if alg_and_key[0] != ALG_ED25519:
        raise NoteError(
            f"{what}: signature algorithm 0x{alg_and_key[0]:02x} is not supported (only 0x01, Ed25519)"
        )
    if len(alg_and_key) != 1 + ED25519_KEY_SIZE:
        raise NoteError(f"{what}: Ed25519 key is {len(alg_and_key) - 1} bytes, expected {ED25519_KEY_SIZE}")
    return name, int(hex_id, 16), alg_and_key


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 note verifier key: the key name, its 32-bit key id and the raw public key."""

    name: str
    key_id: int
    public_key: bytes

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> Verifier:
        problem = name_problem(name)
        if problem is not None:
            raise NoteError(problem)
        if len(public_key) != ED25519_KEY_SIZE:
            raise NoteError(f"Ed25519 public key is {len(public_key)} bytes, expected {ED25519_KEY_SIZE}")
        _load_public_key(public_key)
        return cls(name, compute_key_id(name, bytes([ALG_ED25519]) + public_key), public_key)

    @classmethod
    def from_key(cls, vkey: str) -> Verifier:
        """Parse ``name+<key id>+base64(0x01 ‖ public key)``; the key id must match the key."""
        name, key_id, alg_and_key = _split_key(vkey, "verifier key")
        public_key = alg_and_key[1:]
        expected = compute_key_id(name, alg_and_key)
        if key_id != expected:
            raise NoteError(
                f"verifier key: key id {key_id:08x} does not match the name and key (expected {expected:08x})"
            )
        _load_public_key(public_key)
        return cls(name, key_id, public_key)

    @property
    def key(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{b64encode(bytes([ALG_ED25519]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def _load_public_key(public_key: bytes) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError as exc:
        raise NoteError(f"not a valid Ed25519 public key: {exc}") from None


class Signer:
    """An Ed25519 note signer. The private key stays inside; `repr` does not show it."""

    __slots__ = ("_private_key", "key_id", "name", "public_key")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        problem = name_problem(name)
        if problem is not None:
            raise NoteError(problem)
        self.name = name
        self._private_key = private_key
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = compute_key_id(name, bytes([ALG_ED25519]) + self.public_key)

    def __repr__(self) -> str:
        return f"Signer({self.verifier_key!r})"

    @property
    def verifier_key(self) -> str:
        return self.verifier().key

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.public_key)

    def signature_line(self, text: str) -> str:
        """The ``— name base64`` line (with newline) for `text`, for adding to an existing note."""
        check_note_text(text)
        signature = self._private_key.sign(text.encode("utf-8"))
        blob = self.key_id.to_bytes(4, "big") + signature
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(blob)}\n"

    def sign(self, text: str) -> str:
        """The signed note: `text` (which must end in a newline), a blank line, one signature line."""
        return f"{text}\n{self.signature_line(text)}"

    def signer_key(self) -> str:
        """The secret key string ``PRIVATE+KEY+name+<key id>+base64(0x01 ‖ seed)`` (Go's format)."""
        seed = self._private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return f"{SIGNER_KEY_PREFIX}{self.name}+{self.key_id:08x}+{b64encode(bytes([ALG_ED25519]) + seed)}"

    @classmethod
    def from_signer_key(cls, skey: str) -> Signer:
        """Load a key written by `signer_key` (or Go's note.GenerateKey); the key id must match."""
        if not skey.startswith(SIGNER_KEY_PREFIX):
            raise NoteError(f"signer key does not start with {SIGNER_KEY_PREFIX!r}")
        name, key_id, alg_and_seed = _split_key(skey[len(SIGNER_KEY_PREFIX) :], "signer key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(alg_and_seed[1:]))
        if signer.key_id != key_id:
            raise NoteError(
                f"signer key: key id {key_id:08x} does not match the name and key "
                f"(expected {signer.key_id:08x})"
            )
        return signer


def generate_signer(name: str) -> Signer:
    return Signer(name, Ed25519PrivateKey.generate())


def check_note_text(text: str) -> None:
    """Raise NoteError unless `text` can be the text of a signed note."""
    if not text:
        raise NoteError("note text is empty")
    for number, line in enumerate(text.split("\n"), start=1):
        problem = char_problem(line)
        if problem is not None:
            raise NoteError(problem, number)
    if not text.endswith("\n"):
        raise NoteError("note text does not end with a newline", text.count("\n") + 1)
    if not text.strip("\n"):
        raise NoteError("note text has only empty lines", 1)


@dataclass(frozen=True)
class NoteSignature:
    """One parsed signature line; `line` is its 1-based line number in the note."""

    name: str
    key_id: int
    signature: bytes
    line: int


@dataclass(frozen=True)
class ParsedNote:
    """A structurally valid note whose signatures have NOT been verified."""

    text: str
    signatures: tuple[NoteSignature, ...]


def parse_note(note: str | bytes) -> ParsedNote:
    """Split a signed note into text and signature lines, checking only the syntax."""
    if isinstance(note, bytes):
        note = decode_utf8(note, "note")
    if not note:
        raise NoteError("note is empty")
    lines = note.split("\n")
    for number, line in enumerate(lines, start=1):
        problem = char_problem(line)
        if problem is not None:
            raise NoteError(problem, number)
    if not note.endswith("\n"):
        raise NoteError("note does not end with a newline", len(lines))
    # The text may itself contain empty lines: the signatures follow the LAST blank line.
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("no blank line separates the note text from the signature lines")
    text = note[: split + 1]
    block = note[split + 2 :]
    if not text.strip("\n"):
        raise NoteError("note text is empty", 1)
    first = text.count("\n") + 2
    if not block:
        raise NoteError("note ends with a blank line; signature lines must follow it", first - 1)
    sig_lines = block.split("\n")[:-1]
    if len(sig_lines) > MAX_SIGNATURES:
        raise SignatureError(f"too many signature lines ({len(sig_lines)}; at most {MAX_SIGNATURES})", first)
    signatures = tuple(
        _parse_signature_line(line, number) for number, line in enumerate(sig_lines, start=first)
    )
    return ParsedNote(text, signatures)


def _parse_signature_line(line: str, number: int) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        if line[:1] in ("-", "–", "—"):
            reason = "signature line must start with an em dash (U+2014) and a space"
        else:
            reason = f"signature line {show(line)} does not start with '— ' (em dash U+2014, space)"
        raise SignatureError(reason, number)
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise SignatureError("signature line has no space between the key name and the signature", number)
    problem = name_problem(name)
    if problem is not None:
        raise SignatureError(problem, number)
    if " " in encoded:
        raise SignatureError("signature line has more than two fields after the em dash", number)
    try:
        blob = strict_b64decode(encoded)
    except ValueError as exc:
        raise SignatureError(f"signature by {show(name)}: {exc}", number) from None
    if len(blob) < 5:
        raise SignatureError(
            f"signature by {show(name)} is {len(blob)} bytes; it needs a 4-byte key id and a signature",
            number,
        )
    return NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:], number)


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> tuple[str, list[str]]:
    """Verify a signed note; return its text and the names of the known keys whose signature verified.

    Signatures by unknown keys (name and key id not both matching a verifier) are ignored, as the spec
    requires. A known key whose signature fails rejects the whole note, and at least one known key
    must have signed.
    """
    parsed = parse_note(note)
    known = {(verifier.name, verifier.key_id): verifier for verifier in verifiers}
    if not known:
        raise SignatureError("no verifier keys given")
    message = parsed.text.encode("utf-8")
    verified: list[str] = []
    seen: set[tuple[str, int]] = set()
    for sig in parsed.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if (sig.name, sig.key_id) in seen:
            raise SignatureError(f"second signature by key {sig.name}+{sig.key_id:08x}", sig.line)
        seen.add((sig.name, sig.key_id))
        if len(sig.signature) != ED25519_SIGNATURE_SIZE:
            raise SignatureError(
                f"signature by {sig.name} is {len(sig.signature)} bytes, "
                f"an Ed25519 signature is {ED25519_SIGNATURE_SIZE}",
                sig.line,
            )
        if not verifier.verify(message, sig.signature):
            raise SignatureError(
                f"signature by {sig.name} (key id {sig.key_id:08x}) does not verify: "
                "the note text or the signature was changed",
                sig.line,
            )
        verified.append(sig.name)
    if not verified:
        raise SignatureError(_no_known_signature(parsed.signatures, known))
    return parsed.text, verified


def _no_known_signature(signatures: Iterable[NoteSignature], known: dict[tuple[str, int], Verifier]) -> str:
    expected = ", ".join(f"{name}+{key_id:08x}" for name, key_id in known)
    found = ", ".join(f"{sig.name}+{sig.key_id:08x}" for sig in signatures)
    known_names = {name for name, _ in known}
    for sig in signatures:
        if sig.name in known_names:
            # Same name, other id: usually a rotated key or a key file for another deployment.
            return (
                f"the note is signed by {sig.name} with key id {sig.key_id:08x}, "
                f"but the known key is {expected}"
            )
    return f"no signature by a known key (expected {expected}; the note is signed by {found})"


@dataclass(frozen=True)
class Checkpoint:
    """A transparency log checkpoint body (c2sp.org/tlog-checkpoint): the note text a log signs."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin:
            raise NoteError("checkpoint origin is empty")
        for value in (self.origin, *self.extensions):
            if "\n" in value:
                raise NoteError(f"checkpoint line {show(value)} contains a newline")
            problem = char_problem(value)
            if problem is not None:
                raise NoteError(f"checkpoint line {show(value)}: {problem}")
        if any(not extension for extension in self.extensions):
            raise NoteError("checkpoint extension lines must be non-empty")
        if not 0 <= self.size <= MAX_UINT64:
            raise NoteError(f"checkpoint size {self.size} is outside 0..2^64-1")
        if len(self.root_hash) != HASH_SIZE:
            raise NoteError(f"checkpoint root hash is {len(self.root_hash)} bytes, expected {HASH_SIZE}")

    def format(self) -> str:
        lines = [self.origin, str(self.size), b64encode(self.root_hash), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text (as returned by `open_note`); line numbers are the note's."""
        if not text:
            raise NoteError("checkpoint text is empty")
        lines = text.split("\n")
        for number, line in enumerate(lines, start=1):
            problem = char_problem(line)
            if problem is not None:
                raise NoteError(problem, number)
        if not text.endswith("\n"):
            raise NoteError("checkpoint text does not end with a newline", len(lines))
        lines.pop()
        if len(lines) < 3:
            raise NoteError(
                f"checkpoint has {len(lines)} line(s); it needs origin, tree size and root hash lines"
            )
        origin, size_line, root_line, *extensions = lines
        if not origin:
            raise NoteError("checkpoint origin is empty", 1)
        try:
            size = parse_decimal(size_line, "tree size")
        except ValueError as exc:
            raise NoteError(str(exc), 2) from None
        try:
            root_hash = strict_b64decode(root_line)
        except ValueError as exc:
            raise NoteError(f"root hash: {exc}", 3) from None
        if len(root_hash) != HASH_SIZE:
            raise NoteError(f"root hash is {len(root_hash)} bytes, expected {HASH_SIZE}", 3)
        for number, extension in enumerate(extensions, start=4):
            if not extension:
                raise NoteError("checkpoint extension line is empty", number)
        return cls(origin, size, root_hash, tuple(extensions))
