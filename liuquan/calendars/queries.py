"""The working-day calendar in force: the package's years, overridden and extended by the table."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable
from threading import Lock

from django.db.models import Count, Max

from liuquan.calendars.models import CalendarYear
from liuquan.core.calendar import DueDate, WorkCalendar, YearSchedule

_cache: dict[str, object] = {}
_lock = Lock()


def schedule_of(row: CalendarYear) -> YearSchedule:
    return YearSchedule(
        year=row.year,
        holidays=frozenset(datetime.date.fromisoformat(day) for day in row.holidays),
        workdays=frozenset(datetime.date.fromisoformat(day) for day in row.workdays),
        source=row.source,
    )


# The longest time limit a due date is computed for: ten years, far beyond any statutory limit.
MAX_LIMIT_DAYS = 3650

FRESH_SECONDS = 5.0  # how long a process trusts its calendar before checking the table again


def work_calendar() -> WorkCalendar:
    """The calendar built from the package and every CalendarYear row, rebuilt when a row changes
    (the rows' count and latest update time are its version). A process checks the version at most
    every FRESH_SECONDS (and at once after its own change), so a year entered elsewhere applies within
    seconds and a busy server does not ask the table on every due date."""
    now = time.monotonic()
    checked = _cache.get("checked")
    if isinstance(checked, float) and now - checked < FRESH_SECONDS and "calendar" in _cache:
        calendar = _cache["calendar"]
        assert isinstance(calendar, WorkCalendar)
        return calendar
    row = CalendarYear.objects.aggregate(latest=Max("updated_at"), count=Count("pk"))
    version = (row["count"], row["latest"])
    _cache["checked"] = now
    with _lock:
        if _cache.get("version") != version or "calendar" not in _cache:
            rows = list(CalendarYear.objects.all())
            _cache["calendar"] = WorkCalendar.with_package_years([schedule_of(row) for row in rows])
            _cache["version"] = version
        calendar = _cache["calendar"]
    assert isinstance(calendar, WorkCalendar)
    return calendar


def due_date(start: datetime.date, days: int, *, natural: bool = False) -> DueDate:
    return work_calendar().due_date(start, days, natural=natural)


def forget() -> None:
    """Drop this process's calendar (after entering a year, so the change applies at once here)."""
    _cache.clear()


def years() -> list[CalendarYear]:
    return list(CalendarYear.objects.all())


# The State Council's notice for a year usually comes out between October and December of the year before.
NOTICE_SEASON_STARTS = 10

# Apps whose records run on the calendar say how many of them wait, per year, on a provisional one
# (registered from their AppConfig.ready, so the calendar imports none of them).
_waiting: list[Callable[[], dict[int, int]]] = []


def register_waiting(count: Callable[[], dict[int, int]]) -> None:
    if count not in _waiting:
        _waiting.append(count)


def waiting_by_year() -> dict[int, int]:
    """Running records whose due dates were counted provisionally, by the year that needs a schedule."""
    total: dict[int, int] = {}
    for count in _waiting:
        for year, number in count().items():
            total[year] = total.get(year, 0) + number
    return total


def steward_tasks(today: datetime.date) -> list[tuple[int, int]]:
    """The data steward's calendar tasks: (year, running records waiting on it), one per year whose
    holiday notice is still to be entered."""
    waiting = waiting_by_year()
    return [(year, waiting.get(year, 0)) for year in years_to_enter(today, reached=waiting)]


def years_to_enter(today: datetime.date, *, reached: Iterable[int] = ()) -> list[int]:
    """The years whose holiday notice a data steward should enter now (one task per year): this year,
    the next one once its notice may be out, and every year that running cases' due dates reach, each
    only while it has no schedule."""
    calendar = work_calendar()
    wanted = {today.year, *reached}
    if today.month >= NOTICE_SEASON_STARTS:
        wanted.add(today.year + 1)
    return sorted(year for year in wanted if not calendar.is_scheduled(year))
