"""The frame every `do_*` action runs in: one durable transaction that also writes its record.

    def do_rename_unit(*, actor: Person, unit: Unit, name: str) -> Unit:
        check_rename_unit(actor=actor, unit=unit, name=name)
        with action("org.rename_unit", actor=actor) as act:
            unit.name = name
            unit.save(update_fields=["name"])
            act.record(unit, public={"name": name})
        return unit

Nothing else in liuquan writes domain rows. Work that must wait for the commit (notifications, tree
hashing) is registered with transaction.on_commit inside the block.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from liuquan.core.models import Act

if TYPE_CHECKING:
    from liuquan.org.models import Person


@dataclass
class _Pending:
    subject_type: str
    subject_id: str
    public: dict[str, Any]
    private: dict[str, Any]


@dataclass
class ActRecorder:
    """Collects what one action changed; appended as journal rows when the block ends cleanly."""

    name: str
    actor: Person | None
    pending: list[_Pending] = field(default_factory=list)

    def record(
        self, subject: models.Model, *, public: dict[str, Any], private: dict[str, Any] | None = None
    ) -> None:
        """Note that `subject` changed. `public` may be published; `private` is only committed to."""
        self.pending.append(_Pending(subject._meta.label, str(subject.pk), public, private or {}))


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON (sorted keys, no spaces, UTF-8): the bytes that are hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _commit_private(private: dict[str, Any]) -> tuple[str, str]:
    if not private:
        return "", ""
    salt = secrets.token_hex(16)
    digest = hashlib.sha256(bytes.fromhex(salt) + canonical_json(private)).hexdigest()
    return digest, salt


def _append(recorder: ActRecorder) -> None:
    actor = recorder.actor
    if actor is None or actor.pk is None:
        raise ValueError(f"action {recorder.name} needs a saved acting person")
    # THE LEDGER APPEND GOES HERE (issue 3): each journal row below becomes a canonical leaf of the
    # public Merkle log, written in this same transaction, before the commit.
    now = timezone.now()
    rows = []
    for item in recorder.pending:
        commitment, salt = _commit_private(item.private)
        rows.append(
            Act(
                at=now,
                action=recorder.name,
                actor=actor,
                subject_type=item.subject_type,
                subject_id=item.subject_id,
                public=json.loads(canonical_json(item.public)),
                private_commitment=commitment,
                private_salt=salt,
            )
        )
    Act.objects.bulk_create(rows)


@contextmanager
def action(name: str, *, actor: Person | None) -> Iterator[ActRecorder]:
    """Run one action: a durable transaction whose journal rows commit with the change or not at all.

    `actor` may be None only for the bootstrap action that creates the first person, which sets
    `recorder.actor` to that person before the block ends.
    """
    with transaction.atomic(durable=True):
        recorder = ActRecorder(name=name, actor=actor)
        yield recorder
        if not recorder.pending:
            raise RuntimeError(f"action {name} recorded nothing; every action records its subject")
        _append(recorder)
