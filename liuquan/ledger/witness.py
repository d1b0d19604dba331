"""An independent witness of the ledger (C2SP tlog-witness, tlog-cosignature): `liuquan-witness`.

A witness keeps, for each log it follows, the latest checkpoint it cosigned. A log submits each new
checkpoint with a consistency proof from that one; the witness checks the log's signature and the proof
and cosigns only a checkpoint that extends what it saw before, so two different histories can never both
carry its cosignature. It holds its own Ed25519 key and its own state and needs nothing of liuquan but
this package: 纪检, or the province for all its cities, runs it on a machine of their own.

    liuquan-witness init --dir DIR --name witness.jz.gov.cn/jiwei     # key and state; prints the vkey
    liuquan-witness serve --dir DIR --log-key VKEY [--log-key …] [--bind 127.0.0.1:8700]

`POST <prefix>/add-checkpoint` answers as c2sp.org/tlog-witness says: 200 with the cosignature line, 404
for a log it does not follow, 403 when no trusted signature verifies, 400 for a bad request, 409 (with the
size it holds, `text/x.tlog.size`) when the old size is not the one it cosigned last or the same size has
another root, 422 when the consistency proof fails. State changes are atomic under a file lock.

Deliberately free of Django and liuquan.settings (as liuquan-verify is).
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from liuquan.ledger import merkle
from liuquan.ledger.note import (
    Checkpoint,
    NoteError,
    Verifier,
    b64encode,
    compute_key_id,
    open_note,
    parse_note,
    strict_b64decode,
)

COSIGNATURE_V1 = 0x04  # the key id's algorithm byte of an Ed25519 cosignature/v1 key
MAX_BODY = 64 * 1024
MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: the header, the time, then the checkpoint's whole note text."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True)
class CosignatureKey:
    """A witness's public key, as logs and clients configure it: name+keyid+base64(0x04 ‖ key)."""

    name: str
    key_id: int
    public_key: bytes

    @classmethod
    def from_key(cls, vkey: str) -> CosignatureKey:
        name, _, rest = vkey.strip().partition("+")
        key_id_text, _, encoded = rest.partition("+")
        try:
            blob = strict_b64decode(encoded)
            key_id = int(key_id_text, 16)
        except ValueError as exc:
            raise NoteError(f"witness key must look like name+<8 hex digits>+<base64>: {exc}") from None
        if len(key_id_text) != 8 or len(blob) != 33 or blob[0] != COSIGNATURE_V1:
            raise NoteError("witness key must be an Ed25519 cosignature/v1 key (type 0x04, 32 bytes)")
        if compute_key_id(name, blob) != key_id:
            raise NoteError("witness key id does not match its name and key")
        return cls(name, key_id, blob[1:])

    @property
    def key(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{b64encode(bytes([COSIGNATURE_V1]) + self.public_key)}"

    def timestamp_of(self, note: str) -> int:
        """The time of this witness's valid cosignature on `note`; NoteError when there is none."""
        parsed = parse_note(note)
        for signature in parsed.signatures:
            if signature.name != self.name or signature.key_id != self.key_id:
                continue
            if len(signature.signature) != 8 + 64:
                raise NoteError(f"cosignature by {self.name} has the wrong length")
            timestamp = int.from_bytes(signature.signature[:8], "big")
            try:
                Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                    signature.signature[8:], cosigned_message(parsed.text, timestamp)
                )
            except Exception:  # cryptography's InvalidSignature
                raise NoteError(f"cosignature by {self.name} does not verify") from None
            return timestamp
        raise NoteError(f"no cosignature by witness {self.name}")


