"""Actions of the working-day calendar: entering a year's holiday notice (节假日安排)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from liuquan.calendars import queries
from liuquan.calendars.models import CalendarYear
from liuquan.core.actions import action
from liuquan.core.calendar import YearSchedule
from liuquan.core.errors import Forbidden, InvalidInput

if TYPE_CHECKING:
    from liuquan.org.models import Person


def check_set_year(
    *,
    actor: Person,
    year: int,
    holidays: Iterable[datetime.date],
    workdays: Iterable[datetime.date],
    source: str,
) -> YearSchedule:
    if not (actor.is_active and actor.is_superuser):
        raise Forbidden(
            "只有数据管理员可以维护节假日安排", message_en="Only a data steward may edit the calendar"
        )
    if not source.strip():
        raise InvalidInput(
            "请写明依据（国务院办公厅通知的文号）和录入人",
            message_en="Name the source: the State Council notice and who entered it",
            field="source",
        )
    try:
        return YearSchedule(
            year=year, holidays=frozenset(holidays), workdays=frozenset(workdays), source=source
        )
    except ValueError as exc:
        raise InvalidInput(
            f"{year}年节假日安排有误：{exc}", message_en=f"{year} schedule: {exc}", field="holidays"
        ) from None


def do_set_year(
    *,
    actor: Person,
    year: int,
    holidays: Iterable[datetime.date],
    workdays: Iterable[datetime.date],
    source: str,
) -> CalendarYear:
    """Enter (or correct) one year's schedule; it overrides the package's for that year."""
    schedule = check_set_year(actor=actor, year=year, holidays=holidays, workdays=workdays, source=source)
    with action("calendars.set_year", actor=actor) as act:
        row, _ = CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "holidays": sorted(day.isoformat() for day in schedule.holidays),
                "workdays": sorted(day.isoformat() for day in schedule.workdays),
                "source": source.strip(),
                "updated_at": timezone.now(),
            },
        )
        act.record(row)
        queries.forget()
    transaction.on_commit(queries.forget)  # again, in case a read in between cached the old one
    return row
