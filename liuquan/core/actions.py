"""The frame every `do_*` action runs in: one durable transaction that also appends its ledger entries.

    def do_rename_unit(*, actor: Person, unit: Unit, name: str) -> Unit:
        check_rename_unit(actor=actor, unit=unit, name=name)
        with action("org.rename_unit", actor=actor) as act:
            unit.name = name
            unit.save(update_fields=["name"])
            act.record(unit)
        return unit

`act.record(obj)` takes the record's state from `obj.ledger_fields()` (public fields, private fields),
the same projection that `liuquan ledger verify` recomputes later. Nothing else in liuquan writes domain
rows. Work that must wait for the commit is registered with transaction.on_commit inside the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction

if TYPE_CHECKING:
    from liuquan.org.models import Person


# The state a deletion records; `liuquan ledger verify` expects no row for such a subject.
DELETED: dict[str, Any] = {"deleted": True}

# The state a leaf shows for a record a logged-out reader may not see: the leaf commits to the whole record.
SEALED: dict[str, Any] = {"sealed": True}

Fields = tuple[dict[str, Any], dict[str, Any]]


def sealed(fields: Fields) -> Fields:
    """A record that is not public (a draft, a review comment, a case, an alert, a staff account): its leaf
    shows only that it is sealed and commits, salted, to all of its fields. The public ledger proves the
    record existed and has not changed since without publishing it; the action that publishes the record
    records it again, in clear."""
    public, private = fields
    return dict(SEALED), {"fields": public, "private": private}


def public_if(condition: bool, fields: Fields) -> Fields:
    """`fields` in clear while `condition` (the record is published) holds, else sealed."""
    return fields if condition else sealed(fields)


class Ledgered(Protocol):
    """A model whose rows are on the public record."""

    pk: Any

    def ledger_fields(self) -> tuple[dict[str, Any], dict[str, Any]]: ...


@dataclass
class Recorded:
    subject_type: str
    subject_id: str
    public: dict[str, Any]
    private: dict[str, Any]


@dataclass
class ActRecorder:
    """Collects what one action changed; appended to the ledger when the block ends cleanly.

    A record noted twice in one action gets one entry, with the state noted last: nobody outside the
    transaction ever saw the states in between (an ingested batch moves one case through four steps)."""

    name: str
    actor: Person | None
    recorded: list[Recorded] = field(default_factory=list)
    _positions: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def _note(self, item: Recorded) -> None:
        key = (item.subject_type, item.subject_id)
        position = self._positions.get(key)
        if position is None:
            self._positions[key] = len(self.recorded)
            self.recorded.append(item)
        else:
            self.recorded[position] = item

    def record(self, subject: Ledgered) -> None:
        """Note that `subject` now has the state its ledger_fields() describe (call after saving)."""
        public, private = subject.ledger_fields()
        self._note(Recorded(subject._meta.label, str(subject.pk), public, private))  # type: ignore[attr-defined]

    def record_fields(self, label: str, pk: object, fields: tuple[dict[str, Any], dict[str, Any]]) -> None:
        """Note a record written in bulk without model instances (`fields` as its ledger_fields() would
        give them: the audit compares the two, so they cannot drift apart unnoticed)."""
        public, private = fields
        self._note(Recorded(label, str(pk), public, private))

    def record_deletion(self, subject: Ledgered) -> None:
        """Note that `subject` is being deleted (call before deleting, while it still has its pk)."""
        self._note(Recorded(subject._meta.label, str(subject.pk), dict(DELETED), {}))  # type: ignore[attr-defined]


@contextmanager
def action(name: str, *, actor: Person | None) -> Iterator[ActRecorder]:
    """Run one action: a durable transaction whose ledger entries commit with the change or not at all.

    `actor` may be None only for the bootstrap action that creates the first person, which sets
    `recorder.actor` to that person before the block ends.
    """
    from liuquan.ledger import log

    with transaction.atomic(durable=True):
        recorder = ActRecorder(name=name, actor=actor)
        yield recorder
        if not recorder.recorded:
            raise RuntimeError(f"action {name} recorded nothing; every action records its subject")
        if recorder.actor is None or recorder.actor.pk is None:
            raise ValueError(f"action {name} needs a saved acting person")
        log.append(name=name, actor=recorder.actor, recorded=recorder.recorded)