@dataclass(frozen=True)
class Cosigner:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def public(self) -> CosignatureKey:
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return CosignatureKey(self.name, compute_key_id(self.name, bytes([COSIGNATURE_V1]) + raw), raw)

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        signature = self.private_key.sign(cosigned_message(checkpoint_text, timestamp))
        blob = self.public.key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
        return f"— {self.name} {b64encode(blob)}\n"


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class Witness:
    """The witness's checks and state (a directory: its key, and one state file per log)."""

    def __init__(
        self,
        directory: Path,
        logs: Iterable[Verifier],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.cosigner = load_cosigner(directory)
        self.logs = {verifier.name: verifier for verifier in logs}
        self.clock = clock

    def _state_file(self, origin: str) -> Path:
        return self.directory / "logs" / (base64.urlsafe_b64encode(origin.encode()).decode() + ".json")

    def latest(self, origin: str) -> tuple[int, bytes]:
        path = self._state_file(origin)
        if not path.exists():
            return 0, b""
        kept = json.loads(path.read_text(encoding="utf-8"))
        return int(kept["size"]), base64.b64decode(kept["root"])

    def _keep(self, origin: str, checkpoint: Checkpoint, note: str) -> None:
        path = self._state_file(origin)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        document = {
            "origin": origin,
            "size": checkpoint.size,
            "root": b64encode(checkpoint.root_hash),
            "note": note,
        }
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    def add_checkpoint(self, body: bytes) -> Answer:
        if len(body) > MAX_BODY:
            return Answer(400, "request too large\n")
        try:
            text = body.decode("utf-8")
            head, separator, note = text.partition("\n\n")
            if not separator:
                raise ValueError("no empty line before the checkpoint")
            lines = head.split("\n")
            if not lines[0].startswith("old "):
                raise ValueError("the first line must be 'old <size>'")
            old_text = lines[0][4:]
            if not old_text.isdigit() or (old_text != "0" and old_text.startswith("0")):
                raise ValueError("old size must be a decimal without leading zeroes")
            old = int(old_text)
            if len(lines) - 1 > MAX_PROOF_LINES:
                raise ValueError("too many consistency proof lines")
            proof = [strict_b64decode(line) for line in lines[1:]]
            parsed = parse_note(note)
            origin = parsed.text.split("\n", 1)[0]
        except (UnicodeDecodeError, ValueError) as exc:
            return Answer(400, f"bad request: {exc}\n")
        verifier = self.logs.get(origin)
        if verifier is None:
            return Answer(404, f"unknown log {origin!r}\n")
        try:
            checkpoint_text, _ = open_note(note, [verifier])
            checkpoint = Checkpoint.parse(checkpoint_text)
        except NoteError as exc:
            return Answer(403, f"no trusted signature verifies: {exc}\n")
        if old > checkpoint.size:
            return Answer(400, "old size is larger than the checkpoint's\n")
        lock_path = self.directory / "state.lock"
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # check and keep atomically (the spec's race)
            size, root = self.latest(origin)
            if old != size:
                return Answer(409, f"{size}\n", SIZE_TYPE)
            if old == checkpoint.size:
                if old and root != checkpoint.root_hash:
                    return Answer(409, f"{size}\n", SIZE_TYPE)  # the same size with another root
            elif old == 0:
                if proof:
                    return Answer(422, "a proof from size 0 must be empty\n")
            else:
                try:
                    merkle.verify_consistency(old, checkpoint.size, root, checkpoint.root_hash, proof)
                except merkle.ProofError as exc:
                    return Answer(422, f"consistency proof does not verify: {exc}\n")
            self._keep(origin, checkpoint, note)
        return Answer(200, self.cosigner.cosign(checkpoint_text, int(self.clock())))


def load_cosigner(directory: Path) -> Cosigner:
    data = json.loads((directory / "witness.json").read_text(encoding="utf-8"))
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data["private_key"]))
    return Cosigner(data["name"], key)


def init(directory: Path, name: str) -> Cosigner:
    """Make a witness directory (mode 0700) with a new key (0600)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / "witness.json"
    if path.exists():
        return load_cosigner(directory)
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"name": name, "private_key": base64.b64encode(raw).decode()}, handle)
    return load_cosigner(directory)


def wsgi_app(witness: Witness) -> Callable[..., Iterable[bytes]]:
    """The HTTP interface: POST <prefix>/add-checkpoint (any prefix)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").endswith("/add-checkpoint"):
            answer = Answer(404, "not found\n")
        elif environ.get("REQUEST_METHOD") != "POST":
            answer = Answer(405, "POST only\n")
        else:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                answer = Answer(400, "bad or missing Content-Length\n")
            else:
                answer = witness.add_checkpoint(environ["wsgi.input"].read(length))
        body = answer.body.encode()
        reason = {
            200: "OK",
            400: "Bad Request",
            403: "Forbidden",
            404: "Not Found",
            405: "Method Not Allowed",
            409: "Conflict",
            422: "Unprocessable Entity",
        }[answer.status]
        start_response(
            f"{answer.status} {reason}",
            [("Content-Type", answer.content_type), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="liuquan-witness", description=__doc__.split("\n\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    made = verbs.add_parser("init", help="make the witness's key and state directory; print its key")
    made.add_argument("--dir", required=True, type=Path)
    made.add_argument("--name", required=True, help="a schema-less URL naming the witness")
    serve = verbs.add_parser("serve", help="answer POST /add-checkpoint")
    serve.add_argument("--dir", required=True, type=Path)
    serve.add_argument("--log-key", action="append", required=True, help="a followed log's verifier key")
    serve.add_argument("--bind", default="127.0.0.1:8700")
    args = parser.parse_args(argv)
    try:
        if args.verb == "init":
            print(init(args.dir, args.name).public.key)
            return 0
        witness = Witness(args.dir, [Verifier.from_key(key) for key in args.log_key])
    except (OSError, ValueError, KeyError) as exc:
        print(f"liuquan-witness: {exc}", file=sys.stderr)
        return 2
    from wsgiref.simple_server import make_server

    host, _, port = args.bind.rpartition(":")
    with make_server(host, int(port), wsgi_app(witness)) as server:
        print(f"witness {witness.cosigner.name} on http://{args.bind}/add-checkpoint", file=sys.stderr)
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
