"""``liuquan-verify RECEIPT (--key VERIFIER_KEY | --no-key)``: check a ledger receipt on any machine, offline.

RECEIPT is a receipt file (c2sp.org/tlog-proof) or ``-`` for standard input. VERIFIER_KEY is the
ledger's published verifier key ``name+keyid+base64``, or ``@FILE`` to read it from a file; without
``--key`` the environment variable LIUQUAN_LEDGER_KEY is used when set.

Prints exactly one line: ``OK: …`` on standard output (exit 0), naming the record and the state it
verified, or ``FAIL: <reason>`` on standard error (exit 1); command-line mistakes print one ``usage
error: …`` line and exit 2 — so does a missing key, unless ``--no-key`` says the signature is not to be
checked: the inclusion proof alone shows the entry is under the receipt's root, but anyone can make a
tree with a root, so only the key ties it to the ledger.

Deliberately free of Django and liuquan.settings, so it runs from the installed package with no
configuration, database or network.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from liuquan.ledger.note import NoteError, Verifier, decode_utf8, show
from liuquan.ledger.receipt import ReceiptError, verify_receipt
from liuquan.ledger.witness import CosignatureKey

KEY_ENV = "LIUQUAN_LEDGER_KEY"
# Entries are small records; the caps keep a hostile file from exhausting memory.
MAX_RECEIPT_BYTES = 16 * 1024 * 1024
MAX_KEY_BYTES = 64 * 1024
USAGE = "liuquan-verify RECEIPT (--key VERIFIER_KEY | --no-key)"


class _UsageError(Exception):
    pass


class _Failure(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse's own error() prints the usage and a message on two lines; we promise one line.
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="liuquan-verify",
        usage=USAGE,
        description="Check a liuquan ledger receipt offline: the entry, its inclusion proof and the "
        "signed checkpoint.",
        epilog=f"Without --key, ${KEY_ENV} is used when set. Exit status: 0 verified, 1 not verified, "
        "2 usage error.",
    )
    parser.add_argument(
        "receipt", metavar="RECEIPT", help="receipt file (.tlog-proof), or - for standard input"
    )
    parser.add_argument(
        "--key",
        metavar="VERIFIER_KEY",
        help="the ledger's verifier key (name+keyid+base64), or @FILE to read it from FILE",
    )
    parser.add_argument(
        "--witness-key",
        metavar="WITNESS_KEY",
        action="append",
        default=[],
        help="require a valid cosignature by this witness (name+keyid+base64, or @FILE); may repeat",
    )
    parser.add_argument(
        "--no-key",
        action="store_true",
        help="check the entry and its inclusion only, not who signed the checkpoint",
    )
    return parser


def _read_limited(path: str, limit: int, what: str) -> bytes:
    try:
        if path == "-":
            if sys.stdin is None:
                raise _Failure(f"cannot read {what} from standard input: there is none")
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
    except OSError as exc:
        source = "standard input" if path == "-" else show(path, 200)
        raise _Failure(f"cannot read {what} {source}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _Failure(f"{what} is larger than {limit} bytes")
    return data


def _load_verifier(spec: str, source: str) -> Verifier:
    if spec.startswith("@"):
        raw = _read_limited(spec[1:], MAX_KEY_BYTES, "key file")
        try:
            # A key file normally ends with a newline; surrounding whitespace is never part of a key.
            text = decode_utf8(raw, "key file").strip()
        except NoteError as exc:
            raise _Failure(f"{exc} (from {source})") from None
    else:
        text = spec
    try:
        return Verifier.from_key(text)
    except NoteError as exc:
        raise _Failure(f"{exc} (from {source})") from None


def _witness_key(spec: str) -> CosignatureKey:
    text = spec
    if spec.startswith("@"):
        try:
            text = decode_utf8(_read_limited(spec[1:], MAX_KEY_BYTES, "witness key file"), "witness key file")
        except NoteError as exc:
            raise _Failure(f"{exc} (from --witness-key)") from None
    try:
        return CosignatureKey.from_key(text.strip())
    except NoteError as exc:
        raise _Failure(f"{exc} (from --witness-key)") from None


def _verify(
    receipt_path: str, key_spec: str | None, key_source: str, witness_specs: Sequence[str] = ()
) -> str:
    verifier = _load_verifier(key_spec, key_source) if key_spec is not None else None
    witnesses = [_witness_key(spec) for spec in witness_specs]
    data = _read_limited(receipt_path, MAX_RECEIPT_BYTES, "receipt")
    try:
        result = verify_receipt(data, verifier)
    except ReceiptError as exc:
        raise _Failure(str(exc)) from None
    cosigned = []
    for witness in witnesses:
        try:
            witness.timestamp_of(result.checkpoint_note)
        except NoteError as exc:
            raise _Failure(f"witness: {exc}") from None
        cosigned.append(witness.name)
    where = f"entry {result.index} is in {result.origin} at size {result.size}"
    what = _describe(result.entry_bytes)
    if cosigned:
        where += f", cosigned by {', '.join(cosigned)}"
    if result.signature_checked:
        return f"OK: {where}; signature by {result.signed_by} verified; {what}"
    return f"OK: {where}; signature NOT checked (give --key); {what}"


def _describe(entry: bytes) -> str:
    """What the verified entry says: a liuquan record's subject, action, time and state (a sealed record
    shows only that it is sealed), else the entry itself."""
    try:
        document = json.loads(entry)
    except ValueError:
        return f"entry of {len(entry)} bytes (not JSON)"
    compact = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    subject = document.get("subject") if isinstance(document, dict) else None
    if isinstance(subject, dict) and isinstance(document.get("state"), dict):
        state = json.dumps(document["state"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return (
            f"record {show(str(subject.get('type')), 80)}:{show(str(subject.get('id')), 80)}, "
            f"{show(str(document.get('action')), 80)} at {show(str(document.get('time')), 40)}, "
            f"state {show(state, 4000)}"
        )
    return f"entry {show(compact, 4000)}"


def _emit(stream: TextIO, line: str) -> None:
    # One line whatever the reason contains, and no UnicodeEncodeError on a non-UTF-8 terminal.
    line = " ".join(line.splitlines())
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        line = line.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        line = line.encode("ascii", "backslashreplace").decode("ascii")
    try:
        stream.write(line + "\n")
        stream.flush()
    except OSError:
        pass  # a closed pipe: nobody is left to tell


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        _emit(sys.stderr, f"usage error: {exc} (usage: {USAGE})")
        return 2
    except SystemExit as exc:  # --help has printed the help
        return exc.code if isinstance(exc.code, int) else 0
    if args.key is not None:
        key_spec: str | None = args.key
        key_source = "--key"
    else:
        key_spec = os.environ.get(KEY_ENV) or None
        key_source = f"${KEY_ENV}"
    if key_spec is None and not args.no_key:
        _emit(
            sys.stderr,
            f"usage error: no verifier key: give --key (or ${KEY_ENV}), or --no-key to check the entry "
            f"and its inclusion without the signature (usage: {USAGE})",
        )
        return 2
    try:
        line = _verify(args.receipt, key_spec, key_source, args.witness_key)
    except _Failure as exc:
        _emit(sys.stderr, f"FAIL: {exc}")
        return 1
    except Exception as exc:
        # A bug must still not print a traceback to someone checking a receipt; it is not an OK either.
        _emit(sys.stderr, f"FAIL: internal error ({type(exc).__name__}: {exc})")
        return 1
    _emit(sys.stdout, line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
