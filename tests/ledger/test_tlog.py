"""The log read as C2SP tlog-tiles, the way a standard client or witness reads it: over HTTP, with nothing
of liuquan's ledger code — the signed note checked with `cryptography`, the tree hashed by this file's own
RFC 9162 code, and the root it gives compared with the signed one."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.test import Client

from liuquan.ledger import tlog
from liuquan.org import actions as org_actions

ENTRIES = 600  # two full tiles of entries and a partial third; a partial tile on level 1


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 over leaf hashes: split at the largest power of two below n."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node(mth(hashes[:k]), mth(hashes[k:]))


def index_path(n: int) -> str:
    """The spec's encoding, written out here independently: groups of three digits, x before all but the
    last."""
    digits = f"{n:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def fetch(client: Client, path: str) -> bytes:
    response = client.get(f"/ledger/log/{path}")
    assert response.status_code == 200, (path, response.content[:200])
    return response.content


def test_index_paths_are_the_specs():
    assert tlog.encode_index(1234067) == "x001/x234/067" == index_path(1234067)
    assert tlog.encode_index(5) == "005" and tlog.encode_index(0) == "000"
    assert tlog.tile_path(0, 1234067, 17) == "tile/0/x001/x234/067.p/17"
    assert tlog.tile_path(None, 3) == "tile/entries/003"
    assert tlog.parse("entries/x001/234.p/9") == tlog.TilePath(None, 1234, 9)
    for bad in (
        "0/1",
        "0/x000/005",
        "0/005.p/256",
        "0/005.p/0",
        "0/005.p/07",
        "64/000",
        "a/000",
        "0/x12/345",
    ):
        with pytest.raises(ValueError, match="tile"):
            tlog.parse(bad)


def test_a_standard_client_reads_the_log_and_gets_the_signed_root(world, client):
    for n in range(ENTRIES - 60):
        org_actions.do_create_post(actor=world.system, unit=world.dept_a, name=f"岗位{n}", kind="general")
    checkpoint = client.get("/ledger/log/checkpoint").content.decode()
    body, _, signatures = checkpoint.partition("\n\n")
    origin, size_line, root_line = body.split("\n")[:3]
    size, root = int(size_line), base64.b64decode(root_line)
    assert size >= ENTRIES - 60

    # The signature, checked with the published verifier key (name+keyid+base64(0x01 ‖ key)).
    name, key_id, encoded = client.get("/api/v1/ledger/key").content.decode().strip().split("+", 2)
    assert name == origin
    key = base64.b64decode(encoded)
    assert key[0] == 1
    line = next(line for line in signatures.splitlines() if line.startswith(f"— {name} "))
    signature = base64.b64decode(line.split(" ")[2])
    assert signature[:4].hex() == key_id
    Ed25519PublicKey.from_public_bytes(key[1:]).verify(signature[4:], (body + "\n").encode())

    # Every entry from the bundles; every leaf hash against the level-0 tiles; the level-1 tile too.
    entries: list[bytes] = []
    for n in range(-(-size // 256)):
        width = min(256, size - 256 * n)
        suffix = "" if width == 256 else f".p/{width}"
        data = fetch(client, f"tile/entries/{index_path(n)}{suffix}")
        position = 0
        while position < len(data):
            length = int.from_bytes(data[position : position + 2], "big")
            entries.append(data[position + 2 : position + 2 + length])
            position += 2 + length
        hashes = fetch(client, f"tile/0/{index_path(n)}{suffix}")
        assert hashes == b"".join(leaf(entry) for entry in entries[256 * n : 256 * n + width])
    assert len(entries) == size
    assert mth([leaf(entry) for entry in entries]) == root
    full_subtrees = size // 256
    level_one = fetch(client, f"tile/1/000.p/{full_subtrees}")
    assert level_one == b"".join(
        mth([leaf(entry) for entry in entries[256 * k : 256 * (k + 1)]]) for k in range(full_subtrees)
    )
    # A full tile is immutable; a tile the tree does not hold yet, or a malformed path, is a 404.
    response = client.get(f"/ledger/log/tile/entries/{index_path(0)}")
    assert "immutable" in response["Cache-Control"]
    for missing in (f"tile/0/{index_path(size // 256)}", "tile/0/x000/001", "tile/9/000", "tile/0/005.p/0"):
        assert client.get(f"/ledger/log/{missing}").status_code == 404, missing
