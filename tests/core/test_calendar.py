"""Working-day calendar as a pure rule: no database.

The 2025 and 2026 schedules below are copied by hand from the State Council notices
(国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号;
国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号), not from the package, and the
due dates are counted by hand on a wall calendar against those notices. The package is then checked
against the table, so a wrong package release fails here instead of moving deadlines.
"""

from __future__ import annotations

import datetime
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuquan.core.calendar import DayCount, DueDate, WorkCalendar, YearSchedule, package_schedule


def _span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


# 2025 notice: 元旦 1月1日放假1天；春节 1月28日至2月4日，1月26日（周日）、2月8日（周六）上班；
# 清明 4月4日至6日；劳动节 5月1日至5日，4月27日（周日）上班；端午 5月31日至6月2日；
# 国庆节、中秋节 10月1日至8日，9月28日（周日）、10月11日（周六）上班。
OFFICIAL_2025_HOLIDAYS = frozenset(
    _span(date(2025, 1, 1), date(2025, 1, 1))
    | _span(date(2025, 1, 28), date(2025, 2, 4))
    | _span(date(2025, 4, 4), date(2025, 4, 6))
    | _span(date(2025, 5, 1), date(2025, 5, 5))
    | _span(date(2025, 5, 31), date(2025, 6, 2))
    | _span(date(2025, 10, 1), date(2025, 10, 8))
)
OFFICIAL_2025_WORKDAYS = frozenset(
    {date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)}
)

# 2026 notice: 元旦 1月1日至3日，1月4日（周日）上班；春节 2月15日至23日，2月14日（周六）、2月28日（周六）上班；
# 清明 4月4日至6日；劳动节 5月1日至5日，5月9日（周六）上班；端午 6月19日至21日；中秋 9月25日至27日；
# 国庆节 10月1日至7日，9月20日（周日）、10月10日（周六）上班。
OFFICIAL_2026_HOLIDAYS = frozenset(
    _span(date(2026, 1, 1), date(2026, 1, 3))
    | _span(date(2026, 2, 15), date(2026, 2, 23))
    | _span(date(2026, 4, 4), date(2026, 4, 6))
    | _span(date(2026, 5, 1), date(2026, 5, 5))
    | _span(date(2026, 6, 19), date(2026, 6, 21))
    | _span(date(2026, 9, 25), date(2026, 9, 27))
    | _span(date(2026, 10, 1), date(2026, 10, 7))
)
OFFICIAL_2026_WORKDAYS = frozenset(
    {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
)

# Not a real notice: a made-up 2027 schedule standing in for one an administrator enters.
SAMPLE_2027 = YearSchedule(
    year=2027,
    holidays=frozenset(_span(date(2027, 1, 1), date(2027, 1, 3))),
    workdays=frozenset(),
    source="test: hypothetical 2027 notice",
)

CALENDAR = WorkCalendar.with_package_years()
OFFICIAL_CALENDAR = WorkCalendar(
    {
        2025: YearSchedule(2025, OFFICIAL_2025_HOLIDAYS, OFFICIAL_2025_WORKDAYS, "test: 2025 notice"),
        2026: YearSchedule(2026, OFFICIAL_2026_HOLIDAYS, OFFICIAL_2026_WORKDAYS, "test: 2026 notice"),
    }
)


# --- the package agrees with the notices -------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "holidays", "workdays"),
    [
        (2025, OFFICIAL_2025_HOLIDAYS, OFFICIAL_2025_WORKDAYS),
        (2026, OFFICIAL_2026_HOLIDAYS, OFFICIAL_2026_WORKDAYS),
    ],
)
def test_package_schedule_matches_the_state_council_notice(year, holidays, workdays):
    schedule = package_schedule(year)
    assert schedule is not None
    assert schedule.holidays == holidays
    assert schedule.workdays == workdays
    assert schedule.source.startswith("chinesecalendar")


def test_make_up_workdays_in_the_notices_are_all_weekend_days():
    assert all(day.weekday() >= 5 for day in OFFICIAL_2025_WORKDAYS | OFFICIAL_2026_WORKDAYS)


@pytest.mark.parametrize("year", [2003, 2027, 2100])
def test_package_schedule_is_none_for_years_the_package_does_not_cover(year):
    assert package_schedule(year) is None


def test_the_calendar_has_every_package_year():
    assert CALENDAR.scheduled_years == tuple(range(2004, 2027))


# --- the three facts from the issue -------------------------------------------------------------------


