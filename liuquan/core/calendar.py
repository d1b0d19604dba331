"""Working-day calendar (工作日历): which days are working days, and when a time limit falls due.

Pure module: standard library plus the ``chinesecalendar`` data package, no Django. Working days follow
the State Council's yearly holiday notice (国务院办公厅关于部分节假日安排的通知): named holidays are
days off, and make-up workdays (调休上班日) turn some Saturdays and Sundays into working days. Any other
Monday to Friday is a working day and any other weekend day is a rest day.

Schedules come from two places: ``package_schedule`` reads the ``chinesecalendar`` package, which
covers 2004-2026 and knows nothing later; the caller adds schedules for other years (an administrator
keeps them in a table once each notice is out). A year with no schedule is counted weekends-only, and
every answer that touched such a year says so (``provisional`` and the years involved), so a deadline is
never silently computed from a guess.

A schedule belongs to the calendar year its dates fall in. A notice for year Y occasionally moves days in
late December of Y-1 (the 2007 New Year made 2006-12-30 and 2006-12-31 workdays); such dates belong in
the Y-1 schedule, which therefore has to be updated when the Y notice appears.

Time limits follow the Civil Code (民法典): the start day is not counted and counting begins the next
day (art. 201); a period whose last day is a statutory rest day ends on the first day after the rest
(art. 203). Working-day limits (行政许可法 art. 82, 行政处罚法 art. 85) count only working days.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import chinese_calendar

__all__ = [
    "DayCount",
    "DayStatus",
    "DueDate",
    "WorkCalendar",
    "YearSchedule",
    "package_schedule",
]

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _check_dates(year: int, kind: str, days: frozenset[datetime.date]) -> None:
    for day in days:
        # A datetime never equals the date it falls on, so it would silently match nothing.
        if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
            raise ValueError(f"{year} schedule: {kind} {day!r} must be a datetime.date")
    for day in sorted(days):
        if day.year != year:
            raise ValueError(f"{year} schedule: {kind} {day.isoformat()} lies outside {year}")


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """One year's holiday schedule (节假日安排), as the State Council's notice lists it.

    ``holidays`` is the full set of days off the notice names, weekend days included (2026's Spring
    Festival runs 2026-02-15 to 2026-02-23). ``workdays`` are the make-up workdays (调休上班日): weekend
    days that are working days. ``source`` says where the schedule came from (the package and its
    version, or the notice and who entered it).
    """

    year: int
    holidays: frozenset[datetime.date]
    workdays: frozenset[datetime.date]
    source: str

    def __post_init__(self) -> None:
        if not datetime.MINYEAR <= self.year <= datetime.MAXYEAR:
            raise ValueError(f"schedule year {self.year} is outside {datetime.MINYEAR}-{datetime.MAXYEAR}")
        # Accept any set from callers; keep the stored value hashable and immutable.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        _check_dates(self.year, "holiday", self.holidays)
        _check_dates(self.year, "make-up workday", self.workdays)
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(
                f"{self.year} schedule: {both[0].isoformat()} is both a holiday and a make-up workday"
            )
        for day in sorted(self.workdays):
            if day.weekday() < 5:
                raise ValueError(
                    f"{self.year} schedule: make-up workday {day.isoformat()} is a "
                    f"{_WEEKDAY_NAMES[day.weekday()]}; only a Saturday or Sunday can be one"
                )

    def is_workday(self, day: datetime.date) -> bool:
        """Whether ``day`` (which must lie in this year) is a working day under this schedule."""
        if day.year != self.year:
            raise ValueError(f"{day.isoformat()} is not in the {self.year} schedule")
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


class DayStatus(NamedTuple):
    """Whether one day is a working day (工作日), and whether that answer is only provisional."""

    is_workday: bool
    # True when the day's year has no schedule and only weekends were treated as rest days.
    provisional: bool


@dataclass(frozen=True, slots=True)
class DueDate:
    """The day a time limit (期限) falls due.

    ``provisional_years`` names every year without a schedule that the computation had to consult
    (weekends-only fallback); ``provisional`` is true exactly when there is at least one.
    """

    due: datetime.date
    provisional: bool
    provisional_years: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.provisional != bool(self.provisional_years):
            raise ValueError("provisional must be true exactly when provisional_years is non-empty")


@dataclass(frozen=True, slots=True)
class DayCount:
    """A number of working days counted over a span, with the years counted provisionally."""

    days: int
    provisional: bool
    provisional_years: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.provisional != bool(self.provisional_years):
            raise ValueError("provisional must be true exactly when provisional_years is non-empty")


def _package_version() -> str:
    return str(getattr(chinese_calendar, "__version__", "unknown"))


@cache
def package_schedule(year: int) -> YearSchedule | None:
    """The year's schedule as the ``chinesecalendar`` package has it, or None if it does not cover the year."""
    try:
        chinese_calendar.get_holiday_detail(datetime.date(year, 1, 1))
    except (NotImplementedError, ValueError):
        # NotImplementedError: the package has no data for the year; ValueError: not a valid year at all.
        return None
    holidays = frozenset(day for day in chinese_calendar.holidays if day.year == year)
    # The package lists only weekend make-up days; the filter keeps it that way should that ever change.
    workdays = frozenset(day for day in chinese_calendar.workdays if day.year == year and day.weekday() >= 5)
    return YearSchedule(
        year=year, holidays=holidays, workdays=workdays, source=f"chinesecalendar {_package_version()}"
    )


