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
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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

MAX_ENTRY_BYTES = 64 * 1024 - 1  # a tlog-tiles entry bundle gives each entry a 16-bit length
ENTRY_VERSION = 1


class EntryTooLarge(InvalidInput):
    """A record's public state would make a leaf over 64 KiB: documents belong in the leaf by hash."""

    code = "entry_too_large"


def pseudonym(person_id: int) -> str:
    """The public name of an acting person: stable, unlinkable without the installation's secret."""
    digest = hmac.new(keys.pseudonym_secret(), f"person:{person_id}".encode(), hashlib.sha256).hexdigest()
    return "p-" + digest[:20]


MAX_SAFE_INTEGER = 2**53 - 1  # JCS numbers are IEEE doubles; larger integers are not exact


def _plain(value: Any) -> bool:
    """True when the standard library's sorted, compact JSON is exactly RFC 8785 for `value`: no floats
    (JCS prints numbers the ECMAScript way), integers within 2**53, and object keys in the Basic
    Multilingual Plane below the surrogates, where code-point order (Python's sort) equals the UTF-16
    code-unit order JCS sorts by. String escaping is the same in both: quote, backslash and the control
    characters (short forms for backspace, form feed, newline, return and tab; lowercase u00xx for the
    rest); everything else, CJK included, is written as is."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                return False
        elif kind is dict:
            for key in item:
                if type(key) is not str or not (key.isascii() or max(key) < SURROGATES):
                    return False
            extend(item.values())
        elif kind is list or kind is tuple:
            extend(item)
        elif isinstance(item, str):  # StrEnum members and other str subclasses print as their text
            continue
        else:
            return False
    return True


SURROGATES = chr(0xD800)


def canonical(value: dict[str, Any]) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes. Ledger documents are almost always plain (text, integers,
    booleans, nested objects): for those the C-accelerated json module gives the identical bytes at a
    fraction of the pure-Python encoder's cost; anything else goes through the rfc8785 package."""
    if _plain(value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return rfc8785.dumps(value)


def seal(index: int, data: bytes) -> bytes:
    """An entry's seal: HMAC-SHA256 under the entry key kept in var/ (not in the database) over its index
    and leaf bytes. Stored beside the leaf, never in it: the public log is unchanged; the installation
    itself refuses to hash, sign or pass an entry without it."""
    message = b"liuquan-entry\x00" + index.to_bytes(8, "big") + data
    return hmac.new(keys.entry_key(), message, hashlib.sha256).digest()


def sealed_by_us(index: int, data: bytes, stored_seal: bytes) -> bool:
    return hmac.compare_digest(seal(index, data), stored_seal)


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
    # The envelope is plain by construction (an integer index, text fields): only `state` is checked.
    if _plain(state):
        data = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    else:
        data = rfc8785.dumps(document)
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(
            f"{subject_type}:{subject_id} 的公开记录有 {len(data)} 字节，超过 {MAX_ENTRY_BYTES} 字节上限（文件应以哈希入账）",
            message_en=f"ledger entry for {subject_type}:{subject_id} is {len(data)} bytes; the limit is "
            f"{MAX_ENTRY_BYTES} (commit documents by their hash)",
            record=f"{subject_type}:{subject_id}",
            size=len(data),
        )
    return data


def append(*, name: str, actor: Person, recorded: Sequence[Recorded]) -> list[int]:
    """Append one entry per recorded subject; returns their indices. Runs inside the action's
    transaction, holding the sequencer row until it commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger entries are appended only inside an action's transaction")
    first = next_index(lock=True)
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
        rows.append(StoredEntry(first + offset, data, item.subject_type, item.subject_id, salt))
    store(rows, at=now, action=name, actor_id=actor.pk)
    transaction.on_commit(_after_commit)
    return [row.index for row in rows]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    index: int
    data: bytes
    subject_type: str
    subject_id: str
    private_salt: bytes

    @property
    def mac(self) -> bytes:
        return seal(self.index, self.data)


def store(rows: Sequence[StoredEntry], *, at: datetime, action: str, actor_id: int) -> None:
    """Insert entries in one statement (COPY on PostgreSQL, executemany on SQLite) and move the
    sequencer past them (the caller holds its lock). Plain SQL: an import that records thousands of
    subjects in one action would spend most of its time building ORM objects otherwise."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(Entry._meta.db_table)
    columns = ", ".join(
        quote(column)
        for column in (
            "index",
            "data",
            "at",
            "action",
            "actor_id",
            "subject_type",
            "subject_id",
            "private_salt",
            "seal",
        )
    )
    stamp = connection.ops.adapt_datetimefield_value(at)
    values = [
        (
            row.index,
            row.data,
            stamp,
            action,
            actor_id,
            row.subject_type,
            row.subject_id,
            row.private_salt,
            row.mac,
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY moves a large batch in one stream instead of a round trip per row.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                values,
            )
    if rows:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(Sequencer._meta.db_table)} SET next_index = %s WHERE id = 1",  # noqa: S608
                [rows[-1].index + 1],
            )


def next_index(*, lock: bool = False) -> int:
    """The sequencer's next entry index (locked until the transaction ends when `lock`). Plain SQL: every
    action reads it."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(Sequencer._meta.db_table)
    suffix = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT next_index FROM {table} WHERE id = 1{suffix}")  # noqa: S608
        found = cursor.fetchone()
    if found is None:  # not made yet (a test flush): the model re-makes it from the entries
        return Sequencer.row(lock=lock).next_index
    return int(found[0])


def _after_commit() -> None:
    from liuquan.ledger import tree

    tree.maybe_integrate()