def test_twenty_working_days_after_28_september_2026_is_30_october():
    assert CALENDAR.due_date(date(2026, 9, 28), 20) == DueDate(date(2026, 10, 30), False, ())


def test_twenty_working_days_after_mid_autumn_2026_is_29_october():
    # 2026-09-25 is 中秋, a holiday: 9-26 and 9-27 are rest too, so counting starts on Monday 9-28.
    assert CALENDAR.due_date(date(2026, 9, 25), 20) == DueDate(date(2026, 10, 29), False, ())


def test_one_working_day_after_18_september_2026_is_the_make_up_sunday():
    result = CALENDAR.due_date(date(2026, 9, 18), 1)
    assert result.due == date(2026, 9, 20)
    assert result.due.weekday() == 6
    assert not result.provisional


# --- hand-counted due dates around the 2025 and 2026 holidays ----------------------------------------

WORKING_DAY_CASES = [
    # 元旦 2025 (1-1 only)
    (date(2024, 12, 31), 1, date(2025, 1, 2)),
    # 春节 2025: off 1-28..2-4, work Sun 1-26 and Sat 2-8
    (date(2025, 1, 24), 1, date(2025, 1, 26)),
    (date(2025, 1, 24), 2, date(2025, 1, 27)),
    (date(2025, 1, 24), 3, date(2025, 2, 5)),
    (date(2025, 1, 27), 5, date(2025, 2, 10)),  # 2-5, 2-6, 2-7, Sat 2-8, Mon 2-10
    (date(2025, 1, 28), 1, date(2025, 2, 5)),  # a start on a holiday is not counted either
    # 清明 2025: off Fri 4-4..Sun 4-6
    (date(2025, 4, 3), 1, date(2025, 4, 7)),
    (date(2025, 4, 2), 2, date(2025, 4, 7)),
    # 劳动节 2025: off 5-1..5-5, work Sun 4-27
    (date(2025, 4, 25), 1, date(2025, 4, 27)),
    (date(2025, 4, 25), 5, date(2025, 5, 6)),  # 4-27, 4-28, 4-29, 4-30, 5-6
    (date(2025, 4, 30), 1, date(2025, 5, 6)),
    (date(2025, 4, 18), 20, date(2025, 5, 20)),
    # 端午 2025: off Sat 5-31..Mon 6-2
    (date(2025, 5, 30), 1, date(2025, 6, 3)),
    (date(2025, 5, 29), 2, date(2025, 6, 3)),
    # 国庆/中秋 2025: off 10-1..10-8, work Sun 9-28 and Sat 10-11
    (date(2025, 9, 26), 1, date(2025, 9, 28)),
    (date(2025, 9, 26), 3, date(2025, 9, 30)),
    (date(2025, 9, 26), 4, date(2025, 10, 9)),
    (date(2025, 9, 30), 3, date(2025, 10, 11)),  # 10-9, 10-10, Sat 10-11
    (date(2025, 9, 30), 4, date(2025, 10, 13)),
    (date(2025, 9, 26), 20, date(2025, 10, 30)),
    # 元旦 2026: off 1-1..1-3, work Sun 1-4
    (date(2025, 12, 31), 1, date(2026, 1, 4)),
    (date(2025, 12, 31), 2, date(2026, 1, 5)),
    # 春节 2026: off 2-15..2-23, work Sat 2-14 and Sat 2-28
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 13), 2, date(2026, 2, 24)),
    (date(2026, 2, 14), 5, date(2026, 2, 28)),  # 2-24, 2-25, 2-26, 2-27, Sat 2-28
    (date(2026, 2, 14), 6, date(2026, 3, 2)),
    (date(2026, 2, 9), 10, date(2026, 2, 28)),
    # 清明 2026: off Sat 4-4..Mon 4-6
    (date(2026, 4, 3), 1, date(2026, 4, 7)),
    # 劳动节 2026: off 5-1..5-5, work Sat 5-9
    (date(2026, 4, 30), 1, date(2026, 5, 6)),
    (date(2026, 4, 30), 4, date(2026, 5, 9)),
    (date(2026, 4, 30), 5, date(2026, 5, 11)),
    # 端午 2026: off Fri 6-19..Sun 6-21
    (date(2026, 6, 18), 1, date(2026, 6, 22)),
    # 中秋 2026 (9-25..9-27) and 国庆 2026 (10-1..10-7), work Sun 9-20 and Sat 10-10
    (date(2026, 9, 18), 5, date(2026, 9, 24)),  # Sun 9-20, 9-21, 9-22, 9-23, 9-24
    (date(2026, 9, 24), 1, date(2026, 9, 28)),
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 9, 30), 3, date(2026, 10, 10)),  # 10-8, 10-9, Sat 10-10
    # year end 2026, still inside the package
    (date(2026, 12, 20), 5, date(2026, 12, 25)),
]

