"""Logging of supervisory reads: every read of a non-public record from outside its unit (改革办, 纪检, 审计)
leaves a row, and an entry on the ledger in the same transaction: the rows cannot be erased or made up
unseen (`ledger verify` compares them with their entries)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models, transaction
from django.utils import timezone

from liuquan.core.models import AccessLog

if TYPE_CHECKING:
    from liuquan.org.models import Person


def log_read(person: Person, record: models.Model, *, channel: str) -> None:
    """Append one access-log row with its ledger entry. An audit append, not a domain change: it may run
    inside another transaction (a read during an action), and commits with it."""
    log_reads(person, [record], channel=channel)


def log_reads(person: Person, records: list[models.Model], *, channel: str) -> None:
    from liuquan.core.actions import Recorded
    from liuquan.ledger import log

    if not records:
        return
    now = timezone.now()
    with transaction.atomic():
        rows = AccessLog.objects.bulk_create(  # both databases return the new ids
            AccessLog(at=now, person=person, record_type=r._meta.label, record_id=str(r.pk), channel=channel)
            for r in records
        )
        log.append(
            name="core.read",
            actor=person,
            recorded=[Recorded(AccessLog._meta.label, str(row.pk), *row.ledger_fields()) for row in rows],
        )