def _package_years() -> range:
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def _year_after(day: datetime.date) -> int:
    """The year of the day after ``day``: the first year a count starting on ``day`` looks at."""
    return day.year + 1 if (day.month, day.day) == (12, 31) else day.year


def _check_days(days: int) -> None:
    if days < 0:
        raise ValueError(f"a time limit cannot be negative: got {days} days")


class WorkCalendar:
    """A working-day calendar (工作日历) over the given yearly schedules.

    Years without a schedule fall back to weekends-only, and every answer says when it did. Working
    days are precomputed once per year as sorted date ordinals, so a due date costs a binary search per
    year crossed rather than a walk over each day.
    """

    def __init__(self, schedules: Mapping[int, YearSchedule]) -> None:
        for year, schedule in schedules.items():
            if year != schedule.year:
                raise ValueError(f"schedule for {schedule.year} was given under the key {year}")
        self._schedules: dict[int, YearSchedule] = dict(schedules)
        # Per-year sorted ordinals of working days, filled on first use (fallback years included).
        self._working: dict[int, tuple[int, ...]] = {}

    @classmethod
    def with_package_years(cls, schedules: Iterable[YearSchedule] = ()) -> WorkCalendar:
        """The package's years (2004-2026), with ``schedules`` added or replacing the package's year."""
        merged: dict[int, YearSchedule] = {}
        for year in _package_years():
            schedule = package_schedule(year)
            if schedule is not None:
                merged[year] = schedule
        given: set[int] = set()
        for schedule in schedules:
            if schedule.year in given:
                raise ValueError(f"two schedules were given for {schedule.year}")
            given.add(schedule.year)
            merged[schedule.year] = schedule
        return cls(merged)

    @property
    def scheduled_years(self) -> tuple[int, ...]:
        """The years that have a schedule, in order."""
        return tuple(sorted(self._schedules))

    def schedule(self, year: int) -> YearSchedule | None:
        """The schedule used for ``year``, or None if the year falls back to weekends-only."""
        return self._schedules.get(year)

    def is_scheduled(self, year: int) -> bool:
        return year in self._schedules

    def is_workday(self, day: datetime.date) -> DayStatus:
        """Whether ``day`` is a working day; ``provisional`` when its year has no schedule."""
        schedule = self._schedules.get(day.year)
        if schedule is None:
            return DayStatus(is_workday=day.weekday() < 5, provisional=True)
        return DayStatus(is_workday=schedule.is_workday(day), provisional=False)

    def due_date(self, start: datetime.date, days: int, *, natural: bool = False) -> DueDate:
        """The last day of a limit of ``days`` days starting on ``start`` (the start day not counted).

        Working days (default): the ``days``-th working day after ``start``. Natural days
        (``natural=True``): ``start`` plus ``days``, moved to the first working day after it when that
        day is a rest day (民法典 art. 203). ``days=0`` gives ``start`` itself.
        """
        _check_days(days)
        if days == 0:
            return DueDate(due=start, provisional=False, provisional_years=())
        if natural:
            return self._natural_due(start, days)
        due = self._nth_working_day_after(start, days)
        return self._due(due, range(_year_after(start), due.year + 1))

    def add_working_days(self, start: datetime.date, days: int) -> DueDate:
        """Alias of ``due_date(start, days)``: the ``days``-th working day after ``start``."""
        return self.due_date(start, days)

    def working_days_between(self, start: datetime.date, end: datetime.date) -> DayCount:
        """Working days in ``(start, end]``: the share of a limit used by ``end``. Zero if ``end <= start``."""
        if end <= start:
            return DayCount(days=0, provisional=False, provisional_years=())
        low, high = start.toordinal(), end.toordinal()
        first_year = _year_after(start)
        count = 0
        for year in range(first_year, end.year + 1):
            working = self._working_ordinals(year)
            count += bisect_right(working, high) - bisect_right(working, low)
        provisional_years = self._unscheduled(range(first_year, end.year + 1))
        return DayCount(days=count, provisional=bool(provisional_years), provisional_years=provisional_years)

    def _natural_due(self, start: datetime.date, days: int) -> DueDate:
        try:
            last = start + datetime.timedelta(days=days)
        except OverflowError:
            raise ValueError(
                f"{days} days after {start.isoformat()} is past the end of the calendar"
            ) from None
        if self.is_workday(last).is_workday:
            return self._due(last, range(last.year, last.year + 1))
        # The first working day after a rest day is the day after the rest ends (art. 203).
        due = self._nth_working_day_after(last, 1)
        return self._due(due, range(last.year, due.year + 1))

    def _nth_working_day_after(self, start: datetime.date, n: int) -> datetime.date:
        position = start.toordinal()
        year = start.year
        remaining = n
        while year <= datetime.MAXYEAR:
            working = self._working_ordinals(year)
            index = bisect_right(working, position)
            available = len(working) - index
            if remaining <= available:
                return datetime.date.fromordinal(working[index + remaining - 1])
            remaining -= available
            year += 1
        raise ValueError(f"{n} working days after {start.isoformat()} is past the end of the calendar")

    def _due(self, due: datetime.date, consulted: range) -> DueDate:
        provisional_years = self._unscheduled(consulted)
        return DueDate(due=due, provisional=bool(provisional_years), provisional_years=provisional_years)

    def _unscheduled(self, years: range) -> tuple[int, ...]:
        return tuple(year for year in years if year not in self._schedules)

    def _working_ordinals(self, year: int) -> tuple[int, ...]:
        working = self._working.get(year)
        if working is None:
            working = self._compute_working_ordinals(year)
            self._working[year] = working
        return working

    def _compute_working_ordinals(self, year: int) -> tuple[int, ...]:
        first = datetime.date(year, 1, 1).toordinal()
        last = datetime.date(year, 12, 31).toordinal()
        schedule = self._schedules.get(year)
        # date.weekday() is (ordinal + 6) % 7, so Monday..Friday are the ordinals with (o + 6) % 7 < 5.
        weekdays = {o for o in range(first, last + 1) if (o + 6) % 7 < 5}
        if schedule is not None:
            weekdays -= {day.toordinal() for day in schedule.holidays}
            weekdays |= {day.toordinal() for day in schedule.workdays}
        return tuple(sorted(weekdays))