NATURAL_DAY_CASES = [
    # ends on a holiday: moves to the first day after the rest
    (date(2025, 1, 21), 10, date(2025, 2, 5)),  # 1-31 is 春节
    (date(2025, 3, 25), 10, date(2025, 4, 7)),  # 4-4 is 清明
    (date(2025, 4, 21), 10, date(2025, 5, 6)),  # 5-1 is 劳动节
    (date(2025, 5, 21), 10, date(2025, 6, 3)),  # Sat 5-31 is 端午
    (date(2025, 9, 21), 10, date(2025, 10, 9)),  # 10-1 is 国庆
    (date(2025, 10, 1), 7, date(2025, 10, 9)),  # 10-8 is the last day of the rest
    (date(2025, 12, 29), 3, date(2026, 1, 4)),  # 1-1 is 元旦; the rest ends Sat 1-3, Sun 1-4 is a workday
    (date(2026, 2, 5), 10, date(2026, 2, 24)),  # 2-15 is 春节
    (date(2026, 3, 26), 10, date(2026, 4, 7)),  # Sun 4-5 is 清明
    (date(2026, 4, 24), 10, date(2026, 5, 6)),  # 5-4 is 劳动节
    (date(2026, 6, 9), 10, date(2026, 6, 22)),  # 6-19 is 端午
    (date(2026, 9, 15), 10, date(2026, 9, 28)),  # 9-25 is 中秋
    (date(2026, 9, 21), 10, date(2026, 10, 8)),  # 10-1 is 国庆
    # ends on an ordinary weekend: moves to Monday
    (date(2026, 2, 19), 10, date(2026, 3, 2)),  # Sun 3-1
    (date(2026, 12, 16), 10, date(2026, 12, 28)),  # Sat 12-26
    # ends on a make-up workday: stays
    (date(2025, 1, 16), 10, date(2025, 1, 26)),
    (date(2025, 9, 18), 10, date(2025, 9, 28)),
    (date(2026, 2, 18), 10, date(2026, 2, 28)),
    (date(2026, 9, 10), 10, date(2026, 9, 20)),
    # ends on an ordinary working day: stays
    (date(2026, 3, 2), 30, date(2026, 4, 1)),
]


@pytest.mark.parametrize("calendar", [CALENDAR, OFFICIAL_CALENDAR], ids=["package", "notices"])
@pytest.mark.parametrize(("start", "days", "expected"), WORKING_DAY_CASES)
def test_working_day_due_dates(calendar, start, days, expected):
    result = calendar.due_date(start, days)
    assert result == DueDate(expected, False, ())
    assert calendar.add_working_days(start, days) == result


@pytest.mark.parametrize("calendar", [CALENDAR, OFFICIAL_CALENDAR], ids=["package", "notices"])
@pytest.mark.parametrize(("start", "days", "expected"), NATURAL_DAY_CASES)
def test_natural_day_due_dates(calendar, start, days, expected):
    assert calendar.due_date(start, days, natural=True) == DueDate(expected, False, ())


def test_there_are_at_least_thirty_hand_counted_cases():
    assert len(WORKING_DAY_CASES) >= 30
    assert len(NATURAL_DAY_CASES) >= 10


# --- zero, negative --------------------------------------------------------------------------------


@pytest.mark.parametrize("natural", [False, True])
@pytest.mark.parametrize("start", [date(2026, 10, 1), date(2026, 9, 28), date(2027, 6, 5)])
def test_zero_days_is_the_start_day_itself(start, natural):
    assert CALENDAR.due_date(start, 0, natural=natural) == DueDate(start, False, ())


@pytest.mark.parametrize("natural", [False, True])
def test_negative_days_are_refused(natural):
    with pytest.raises(ValueError, match="cannot be negative: got -3 days"):
        CALENDAR.due_date(date(2026, 9, 28), -3, natural=natural)


def test_counting_past_the_last_representable_day_is_refused():
    with pytest.raises(ValueError, match="past the end of the calendar"):
        CALENDAR.due_date(date(9999, 12, 30), 5)
    with pytest.raises(ValueError, match="past the end of the calendar"):
        CALENDAR.due_date(date(9999, 12, 30), 5, natural=True)


