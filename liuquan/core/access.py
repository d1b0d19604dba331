"""Logging of supervisory reads: every read of a non-public record by 纪检 or 审计 leaves a row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from liuquan.core.models import AccessLog

if TYPE_CHECKING:
    from liuquan.org.models import Person


def log_read(person: Person, record: models.Model, *, channel: str) -> None:
    """Append one access-log row. An audit append, not a domain change, so it is not an action."""
    AccessLog.objects.create(
        at=timezone.now(),
        person=person,
        record_type=record._meta.label,
        record_id=str(record.pk),
        channel=channel,
    )


def log_reads(person: Person, records: list[models.Model], *, channel: str) -> None:
    now = timezone.now()
    AccessLog.objects.bulk_create(
        AccessLog(at=now, person=person, record_type=r._meta.label, record_id=str(r.pk), channel=channel)
        for r in records
    )
