"""Signed notes and checkpoints: the C2SP example vectors, round trips and every malformation."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from liuquan.ledger.note import (
    MAX_SIGNATURES,
    Checkpoint,
    NoteError,
    SignatureError,
    Signer,
    Verifier,
    generate_signer,
    open_note,
    parse_note,
    strict_b64decode,
)

VECTORS = Path("/work/shared/data/tlog-vectors/c2sp")
# The C2SP signed-note example, inlined so the tests run without the shared vector directory; the test
# below checks the inlined copy against the files when they are present.
EXAMPLE_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
EXAMPLE_NOTE = (
    "This is an example message.\n"
    "\n"
    "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
EXAMPLE_CHECKPOINT_NOTE = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)


@pytest.fixture(scope="module")
def example() -> Verifier:
    return Verifier.from_key(EXAMPLE_VKEY)


def test_inlined_vectors_match_the_shared_files() -> None:
    if not VECTORS.is_dir():
        pytest.skip("shared C2SP vectors not present")
    assert (VECTORS / "signed-note-example.vkey").read_text().strip() == EXAMPLE_VKEY
    assert (VECTORS / "signed-note-example.note").read_text() == EXAMPLE_NOTE
    assert (VECTORS / "tlog-checkpoint-example.note").read_text() == EXAMPLE_CHECKPOINT_NOTE


# --- The C2SP example --------------------------------------------------------------------------------


def test_example_verifier_key(example: Verifier) -> None:
    assert example.name == "example.com/foo"
    assert example.key_id == 0x530D903A
    assert example.key == EXAMPLE_VKEY
    raw = base64.b64decode(EXAMPLE_VKEY.split("+", 2)[2])
    assert raw[0] == 0x01 and example.public_key == raw[1:]
    # The spec's key id recipe, computed independently of the module.
    digest = hashlib.sha256(b"example.com/foo\n\x01" + example.public_key).digest()
    assert digest[:4].hex() == "530d903a"


def test_example_note_verifies(example: Verifier) -> None:
    text, names = open_note(EXAMPLE_NOTE, [example])
    assert text == "This is an example message.\n"
    assert names == ["example.com/foo"]
    assert open_note(EXAMPLE_NOTE.encode(), [example]) == (text, names)


def test_example_note_with_one_changed_text_byte_fails(example: Verifier) -> None:
    tampered = EXAMPLE_NOTE.replace("example message", "example massage")
    with pytest.raises(SignatureError) as caught:
        open_note(tampered, [example])
    assert caught.value.line == 3
    assert "signature by example.com/foo (key id 530d903a) does not verify" in str(caught.value)


def test_example_note_every_single_bit_flip_is_rejected(example: Verifier) -> None:
    data = EXAMPLE_NOTE.encode()
    for position in range(len(data)):
        for mask in (0x01, 0x80):
            changed = bytearray(data)
            changed[position] ^= mask
            with pytest.raises(NoteError) as caught:
                open_note(bytes(changed), [example])
            assert caught.value.reason, position


def test_example_checkpoint_parses_and_round_trips() -> None:
    parsed = parse_note(EXAMPLE_CHECKPOINT_NOTE)
    assert len(parsed.signatures) == 1
    assert parsed.signatures[0].name == "example.com/behind-the-sofa"
    assert parsed.signatures[0].line == 5
    checkpoint = Checkpoint.parse(parsed.text)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.format() == parsed.text


def test_signature_by_unknown_key_is_ignored_but_one_known_is_required(example: Verifier) -> None:
    with pytest.raises(SignatureError, match="no signature by a known key") as caught:
        open_note(EXAMPLE_CHECKPOINT_NOTE, [example])
    assert "example.com/behind-the-sofa+" in str(caught.value)


# --- Signer ------------------------------------------------------------------------------------------


def test_signer_round_trip_and_key_formats() -> None:
    signer = generate_signer("ledger.example/liuquan")
    vkey = signer.verifier_key
    assert re.fullmatch(r"ledger\.example/liuquan\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}", vkey)
    verifier = Verifier.from_key(vkey)
    assert verifier == signer.verifier()
    note = signer.sign("hello\nworld\n")
    assert note.startswith("hello\nworld\n\n— ledger.example/liuquan ")
    assert open_note(note, [verifier]) == ("hello\nworld\n", ["ledger.example/liuquan"])


def test_signer_key_is_go_note_format_and_reloads() -> None:
    signer = generate_signer("ledger.example/liuquan")
    skey = signer.signer_key()
    match = re.fullmatch(r"PRIVATE\+KEY\+ledger\.example/liuquan\+([0-9a-f]{8})\+(.+)", skey)
    assert match is not None
    assert int(match.group(1), 16) == signer.key_id
    raw = base64.b64decode(match.group(2))
    assert len(raw) == 33 and raw[0] == 0x01
    reloaded = Signer.from_signer_key(skey)
    assert reloaded.verifier_key == signer.verifier_key
    # Ed25519 is deterministic: the reloaded key signs identically.
    assert reloaded.sign("x\n") == signer.sign("x\n")
    assert match.group(2) not in repr(signer)


def test_signer_key_from_fixed_seed_matches_independent_computation() -> None:
    seed = bytes(range(32))
    signer = Signer("a.example/log", Ed25519PrivateKey.from_private_bytes(seed))
    expected_id = hashlib.sha256(b"a.example/log\n\x01" + signer.public_key).digest()[:4].hex()
    assert signer.signer_key() == (
        f"PRIVATE+KEY+a.example/log+{expected_id}+" + base64.b64encode(b"\x01" + seed).decode()
    )


@pytest.mark.parametrize(
    ("skey", "reason"),
    [
        ("example.com/foo+530d903a+AQ==", "does not start with 'PRIVATE+KEY+'"),
        (
            "PRIVATE+KEY+example.com/foo+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(),
            "does not match",
        ),
        (
            "PRIVATE+KEY+example.com/foo+00000000+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
            "31 bytes",
        ),
        ("PRIVATE+KEY+example.com/foo+00000000", "must look like"),
    ],
)
def test_bad_signer_keys(skey: str, reason: str) -> None:
    with pytest.raises(NoteError, match=re.escape(reason)):
        Signer.from_signer_key(skey)


@pytest.mark.parametrize(
    ("name", "reason"), [("", "empty"), ("a b", "space"), ("a+b", "'+'"), ("a\x01", "control")]
)
def test_signer_rejects_bad_names(name: str, reason: str) -> None:
    with pytest.raises(NoteError, match=re.escape(reason)):
        generate_signer(name)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "note text is empty"),
        ("no newline", "does not end with a newline"),
        ("\n\n", "only empty lines"),
        ("tab\there\n", "control character U+0009"),
        ("crlf\r\n", "CRLF"),
        ("bad \ud800\n", "unpaired surrogate"),
    ],
)
def test_sign_rejects_bad_text(text: str, reason: str) -> None:
    with pytest.raises(NoteError, match=re.escape(reason)):
        generate_signer("a.example/log").sign(text)


def test_text_may_contain_empty_lines_and_dash_lines() -> None:
    signer = generate_signer("a.example/log")
    text = "first\n\n— not a signature AAAA\n\n"
    assert open_note(signer.sign(text), [signer.verifier()]) == (text, ["a.example/log"])


# --- Several signatures ------------------------------------------------------------------------------


def test_cosigned_note() -> None:
    log, witness, stranger = (
        generate_signer(name) for name in ("log.example", "witness.example", "x.example")
    )
    text = "body\n"
    note = log.sign(text) + witness.signature_line(text)
    assert open_note(note, [log.verifier()]) == (text, ["log.example"])
    assert open_note(note, [witness.verifier(), log.verifier()])[1] == ["log.example", "witness.example"]
    with pytest.raises(SignatureError, match="no signature by a known key"):
        open_note(note, [stranger.verifier()])


def test_failing_known_signature_rejects_the_note_even_if_another_verifies() -> None:
    log, witness = generate_signer("log.example"), generate_signer("witness.example")
    note = log.sign("body\n") + witness.signature_line("other body\n")
    with pytest.raises(SignatureError, match=r"signature by witness\.example .* does not verify"):
        open_note(note, [log.verifier(), witness.verifier()])


def test_duplicate_known_signature_is_rejected() -> None:
    log = generate_signer("log.example")
    note = log.sign("body\n") + log.signature_line("body\n")
    with pytest.raises(SignatureError, match=r"second signature by key log\.example"):
        open_note(note, [log.verifier()])


def test_same_name_other_key_id_is_explained() -> None:
    old, new = generate_signer("log.example"), generate_signer("log.example")
    with pytest.raises(SignatureError, match=f"key id {old.key_id:08x}, but the known key is log.example"):
        open_note(old.sign("body\n"), [new.verifier()])


def test_signature_limit() -> None:
    log = generate_signer("log.example")
    note = log.sign("body\n")
    others = [generate_signer(f"w{i}.example").signature_line("body\n") for i in range(MAX_SIGNATURES)]
    # The spec requires accepting at least 16 signatures.
    assert open_note(note + "".join(others[:15]), [log.verifier()])[1] == ["log.example"]
    with pytest.raises(SignatureError, match="too many signature lines"):
        open_note(note + "".join(others), [log.verifier()])


def test_no_verifiers_given() -> None:
    with pytest.raises(SignatureError, match="no verifier keys given"):
        open_note(EXAMPLE_NOTE, [])


# --- Malformed notes ---------------------------------------------------------------------------------

SIG = "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="


@pytest.mark.parametrize(
    ("note", "reason", "line"),
    [
        ("", "note is empty", None),
        (EXAMPLE_NOTE[:-1], "does not end with a newline", 3),
        ("This is an example message.\n" + SIG + "\n", "no blank line separates", None),
        ("\n\n" + SIG + "\n", "note text is empty", 1),
        ("This is an example message.\n\n" + SIG + "\n\n", "note ends with a blank line", 4),
        ("This is\tan example message.\n\n" + SIG + "\n", "control character U+0009", 1),
        ("This is an example message.\r\n\n" + SIG + "\n", "CRLF", 1),
        (
            b"This is an \xff example message.\n\n" + SIG.encode() + b"\n",
            "not valid UTF-8 (byte 0xff at offset 11)",
            1,
        ),
        ("This is an \udcff example message.\n\n" + SIG + "\n", "unpaired surrogate", 1),
        ("text\n\n-- example.com/foo AAAAAAAA\n", "must start with an em dash", 3),
        ("text\n\n– example.com/foo AAAAAAAA\n", "must start with an em dash", 3),
        ("text\n\nexample.com/foo AAAAAAAA\n", "does not start with '— '", 3),
        ("text\n\n—example.com/foo AAAAAAAA\n", "must start with an em dash", 3),
        ("text\n\n— example.com/fooAAAAAAAA\n", "no space between the key name and the signature", 3),
        ("text\n\n—  AAAAAAAA\n", "key name is empty", 3),
        ("text\n\n— exa+mple AAAAAAAA\n", "contains '+'", 3),
        ("text\n\n— example.com/foo AAAA AAAA\n", "more than two fields", 3),
        ("text\n\n— example.com/foo AAAA!AAA\n", "character '!' (U+0021) is not in the alphabet", 3),
        ("text\n\n— example.com/foo AAAAAA\n", "not a multiple of 4", 3),
        ("text\n\n— example.com/foo AAAAAB==\n", "not the canonical encoding", 3),
        ("text\n\n— example.com/foo AA=AAAAA\n", "padding appears before the end", 3),
        ("text\n\n— example.com/foo AAAAAA==\n", "is 4 bytes; it needs a 4-byte key id and a signature", 3),
        ("text\n\n" + SIG + "\nnot a signature\n", "does not start with '— '", 4),
    ],
)
def test_malformed_notes(example: Verifier, note: str | bytes, reason: str, line: int | None) -> None:
    with pytest.raises(NoteError) as caught:
        open_note(note, [example])
    assert reason in caught.value.reason
    assert caught.value.line == line


def test_signature_line_errors_are_signature_errors() -> None:
    with pytest.raises(SignatureError):
        parse_note("text\n\n— example.com/foo AAAA!AAA\n")


def test_short_ed25519_signature_from_known_key(example: Verifier) -> None:
    blob = example.key_id.to_bytes(4, "big") + bytes(63)
    note = f"text\n\n— example.com/foo {base64.b64encode(blob).decode()}\n"
    with pytest.raises(SignatureError, match="is 63 bytes, an Ed25519 signature is 64"):
        open_note(note, [example])


# --- Verifier keys -----------------------------------------------------------------------------------

_KEY64 = EXAMPLE_VKEY.split("+", 2)[2]


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        ("", "verifier key is empty"),
        (EXAMPLE_VKEY + "\n", "whitespace or a control character (U+000A)"),
        ("example.com/foo+530d903a", "must look like name+"),
        ("+530d903a+" + _KEY64, "key name is empty"),
        (
            "example.com/foo+530d903b+" + _KEY64,
            "key id 530d903b does not match the name and key (expected 530d903a)",
        ),
        ("example.com/bar+530d903a+" + _KEY64, "does not match"),
        ("example.com/foo+530d903+" + _KEY64, "is not 8 hexadecimal digits"),
        ("example.com/foo+0x530d90+" + _KEY64, "is not 8 hexadecimal digits"),
        ("example.com/foo+530d903a+" + _KEY64[:-1], "not a multiple of 4"),
        ("example.com/foo+530d903a+", "key is empty"),
        ("example.com/foo+530d903a+" + base64.b64encode(b"\x02" + bytes(32)).decode(), "algorithm 0x02"),
        (
            "example.com/foo+530d903a+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
            "31 bytes, expected 32",
        ),
    ],
)
def test_bad_verifier_keys(vkey: str, reason: str) -> None:
    with pytest.raises(NoteError) as caught:
        Verifier.from_key(vkey)
    assert reason in str(caught.value)
    assert str(caught.value).startswith("verifier key")


def test_uppercase_key_id_is_accepted(example: Verifier) -> None:
    assert Verifier.from_key(EXAMPLE_VKEY.replace("530d903a", "530D903A")) == example


def test_verifier_from_public_key(example: Verifier) -> None:
    assert Verifier.from_public_key("example.com/foo", example.public_key) == example
    with pytest.raises(NoteError, match="31 bytes"):
        Verifier.from_public_key("example.com/foo", bytes(31))


# --- Checkpoints -------------------------------------------------------------------------------------

ROOT = bytes(range(32))
ROOT64 = base64.b64encode(ROOT).decode()


def test_checkpoint_round_trip_with_extensions() -> None:
    checkpoint = Checkpoint("ledger.example/liuquan", 0, ROOT, ("ext one", "ext two"))
    text = checkpoint.format()
    assert text == f"ledger.example/liuquan\n0\n{ROOT64}\next one\next two\n"
    assert Checkpoint.parse(text) == checkpoint


def test_checkpoint_largest_size() -> None:
    text = f"o\n{2**64 - 1}\n{ROOT64}\n"
    assert Checkpoint.parse(text).size == 2**64 - 1


@pytest.mark.parametrize(
    ("text", "reason", "line"),
    [
        ("", "checkpoint text is empty", None),
        (f"o\n5\n{ROOT64}", "does not end with a newline", 3),
        ("o\n5\n", "has 2 line(s)", None),
        (f"\n5\n{ROOT64}\n", "origin is empty", 1),
        (f"o\n05\n{ROOT64}\n", "leading zero", 2),
        (f"o\n00\n{ROOT64}\n", "leading zero", 2),
        (f"o\n-1\n{ROOT64}\n", "not an ASCII decimal", 2),
        (f"o\n+1\n{ROOT64}\n", "not an ASCII decimal", 2),
        (f"o\n 1\n{ROOT64}\n", "not an ASCII decimal", 2),
        (f"o\n1e3\n{ROOT64}\n", "not an ASCII decimal", 2),
        (f"o\n\u0661\n{ROOT64}\n", "not an ASCII decimal", 2),
        (f"o\n\n{ROOT64}\n", "not an ASCII decimal", 2),
        (f"o\n{2**64}\n{ROOT64}\n", "does not fit in 64 bits", 2),
        (f"o\n5\n{base64.b64encode(bytes(31)).decode()}\n", "root hash is 31 bytes, expected 32", 3),
        (f"o\n5\n{ROOT64[:-1]}\n", "not a multiple of 4", 3),
        (f"o\n5\n{ROOT64[:-2]}B=\n", "not the canonical encoding", 3),
        (f"o\n5\n{ROOT64}\next\n\n", "extension line is empty", 5),
        (f"o\n5\n{ROOT64}\x0b\n", "control character U+000B", 3),
    ],
)
def test_malformed_checkpoints(text: str, reason: str, line: int | None) -> None:
    with pytest.raises(NoteError) as caught:
        Checkpoint.parse(text)
    assert reason in caught.value.reason
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"origin": ""}, "origin is empty"),
        ({"origin": "a\nb"}, "contains a newline"),
        ({"size": -1}, "outside 0..2^64-1"),
        ({"size": 2**64}, "outside 0..2^64-1"),
        ({"root_hash": bytes(31)}, "31 bytes"),
        ({"extensions": ("",)}, "must be non-empty"),
    ],
)
def test_checkpoint_constructor_validates(kwargs: dict[str, object], reason: str) -> None:
    fields: dict[str, object] = {"origin": "o", "size": 1, "root_hash": ROOT, "extensions": ()}
    fields.update(kwargs)
    with pytest.raises(NoteError, match=re.escape(reason)):
        Checkpoint(**fields)  # type: ignore[arg-type]


# --- Base64 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "data"), [("", b""), ("QQ==", b"A"), ("QUI=", b"AB"), ("QUJD", b"ABC")])
def test_strict_base64_accepts_canonical(value: str, data: bytes) -> None:
    assert strict_b64decode(value) == data


@pytest.mark.parametrize(
    "value", ["QR==", "QUJ=", "QQ", "Q===", "QQ==QQ==", "QQ ==", "QQ==\n", "ＱＱ==", "QQ-_"]
)
def test_strict_base64_rejects_everything_else(value: str) -> None:
    with pytest.raises(ValueError, match="invalid base64"):
        strict_b64decode(value)