# --- years without a schedule are provisional, loudly -----------------------------------------------


def test_a_2027_date_is_provisional():
    result = CALENDAR.due_date(date(2027, 3, 1), 5)
    assert result.due == date(2027, 3, 8)  # weekends only
    assert result.provisional
    assert result.provisional_years == (2027,)


def test_a_count_running_into_2027_names_2027():
    # 12-28, 12-29, 12-30, 12-31 are scheduled; Friday 2027-01-01 is only a guess.
    result = CALENDAR.due_date(date(2026, 12, 25), 5)
    assert result == DueDate(date(2027, 1, 1), True, (2027,))


def test_a_count_starting_on_new_years_eve_does_not_name_the_old_year():
    result = CALENDAR.due_date(date(2027, 12, 31), 1)
    assert result.provisional_years == (2028,)


def test_a_count_over_several_unscheduled_years_names_each():
    result = CALENDAR.due_date(date(2026, 12, 31), 300)
    assert result.due.year == 2028
    assert result.provisional_years == (2027, 2028)


def test_a_year_before_the_package_is_provisional_too():
    assert CALENDAR.due_date(date(2003, 6, 2), 3).provisional_years == (2003,)


def test_a_schedule_passed_in_for_2027_makes_2027_firm():
    calendar = WorkCalendar.with_package_years([SAMPLE_2027])
    assert calendar.due_date(date(2027, 3, 1), 5) == DueDate(date(2027, 3, 8), False, ())
    # With the sample 2027 New Year (1-1..1-3), the count skips it.
    assert calendar.due_date(date(2026, 12, 25), 5) == DueDate(date(2027, 1, 4), False, ())
    assert calendar.schedule(2027) is SAMPLE_2027


def test_a_schedule_passed_in_replaces_the_package_year():
    moved = YearSchedule(2026, OFFICIAL_2026_HOLIDAYS | {date(2026, 12, 28)}, OFFICIAL_2026_WORKDAYS, "test")
    calendar = WorkCalendar.with_package_years([moved])
    assert calendar.due_date(date(2026, 12, 25), 1) == DueDate(date(2026, 12, 29), False, ())
    assert CALENDAR.due_date(date(2026, 12, 25), 1).due == date(2026, 12, 28)


def test_two_schedules_for_one_year_are_refused():
    with pytest.raises(ValueError, match="two schedules were given for 2027"):
        WorkCalendar.with_package_years([SAMPLE_2027, SAMPLE_2027])


def test_a_schedule_under_the_wrong_key_is_refused():
    with pytest.raises(ValueError, match="schedule for 2027 was given under the key 2028"):
        WorkCalendar({2028: SAMPLE_2027})


@pytest.mark.parametrize(
    ("start", "days", "expected", "provisional_years"),
    [
        (date(2026, 12, 21), 11, date(2027, 1, 1), (2027,)),  # Friday 1-1 is a working day only by guess
        (date(2026, 12, 23), 10, date(2027, 1, 4), (2027,)),  # Sat 1-2 rolls to Monday, by guess
        (date(2026, 12, 20), 10, date(2026, 12, 30), ()),
    ],
)
def test_natural_days_name_the_unscheduled_year_they_consult(start, days, expected, provisional_years):
    result = CALENDAR.due_date(start, days, natural=True)
    assert result == DueDate(expected, bool(provisional_years), provisional_years)


def test_natural_days_with_a_2027_schedule_roll_over_its_new_year():
    calendar = WorkCalendar.with_package_years([SAMPLE_2027])
    assert calendar.due_date(date(2026, 12, 22), 10, natural=True) == DueDate(date(2027, 1, 4), False, ())


# --- single days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "workday", "provisional"),
    [
        (date(2026, 10, 1), False, False),  # 国庆
        (date(2026, 9, 20), True, False),  # make-up Sunday
        (date(2026, 9, 19), False, False),  # ordinary Saturday
        (date(2026, 9, 22), True, False),  # ordinary Tuesday
        (date(2027, 1, 1), True, True),  # unscheduled Friday: a guess
        (date(2027, 1, 2), False, True),  # unscheduled Saturday: still a guess
    ],
)
def test_is_workday(day, workday, provisional):
    status = CALENDAR.is_workday(day)
    assert (status.is_workday, status.provisional) == (workday, provisional)
    is_work, is_provisional = status  # unpacks like a pair
    assert (is_work, is_provisional) == (workday, provisional)


# --- counting used working days ---------------------------------------------------------------------


