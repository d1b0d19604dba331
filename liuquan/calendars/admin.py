"""Calendar years in the admin: saves go through calendars.actions.do_set_year."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin

from liuquan.calendars import actions
from liuquan.calendars.models import CalendarYear
from liuquan.core.admin_base import ActionAdmin
from liuquan.core.errors import InvalidInput


def _dates(value: Any, field: str) -> list[datetime.date]:
    try:
        return [datetime.date.fromisoformat(str(day)) for day in value or []]
    except ValueError as exc:
        raise InvalidInput(
            f"日期格式应为 YYYY-MM-DD：{exc}", message_en=f"Dates are YYYY-MM-DD: {exc}", field=field
        ) from None


@admin.register(CalendarYear)
class CalendarYearAdmin(ActionAdmin[CalendarYear]):
    list_display = ["year", "source", "updated_at"]
    fields = ["year", "holidays", "workdays", "source"]

    def perform(
        self, *, actor: Any, obj: CalendarYear | None, data: dict[str, Any], change: bool
    ) -> CalendarYear:
        return actions.do_set_year(
            actor=actor,
            year=data["year"],
            holidays=_dates(data.get("holidays"), "holidays"),
            workdays=_dates(data.get("workdays"), "workdays"),
            source=data.get("source") or "",
        )
