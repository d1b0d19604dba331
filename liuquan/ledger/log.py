"""Writing the public ledger: entries in the action's transaction; tree and checkpoints in batches.

An action appends its entries while it holds the sequencer row, so committed indices are always a dense
prefix 0..n-1 and no entry can appear "in the past". Hashing the entries into the stored tree
(`integrate`) and signing checkpoints (`sign_checkpoint`) run after commit in batches, as Sunlight and
Tessera do; because they only ever read committed entries, a crash between the two loses nothing: the
next run catches up from the entries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import rfc8785
from django.db import transaction
from django.utils import timezone

from liuquan.core.errors import InvalidInput
from liuquan.ledger import keys
from liuquan.ledger.models import Entry, Sequencer

if TYPE_CHECKING:
    from liuquan.core.actions import Recorded
    from liuquan.org.models import Person

MAX_ENTRY_BYTES = 64 * 1024
ENTRY_VERSION = 1


class EntryTooLarge(InvalidInput):
    """A record's public state would make a leaf over 64 KiB: documents belong in the leaf by hash."""

    code = "entry_too_large"


def pseudonym(person_id: int) -> str:
    """The public name of an acting person: stable, unlinkable without the installation's secret."""
    digest = hmac.new(keys.pseudonym_secret(), f"person:{person_id}".encode(), hashlib.sha256).hexdigest()
    return "p-" + digest[:20]


def canonical(value: dict[str, Any]) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes."""
    return rfc8785.dumps(value)


def commitment(salt: bytes, private: dict[str, Any]) -> str:
    """SHA-256(salt ‖ JCS(private)): binds the leaf to private fields without revealing them."""
    return hashlib.sha256(salt + canonical(private)).hexdigest()


def encode_entry(
    *,
    index: int,
    at: str,
    action: str,
    actor: str,
    subject_type: str,
    subject_id: str,
    state: dict[str, Any],
    private_commitment: str | None,
) -> bytes:
    """The exact leaf bytes: RFC 8785 canonical JSON of the entry."""
    document: dict[str, Any] = {
        "v": ENTRY_VERSION,
        "index": index,
        "time": at,
        "action": action,
        "actor": actor,
        "subject": {"type": subject_type, "id": subject_id},
        "state": state,
        "private": private_commitment,
    }
    data = canonical(document)
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(
            f"{subject_type}:{subject_id} 的公开记录有 {len(data)} 字节，超过 {MAX_ENTRY_BYTES} 字节上限（文件应以哈希入账）",
            message_en=f"ledger entry for {subject_type}:{subject_id} is {len(data)} bytes; the limit is "
            f"{MAX_ENTRY_BYTES} (commit documents by their hash)",
            record=f"{subject_type}:{subject_id}",
            size=len(data),
        )
    return data


def append(*, name: str, actor: Person, recorded: Sequence[Recorded]) -> list[Entry]:
    """Append one entry per recorded subject. Must run inside the action's transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("ledger entries are appended only inside an action's transaction")
    sequencer = Sequencer.row(lock=True)
    first = sequencer.next_index
    now = timezone.localtime()
    at = now.isoformat()
    actor_name = pseudonym(actor.pk)
    rows = []
    for offset, item in enumerate(recorded):
        salt = secrets.token_bytes(16) if item.private else b""
        data = encode_entry(
            index=first + offset,
            at=at,
            action=name,
            actor=actor_name,
            subject_type=item.subject_type,
            subject_id=item.subject_id,
            state=item.public,
            private_commitment=commitment(salt, item.private) if item.private else None,
        )
        rows.append(
            Entry(
                index=first + offset,
                data=data,
                at=now,
                action=name,
                actor=actor,
                subject_type=item.subject_type,
                subject_id=item.subject_id,
                private_salt=salt,
            )
        )
    Entry.objects.bulk_create(rows)
    Sequencer.objects.filter(pk=1).update(next_index=first + len(rows))
    transaction.on_commit(_after_commit)
    return rows


def _after_commit() -> None:
    from liuquan.ledger import tree

    tree.maybe_integrate()
