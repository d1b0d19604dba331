"""The log's side of witnessing: submit each new checkpoint to the witnesses this installation names
(LIUQUAN_LEDGER_WITNESSES) with a consistency proof, and keep their cosignatures on the checkpoint, so
that the portal, the tlog-tiles checkpoint and every receipt carry them (see ledger/witness.py)."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from liuquan.ledger import note, tree
from liuquan.ledger.models import Checkpoint
from liuquan.ledger.witness import SIZE_TYPE, CosignatureKey

logger = logging.getLogger(__name__)

# (url, body) → (status, content type, body): the HTTP POST, replaceable in tests.
Post = Callable[[str, bytes], tuple[int, str, bytes]]


@dataclass(frozen=True)
class Named:
    url: str
    key: CosignatureKey


@dataclass(frozen=True)
class Outcome:
    witness: str
    cosigned: bool
    detail: str


def configured() -> list[Named]:
    """LIUQUAN_LEDGER_WITNESSES: `URL VKEY` pairs separated by semicolons (URL ends in /add-checkpoint)."""
    named = []
    for item in str(getattr(settings, "LIUQUAN_LEDGER_WITNESSES", "") or "").split(";"):
        if item.strip():
            url, _, vkey = item.strip().partition(" ")
            named.append(Named(url.strip(), CosignatureKey.from_key(vkey.strip())))
    return named


def http_post(url: str, body: bytes) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - a configured URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read(64 * 1024)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers.get("Content-Type", ""), refused.read(64 * 1024)


def _cosigned_size(key: CosignatureKey) -> int:
    """The largest checkpoint this witness has cosigned for us (0 if none)."""
    for checkpoint in Checkpoint.objects.order_by("-size").only("size", "note")[:50]:
        try:
            key.timestamp_of(checkpoint.note)
        except note.NoteError:
            continue
        return checkpoint.size
    return 0


def _body(old: int, size: int, text: str) -> bytes:
    proof = tree.consistency_proof(old, size) if 0 < old < size else []
    lines = [f"old {old}", *(note.b64encode(item) for item in proof)]
    return ("\n".join(lines) + "\n\n" + text).encode()


def cosign(
    checkpoint: Checkpoint, witnesses: list[Named] | None = None, post: Post = http_post
) -> list[Outcome]:
    """Ask every witness to cosign `checkpoint`; keep each valid cosignature on it."""
    outcomes = []
    for witness in configured() if witnesses is None else witnesses:
        name = witness.key.name
        old = _cosigned_size(witness.key)
        try:
            status, kind, answer = post(witness.url, _body(old, checkpoint.size, checkpoint.note))
            if status == 409 and kind.startswith(SIZE_TYPE):
                held = int(answer.decode().strip())
                if held > checkpoint.size:
                    outcomes.append(
                        Outcome(name, False, f"the witness holds {held} entries, more than {checkpoint.size}")
                    )
                    continue
                status, kind, answer = post(witness.url, _body(held, checkpoint.size, checkpoint.note))
        except (OSError, ValueError) as exc:
            outcomes.append(Outcome(name, False, f"unreachable: {exc}"))
            continue
        if status != 200:
            detail = answer.decode("utf-8", "replace").strip()[:300]
            logger.error("witness %s refused checkpoint %s: %s %s", name, checkpoint.size, status, detail)
            outcomes.append(Outcome(name, False, f"HTTP {status}: {detail}"))
            continue
        lines = [
            line + "\n" for line in answer.decode("utf-8", "replace").splitlines() if line.startswith("— ")
        ]
        kept = checkpoint.note
        for line in lines:
            try:
                witness.key.timestamp_of(kept + line)
            except note.NoteError:
                continue
            kept += line
            break
        if kept == checkpoint.note:
            outcomes.append(Outcome(name, False, "no valid cosignature in the answer"))
            continue
        Checkpoint.objects.filter(size=checkpoint.size, note=checkpoint.note).update(note=kept)
        checkpoint.note = kept
        outcomes.append(Outcome(name, True, "cosigned"))
    return outcomes