def test_working_days_between_counts_the_half_open_span():
    assert CALENDAR.working_days_between(date(2026, 9, 28), date(2026, 10, 30)) == DayCount(20, False, ())
    assert CALENDAR.working_days_between(date(2026, 9, 28), date(2026, 10, 7)).days == 2
    assert CALENDAR.working_days_between(date(2026, 9, 18), date(2026, 9, 20)).days == 1


def test_working_days_between_is_zero_for_an_empty_span():
    assert CALENDAR.working_days_between(date(2026, 9, 28), date(2026, 9, 28)) == DayCount(0, False, ())
    assert CALENDAR.working_days_between(date(2026, 9, 28), date(2026, 9, 1)) == DayCount(0, False, ())


def test_working_days_between_names_unscheduled_years():
    result = CALENDAR.working_days_between(date(2026, 12, 25), date(2027, 1, 8))
    assert result == DayCount(10, True, (2027,))


# --- schedule validation ----------------------------------------------------------------------------


def test_a_date_outside_the_year_is_refused():
    with pytest.raises(ValueError, match="holiday 2026-12-31 lies outside 2027"):
        YearSchedule(2027, frozenset({date(2026, 12, 31)}), frozenset(), "test")
    with pytest.raises(ValueError, match="make-up workday 2028-01-01 lies outside 2027"):
        YearSchedule(2027, frozenset(), frozenset({date(2028, 1, 1)}), "test")


def test_a_day_both_holiday_and_workday_is_refused():
    with pytest.raises(ValueError, match="2027-01-02 is both a holiday and a make-up workday"):
        YearSchedule(2027, frozenset({date(2027, 1, 2)}), frozenset({date(2027, 1, 2)}), "test")


def test_a_weekday_make_up_workday_is_refused():
    with pytest.raises(ValueError, match="make-up workday 2027-01-04 is a Monday"):
        YearSchedule(2027, frozenset(), frozenset({date(2027, 1, 4)}), "test")


def test_a_datetime_is_refused():
    moment = datetime.datetime(2027, 1, 1, 0, 0)  # noqa: DTZ001  # the refusal is the point
    with pytest.raises(ValueError, match=r"must be a datetime\.date"):
        YearSchedule(2027, frozenset({moment}), frozenset(), "test")


def test_plain_sets_are_stored_as_frozensets():
    schedule = YearSchedule(2027, {date(2027, 1, 1)}, set(), "test")  # type: ignore[arg-type]
    assert isinstance(schedule.holidays, frozenset) and isinstance(schedule.workdays, frozenset)
    hash(schedule)


def test_due_date_refuses_an_inconsistent_provisional_flag():
    with pytest.raises(ValueError, match="provisional"):
        DueDate(date(2027, 1, 1), False, (2027,))


# --- properties -------------------------------------------------------------------------------------

starts = st.dates(min_value=date(2003, 1, 1), max_value=date(2029, 12, 31))


def _slow_due(start: date, days: int) -> date:
    """Reference: walk one day at a time, asking the package directly where it has data."""
    day = start
    while days:
        day += timedelta(days=1)
        in_package = 2004 <= day.year <= 2026
        days -= chinese_calendar.is_workday(day) if in_package else day.weekday() < 5
    return day


@given(start=starts, days=st.integers(min_value=1, max_value=400))
def test_due_date_is_the_nth_working_day_after_start(start, days):
    result = CALENDAR.due_date(start, days)
    assert result.due > start
    assert CALENDAR.is_workday(result.due).is_workday
    assert CALENDAR.working_days_between(start, result.due).days == days
    assert CALENDAR.working_days_between(start, result.due - timedelta(days=1)).days == days - 1
    assert result.due == _slow_due(start, days)
    consulted = range((start + timedelta(days=1)).year, result.due.year + 1)
    assert result.provisional_years == tuple(y for y in consulted if not 2004 <= y <= 2026)


@given(start=starts, days=st.integers(min_value=1, max_value=400))
def test_natural_due_date_is_the_first_working_day_from_the_nominal_end(start, days):
    result = CALENDAR.due_date(start, days, natural=True)
    nominal = start + timedelta(days=days)
    assert result.due >= nominal
    assert CALENDAR.is_workday(result.due).is_workday
    assert CALENDAR.working_days_between(nominal - timedelta(days=1), result.due).days == 1


@given(day=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_is_workday_agrees_with_the_package(day):
    assert CALENDAR.is_workday(day) == (chinese_calendar.is_workday(day), False)
